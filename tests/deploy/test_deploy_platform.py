"""Ephemeral platforms and SQLite."""

from __future__ import annotations

import pytest

from bot.deploy.platform import (
    ALLOW_ENV,
    ALLOW_FLAG,
    EphemeralStorageError,
    check_storage_safe,
    detect_ephemeral_platform,
)
from bot.settings import SettingsError

PG = "postgres://bot:pw@db.example.org:5432/bot"


@pytest.mark.parametrize(
    ("env", "name"),
    [
        ({"DYNO": "worker.1"}, "Heroku-style dyno"),
        ({"RENDER": "true"}, "Render"),
        ({"RENDER_SERVICE_ID": "srv-123"}, "Render"),
        ({"RAILWAY_ENVIRONMENT": "production"}, "Railway"),
        ({"RAILWAY_ENVIRONMENT_NAME": "production"}, "Railway"),
        ({"FLY_APP_NAME": "deadline-bot"}, "Fly.io"),
        ({"K_SERVICE": "deadline-bot"}, "Cloud Run"),
        ({}, None),
        ({"HOME": "/root", "PATH": "/usr/bin"}, None),
        ({"DYNO": ""}, None),
        ({"DYNO": "  "}, None),
    ],
)
def test_detect_ephemeral_platform(env: dict[str, str], name: str | None) -> None:
    assert detect_ephemeral_platform(env) == name


@pytest.mark.parametrize("url", [None, "", "sqlite:///data/bot.sqlite3", "sqlite:////abs/x.db"])
def test_sqlite_on_an_ephemeral_platform_is_refused(url: str | None) -> None:
    with pytest.raises(EphemeralStorageError) as info:
        check_storage_safe(url, {"DYNO": "worker.1"}, allow_sqlite=False)
    message = str(info.value)
    assert "Heroku-style dyno" in message
    assert "DATABASE_URL" in message and "PostgreSQL" in message
    assert ALLOW_FLAG in message and f"{ALLOW_ENV}=1" in message
    assert isinstance(info.value, SettingsError)  # the CLI exits 2 with the message


def test_postgres_or_no_platform_is_fine() -> None:
    assert check_storage_safe(PG, {"DYNO": "worker.1"}, allow_sqlite=False) is None
    assert check_storage_safe(None, {}, allow_sqlite=False) is None
    assert check_storage_safe("sqlite:///x.db", {"USER": "me"}, allow_sqlite=False) is None


@pytest.mark.parametrize("value", ["1", "true", "YES", "on"])
def test_allowed_by_env_warns(value: str) -> None:
    warning = check_storage_safe(None, {"RENDER": "true", ALLOW_ENV: value}, allow_sqlite=False)
    assert warning is not None and "Render" in warning and "persistent volume" in warning


def test_allowed_by_flag_warns_and_other_env_values_do_not_allow() -> None:
    warning = check_storage_safe("sqlite:///v/bot.db", {"FLY_APP_NAME": "x"}, allow_sqlite=True)
    assert warning is not None and "Fly.io" in warning
    with pytest.raises(EphemeralStorageError):
        check_storage_safe(None, {"FLY_APP_NAME": "x", ALLOW_ENV: "0"}, allow_sqlite=False)


def test_bad_url_is_still_reported_as_a_bad_url() -> None:
    with pytest.raises(ValueError, match="unsupported database URL"):
        check_storage_safe("mysql://x/y", {"DYNO": "web.1"}, allow_sqlite=False)
