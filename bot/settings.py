"""Every setting the bot reads from its environment: one typed object, checked at start.

Values come from the process environment and, under it, from a ``.env`` file in the
current folder (``.env.example`` lists them). Each is validated when the program starts;
a bad one stops it with one line naming the variable and what to write instead. Secrets
never appear in ``repr``.

Besides the settings an operator writes, the variables a hosting platform sets (``DYNO``,
``RENDER``, ``FLY_APP_NAME``…, :data:`PLATFORM_MARKERS`) are gathered here too, into
:attr:`Settings.platform_markers`: this module is the only one of the bot that reads the
environment (``bot/cli.py`` peeks at BOT_CONFIG alone, to spare ``check`` pydantic).
"""

from __future__ import annotations

import ipaddress
import logging
import os
import re
from collections.abc import Mapping
from contextvars import ContextVar
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from bot.defaults import DEFAULT_CONFIG, DEFAULT_DATA_DIR, SettingsError
from bot.importers.sources import TrackerSource, parse_tracker_sources

__all__ = ["DEFAULT_DATA_DIR", "Settings", "SettingsError", "parse_admin_ids"]

#: The ports Telegram posts webhooks to.
WEBHOOK_PORTS = (443, 80, 88, 8443)
#: Telegram's rule for a webhook's ``secret_token``: 1–256 of ``A-Z a-z 0-9 _ -``.
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})
DEFAULT_TRACKER_INTERVAL = 3600.0
MIN_TRACKER_INTERVAL = 60.0


#: (environment variable, platform name), checked in order: the variable being set
#: (non-empty) is the sign of a platform whose disk vanishes on restart.
PLATFORM_MARKERS: tuple[tuple[str, str], ...] = (
    ("DYNO", "Heroku-style dyno"),
    ("RENDER", "Render"),
    ("RENDER_SERVICE_ID", "Render"),
    ("RAILWAY_ENVIRONMENT", "Railway"),
    ("RAILWAY_ENVIRONMENT_NAME", "Railway"),
    ("FLY_APP_NAME", "Fly.io"),
    ("K_SERVICE", "Cloud Run"),
)

#: The mapping :meth:`Settings.from_env` reads instead of the environment and ``.env``.
_GIVEN_ENV: ContextVar[Mapping[str, str] | None] = ContextVar("_GIVEN_ENV", default=None)


class _PlatformMarkers(PydanticBaseSettingsSource):
    """The source of :attr:`Settings.platform_markers`, read from ``environ``.

    Those of :data:`PLATFORM_MARKERS` set (non-empty), in that order. The field is always
    given, so this source (the first) wins over any value another might bring for it.
    """

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        super().__init__(settings_cls)
        self.environ = environ

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # unused: __call__ answers for the one field

    def __call__(self) -> dict[str, Any]:
        found = tuple(
            (name, value)
            for name, _platform in PLATFORM_MARKERS
            if (value := (self.environ.get(name) or "").strip())
        )
        return {"platform_markers": found}


