"""Settings: one typed object for every variable, .env read, each problem in one line."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bot.cli import run
from bot.settings import Settings, SettingsError

REPO = Path(__file__).resolve().parents[2]


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def test_a_base_url_without_bot_gets_it_and_a_wrong_one_is_one_line() -> None:
    settings = Settings.from_env({"TELEGRAM_API_BASE_URL": "http://127.0.0.1:8081"})
    assert settings.api_base_url == "http://127.0.0.1:8081/bot"
    kept = Settings.from_env({"TELEGRAM_API_BASE_URL": "http://127.0.0.1:8081/bot/"})
    assert kept.api_base_url == "http://127.0.0.1:8081/bot"
    for bad, why in [
        ("http://127.0.0.1:80x81/bot", "port"),
        ("http://127.0.0.1:8081/api", "/bot"),
        ("127.0.0.1:8081", "http://HOST:PORT/bot"),
    ]:
        with pytest.raises(SettingsError) as caught:
            Settings.from_env({"TELEGRAM_API_BASE_URL": bad})
        message = str(caught.value)
        assert message.startswith("TELEGRAM_API_BASE_URL") and why in message
        assert "\n" not in message


@pytest.mark.parametrize(
    ("variable", "value", "hint"),
    [
        ("LOG_LEVEL", "loud", "DEBUG, INFO"),
        ("ADMIN_IDS", "alice", "user id"),
        ("PORT", "eighty", "port number"),
        ("PORT", "70000", "port number"),
        ("WEBHOOK_SECRET", "has space", "A-Z"),
        ("DATABASE_URL", "mysql://u:pw@h/db", "supported schemes"),
        ("ALLOW_EPHEMERAL_SQLITE", "maybe", "write 1"),
        ("WEBHOOK_URL", "ftp://bot.example.org", "https://"),
    ],
)
def test_every_bad_setting_is_one_line_naming_it_and_what_to_write(
    variable: str, value: str, hint: str
) -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({variable: value})
    message = str(caught.value)
    assert message.startswith(variable) and hint in message and "\n" not in message
    if variable in ("WEBHOOK_SECRET", "DATABASE_URL"):
        assert value not in message  # secrets are not echoed


def test_a_webhook_must_be_https_on_a_port_telegram_posts_to() -> None:
    for good in ("https://bot.example.org/tg", "https://bot.example.org:8443/tg"):
        assert Settings.from_env({"WEBHOOK_URL": good}).webhook_url == good
    with pytest.raises(SettingsError, match="only to https://"):
        Settings.from_env({"WEBHOOK_URL": "http://bot.example.org/tg"})
    with pytest.raises(SettingsError, match="ports 443, 80, 88 and 8443"):
        Settings.from_env({"WEBHOOK_URL": "https://bot.example.org:8080/tg"})
    # http:// only on loopback, and only when the operator says TLS ends in front of it.
    proxy = {"WEBHOOK_BEHIND_TLS_PROXY": "1"}
    local = "http://127.0.0.1:9000/tg"
    assert Settings.from_env({"WEBHOOK_URL": local, **proxy}).webhook_url == local
    with pytest.raises(SettingsError, match="WEBHOOK_BEHIND_TLS_PROXY=1"):
        Settings.from_env({"WEBHOOK_URL": local})
    with pytest.raises(SettingsError, match="only to https://"):
        Settings.from_env({"WEBHOOK_URL": "http://bot.example.org/tg", **proxy})


def test_dot_env_is_read_and_the_environment_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dot_env = "TELEGRAM_BOT_TOKEN=1:from-dot-env\nLOG_LEVEL=debug\nPORT=9000\n"
    (tmp_path / ".env").write_text(dot_env)
    monkeypatch.chdir(tmp_path)
    for name in ("TELEGRAM_BOT_TOKEN", "LOG_LEVEL", "PORT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PORT", "9100")
    settings = Settings.from_env()
    assert settings.token == "1:from-dot-env" and settings.log_level == "DEBUG"
    assert settings.port == 9100
    assert "from-dot-env" not in repr(settings)


def test_hosting_platform_markers_are_read_with_the_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The variables a platform sets are gathered, in order, from the environment (not
    ``.env``: the operator does not write them); nothing else can set the field."""
    given = Settings.from_env({"K_SERVICE": "bot", "DYNO": "web.1", "RENDER": " "})
    assert given.platform_markers == (("DYNO", "web.1"), ("K_SERVICE", "bot"))
    assert Settings.from_env({"PLATFORM_MARKERS": "DYNO"}).platform_markers == ()
    (tmp_path / ".env").write_text("RAILWAY_ENVIRONMENT=production\n")
    monkeypatch.chdir(tmp_path)
    for name in ("DYNO", "RENDER", "RENDER_SERVICE_ID", "RAILWAY_ENVIRONMENT", "K_SERVICE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("RAILWAY_ENVIRONMENT_NAME", raising=False)
    monkeypatch.setenv("FLY_APP_NAME", "deadline-bot")
    monkeypatch.setenv("PLATFORM_MARKERS", "not a way in")
    assert Settings.from_env().platform_markers == (("FLY_APP_NAME", "deadline-bot"),)


def test_a_bad_setting_stops_run_in_one_line_without_a_traceback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "1:x")
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", "http://127.0.0.1:80x81/bot")
    code, _, err = cli("run")
    assert code == 2 and err.count("\n") == 1
    assert "TELEGRAM_API_BASE_URL" in err and "Traceback" not in err


def test_outside_the_repository_without_bot_config_says_how_to_name_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BOT_CONFIG", raising=False)
    code, _, err = cli("dates")
    assert code == 2 and err.count("\n") == 1
    assert "--config PATH" in err and "BOT_CONFIG=PATH" in err


def test_global_options_work_after_the_command_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    config = "config/euromlsys2026.yaml"
    after = cli("dates", "--config", config, "--now", "2026-01-01T00:00:00Z")
    before = cli("--config", config, "dates", "--now", "2026-01-01T00:00:00Z")
    assert after[0] == 0 and after == before
    assert cli("check", "--config", "no/such/file.yaml")[0] == 2


def test_simulate_help_describes_the_window(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli("simulate", "--help")
    text = capsys.readouterr().out
    assert "start of the window" in text and "end of the window" in text


@pytest.mark.parametrize(
    "argv",
    [
        ("dates", "--tz", "Pacific/Kiritimati", "--now", "2026-01-01T00:00:00Z"),
        ("dates", "--now", "2026-01-01T00:00:00Z"),
        ("plan", "--now", "2026-01-01T00:00:00Z"),
        ("check",),
    ],
)
def test_terminal_views_fit_80_columns(
    argv: tuple[str, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO)
    code, out, err = cli(*argv)
    assert code == 0, err
    assert max(len(line) for line in out.splitlines()) <= 80
    assert "Mon 16 Feb 2026, 11:59 UTC" in out or "2026-02-" in out  # still all there
