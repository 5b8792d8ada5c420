"""Settings from the environment, read once, validated, never logged with secrets."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.importers.sources import TrackerSource, parse_tracker_sources

DEFAULT_DATA_DIR = Path("data")
DEFAULT_TRACKER_INTERVAL = 3600.0
MIN_TRACKER_INTERVAL = 60.0


class SettingsError(ValueError):
    """An environment variable with a value the bot cannot use."""


@dataclass(frozen=True)
class Settings:
    """Everything the bot reads from its environment."""

    token: str | None = field(repr=False)
    """TELEGRAM_BOT_TOKEN: the bot's token; never printed (repr hides it)."""
    api_base_url: str | None
    """TELEGRAM_API_BASE_URL: python-telegram-bot's base_url, e.g. http://127.0.0.1:8081/bot."""
    database_url: str | None
    """DATABASE_URL: default a SQLite file under ./data/."""
    admin_ids: frozenset[int]
    """ADMIN_IDS: Telegram user ids allowed to use admin commands."""
    config_path: Path
    """BOT_CONFIG: a YAML file or a folder of them (default ./config)."""
    log_level: str
    """LOG_LEVEL: DEBUG, INFO (default), WARNING or ERROR."""
    data_dir: Path = DEFAULT_DATA_DIR
    """Where the default SQLite file lives."""
    tracker_sources: tuple[TrackerSource, ...] = ()
    """TRACKER_SOURCES: tracker files (URLs) to follow; none by default."""
    tracker_interval: float = DEFAULT_TRACKER_INTERVAL
    """TRACKER_INTERVAL: seconds between two reads of the tracker files (default 3600)."""

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read and check every setting; raise :class:`SettingsError` naming the variable."""
        values = os.environ if env is None else env
        level = (values.get("LOG_LEVEL") or "INFO").strip().upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise SettingsError(f"LOG_LEVEL={level!r}: use DEBUG, INFO, WARNING or ERROR")
        base = (values.get("TELEGRAM_API_BASE_URL") or "").strip() or None
        if base is not None and not base.startswith(("http://", "https://")):
            raise SettingsError(f"TELEGRAM_API_BASE_URL={base!r}: write it as http://HOST:PORT/bot")
        return cls(
            token=(values.get("TELEGRAM_BOT_TOKEN") or "").strip() or None,
            api_base_url=base,
            database_url=(values.get("DATABASE_URL") or "").strip() or None,
            admin_ids=parse_admin_ids(values.get("ADMIN_IDS", "")),
            config_path=Path(values.get("BOT_CONFIG") or "config"),
            log_level=level,
            **tracker_settings(values),
        )

    @property
    def log_level_number(self) -> int:
        """Return the logging module's number for :attr:`log_level`."""
        return logging.getLevelNamesMapping()[self.log_level]


def parse_admin_ids(text: str) -> frozenset[int]:
    """Parse ``ADMIN_IDS``: user ids separated by commas or spaces."""
    ids: set[int] = set()
    for part in text.replace(",", " ").split():
        if not part.lstrip("-").isdigit():
            raise SettingsError(f"ADMIN_IDS: {part!r} is not a Telegram user id (a number)")
        ids.add(int(part))
    return frozenset(ids)


def tracker_settings(values: Mapping[str, str]) -> dict[str, Any]:
    """Read ``TRACKER_SOURCES`` and ``TRACKER_INTERVAL`` (seconds, at least 60)."""
    try:
        sources = parse_tracker_sources(values.get("TRACKER_SOURCES", ""))
    except ValueError as exc:
        raise SettingsError(f"TRACKER_SOURCES: {exc}") from None
    raw = (values.get("TRACKER_INTERVAL") or "").strip()
    try:
        interval = float(raw) if raw else DEFAULT_TRACKER_INTERVAL
    except ValueError:
        raise SettingsError(f"TRACKER_INTERVAL={raw!r} is not a number of seconds") from None
    if not interval >= MIN_TRACKER_INTERVAL:
        raise SettingsError(
            f"TRACKER_INTERVAL={raw!r}: read the trackers at most once a minute (60 or more)"
        )
    return {"tracker_sources": sources, "tracker_interval": interval}