class Settings(BaseSettings):
    """Everything the bot reads from its environment (each field's alias is the variable)."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        env_ignore_empty=True,
        extra="ignore",
        frozen=True,
    )

    token: str | None = Field(default=None, validation_alias="TELEGRAM_BOT_TOKEN", repr=False)
    """The bot's token from @BotFather; required for ``run`` and ``news``; never printed."""
    api_base_url: str | None = Field(default=None, validation_alias="TELEGRAM_API_BASE_URL")
    """python-telegram-bot's ``base_url``, e.g. ``http://127.0.0.1:8081/bot`` (a self-hosted
    Bot API server or the sandbox); ``http://HOST:PORT`` alone gets ``/bot`` added."""
    database_url: str | None = Field(default=None, validation_alias="DATABASE_URL", repr=False)
    """Default: a SQLite file in :attr:`data_dir`; ``postgresql://…`` for PostgreSQL."""
    admin_ids: Annotated[frozenset[int], NoDecode] = Field(
        default=frozenset(), validation_alias="ADMIN_IDS"
    )
    """Telegram user ids allowed to use admin commands (commas or spaces between)."""
    config_path: Path = Field(default=DEFAULT_CONFIG, validation_alias="BOT_CONFIG")
    """A YAML file or a folder of them."""
    log_level: str = Field(default="INFO", validation_alias="LOG_LEVEL")
    """DEBUG, INFO, WARNING or ERROR."""
    data_dir: Path = Field(default=DEFAULT_DATA_DIR, validation_alias="DATA_DIR")
    """Where the default SQLite file lives."""
    webhook_url: str | None = Field(default=None, validation_alias="WEBHOOK_URL")
    """Webhook mode: the public ``https://`` address Telegram posts updates to."""
    webhook_secret: str | None = Field(default=None, validation_alias="WEBHOOK_SECRET", repr=False)
    """The secret Telegram sends back with each update (default: generated and stored)."""
    webhook_behind_tls_proxy: bool = Field(
        default=False, validation_alias="WEBHOOK_BEHIND_TLS_PROXY"
    )
    """Allow an ``http://`` WEBHOOK_URL on a loopback address: TLS ends at a proxy (or a
    self-hosted Bot API server) on this machine."""
    port: int = Field(default=8080, validation_alias="PORT")
    """Where the webhook server listens."""
    allow_ephemeral_sqlite: bool = Field(default=False, validation_alias="ALLOW_EPHEMERAL_SQLITE")
    """Run on SQLite even on a platform whose disk vanishes (a persistent volume)."""
    tracker_sources: Annotated[tuple[TrackerSource, ...], NoDecode] = Field(
        default=(), validation_alias="TRACKER_SOURCES"
    )
    """Tracker files to follow, by URL (``ccf-deadlines=`` / ``ai-deadlines=`` optional);
    none by default (see ``bot/importers/sources.py``)."""
    tracker_interval: float = Field(
        default=DEFAULT_TRACKER_INTERVAL, validation_alias="TRACKER_INTERVAL"
    )
    """Seconds between two reads of the tracker files (at least 60)."""
    platform_markers: Annotated[tuple[tuple[str, str], ...], NoDecode] = ()
    """(variable, value) of each hosting-platform marker set (:data:`PLATFORM_MARKERS`):
    not a setting to write but a sign of where the bot runs, for the ephemeral-disk check."""

    # ------------------------------------------------------------------------ loading

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read and check every setting; raise :class:`SettingsError` naming the variable.

        ``env`` replaces the environment and ``.env`` (for tests); None reads both.
        """
        given = _GIVEN_ENV.set(env)
        try:
            return cls.model_validate({k: v for k, v in (env or {}).items() if v.strip()})
        except ValidationError as exc:
            raise SettingsError(_one_line(exc)) from None
        finally:
            _GIVEN_ENV.reset(given)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """The environment first, then ``.env``; only the given values in :meth:`from_env`.

        The platform markers come from the same place, the process environment or the
        given mapping (never ``.env``: a platform sets them, not the operator).
        """
        given = _GIVEN_ENV.get()
        if given is not None:
            return (_PlatformMarkers(settings_cls, given), init_settings)
        return (
            _PlatformMarkers(settings_cls, os.environ),
            init_settings,
            env_settings,
            dotenv_settings,
        )

    def replace(self, **changes: Any) -> Settings:
        """Return a copy with some fields changed (by field name, e.g. ``config_path``)."""
        return self.model_copy(update=changes)

    @property
    def log_level_number(self) -> int:
        """Return the logging module's number for :attr:`log_level`."""
        return logging.getLevelNamesMapping()[self.log_level]

    @property
    def config_given(self) -> bool:
        """True when BOT_CONFIG was set (else the default ``./config`` is meant)."""
        return "config_path" in self.model_fields_set

    # --------------------------------------------------------------------- validation

    @field_validator("token", "api_base_url", "database_url", "webhook_url", "webhook_secret")
    @classmethod
    def _stripped(cls, value: str | None) -> str | None:
        return (value or "").strip() or None

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in _LEVELS:
            raise ValueError("write DEBUG, INFO, WARNING or ERROR")
        return level

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _admins(cls, value: object) -> object:
        return parse_admin_ids(value) if isinstance(value, str) else value

    @field_validator("api_base_url")
    @classmethod
    def _base_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("write it as http://HOST:PORT/bot (python-telegram-bot's base_url)")
        _port_of(value)
        path = parts.path.rstrip("/")
        if not path:
            return value.rstrip("/") + "/bot"
        if not path.endswith("/bot"):
            raise ValueError(
                "the path must end in /bot (the token follows it), e.g. http://127.0.0.1:8081/bot"
            )
        return value.rstrip("/")

    @field_validator("database_url")
    @classmethod
    def _database(cls, value: str | None) -> str | None:
        if value is not None:
            from bot.storage.urls import normalize_database_url  # only when one is set

            normalize_database_url(value, DEFAULT_DATA_DIR)  # raises ValueError with the reason
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _secret(cls, value: str | None) -> str | None:
        if value is not None and _SECRET.fullmatch(value) is None:
            raise ValueError(
                f"Telegram accepts 1 to 256 characters of A-Z, a-z, 0-9, _ and - "
                f"(got {len(value)} characters, some not allowed)"
            )
        return value

    @field_validator("port", mode="before")
    @classmethod
    def _port(cls, value: object) -> object:
        text = str(value).strip()
        if not text.isdigit() or not 0 < int(text) < 65536:
            raise ValueError("write a port number from 1 to 65535")
        return int(text)

    @field_validator("webhook_behind_tls_proxy", "allow_ephemeral_sqlite", mode="before")
    @classmethod
    def _flag(cls, value: object) -> object:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in _TRUE | _FALSE:
            return text in _TRUE
        raise ValueError("write 1 (yes) or 0 (no)")

    @field_validator("tracker_sources", mode="before")
    @classmethod
    def _trackers(cls, value: object) -> object:
        return parse_tracker_sources(value) if isinstance(value, str) else value

    @field_validator("tracker_interval", mode="before")
    @classmethod
    def _tracker_interval(cls, value: object) -> object:
        try:
            seconds = float(str(value).strip())
        except ValueError:
            raise ValueError("write a number of seconds, e.g. 3600") from None
        if not seconds >= MIN_TRACKER_INTERVAL:
            raise ValueError("read the trackers at most once a minute (60 or more)")
        return seconds

    @model_validator(mode="after")
    def _webhook(self) -> Settings:
        if self.webhook_url is not None:
            check_webhook_url(self.webhook_url, behind_tls_proxy=self.webhook_behind_tls_proxy)
        return self


