"""Every setting the bot reads from its environment: one typed object, checked at start.

Values come from the process environment and, under it, from a ``.env`` file in the
current folder (``.env.example`` lists them). Each is validated when the program starts;
a bad one stops it with one line naming the variable and what to write instead. Secrets
never appear in ``repr``.
"""

from __future__ import annotations

import ipaddress
import logging
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

__all__ = ["DEFAULT_DATA_DIR", "Settings", "SettingsError", "parse_admin_ids"]

#: The ports Telegram posts webhooks to.
WEBHOOK_PORTS = (443, 80, 88, 8443)
#: Telegram's rule for a webhook's ``secret_token``: 1–256 of ``A-Z a-z 0-9 _ -``.
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


#: Set while :meth:`Settings.from_env` reads only the mapping it was given.
_ONLY_GIVEN: ContextVar[bool] = ContextVar("_ONLY_GIVEN", default=False)


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

    # ------------------------------------------------------------------------ loading

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read and check every setting; raise :class:`SettingsError` naming the variable.

        ``env`` replaces the environment and ``.env`` (for tests); None reads both.
        """
        given = _ONLY_GIVEN.set(env is not None)
        try:
            return cls.model_validate({k: v for k, v in (env or {}).items() if v.strip()})
        except ValidationError as exc:
            raise SettingsError(_one_line(exc)) from None
        finally:
            _ONLY_GIVEN.reset(given)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """The environment first, then ``.env``; only the given values in :meth:`from_env`."""
        if _ONLY_GIVEN.get():
            return (init_settings,)
        return (init_settings, env_settings, dotenv_settings)

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