def check_webhook_url(url: str, *, behind_tls_proxy: bool = False) -> None:
    """Refuse a WEBHOOK_URL Telegram would not post to (a ``SettingsError``, one line).

    Telegram posts only to ``https://`` on port 443, 80, 88 or 8443. ``http://`` is allowed
    only on a loopback address and only with WEBHOOK_BEHIND_TLS_PROXY=1.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SettingsError(f"WEBHOOK_URL={url!r}: write it as https://HOST[/PATH]")
    try:
        port = _port_of(url)
    except ValueError as exc:
        raise SettingsError(f"WEBHOOK_URL={url!r}: {exc}") from None
    if parts.scheme == "http":
        if not (behind_tls_proxy and _is_loopback(parts.hostname)):
            raise SettingsError(
                f"WEBHOOK_URL={url!r}: Telegram posts only to https:// addresses; write "
                "https://HOST/PATH (or, for a TLS proxy or a local Bot API server on this "
                "machine, an http://127.0.0.1 address and WEBHOOK_BEHIND_TLS_PROXY=1)"
            )
        return
    if port is not None and port not in WEBHOOK_PORTS and not behind_tls_proxy:
        raise SettingsError(
            f"WEBHOOK_URL={url!r}: Telegram posts only to ports 443, 80, 88 and 8443; "
            f"write https://{parts.hostname}/… or https://{parts.hostname}:8443/…"
        )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _port_of(url: str) -> int | None:
    try:
        return urlsplit(url).port
    except ValueError:
        raise ValueError("the port is not a number from 1 to 65535") from None


def parse_admin_ids(text: str) -> frozenset[int]:
    """Parse ``ADMIN_IDS``: user ids separated by commas or spaces."""
    ids: set[int] = set()
    for part in text.replace(",", " ").split():
        if not part.lstrip("-").isdigit():
            raise SettingsError(f"ADMIN_IDS: {part!r} is not a Telegram user id (a number)")
        ids.add(int(part))
    return frozenset(ids)


def _one_line(exc: ValidationError) -> str:
    """The first problem of a validation error as one line: VARIABLE=value: what to write."""
    error = exc.errors(include_url=False)[0]
    message = " ".join(str(error["msg"]).removeprefix("Value error, ").split())
    if not error["loc"]:
        return message
    name = str(error["loc"][0])
    value = error.get("input")
    if message.startswith(name):
        return message
    if isinstance(value, str) and name not in _SECRET_VARIABLES:
        return f"{name}={value!r}: {message}"
    return f"{name}: {message}"


_SECRET_VARIABLES = frozenset({"TELEGRAM_BOT_TOKEN", "WEBHOOK_SECRET", "DATABASE_URL"})
