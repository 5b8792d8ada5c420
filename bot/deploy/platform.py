"""Platforms whose disk vanishes on restart, and refusing SQLite on them."""

from __future__ import annotations

from collections.abc import Mapping

from bot.defaults import DEFAULT_DATA_DIR
from bot.settings import PLATFORM_MARKERS, SettingsError
from bot.storage.urls import normalize_database_url, redact_url, sqlite_path

#: The command-line flag that allows SQLite on an ephemeral platform anyway.
ALLOW_FLAG = "--allow-ephemeral-sqlite"
#: The environment variable that does the same (``1``, ``true`` or ``yes``).
ALLOW_ENV = "ALLOW_EPHEMERAL_SQLITE"

_TRUE = {"1", "true", "yes", "on"}


class EphemeralStorageError(SettingsError):
    """SQLite on a platform whose disk is wiped at every restart or deploy."""


def detect_ephemeral_platform(env: Mapping[str, str]) -> str | None:
    """Return the name of the ephemeral-disk platform ``env`` shows, or ``None``."""
    for variable, name in PLATFORM_MARKERS:
        if (env.get(variable) or "").strip():
            return name
    return None


def allowed_by_env(env: Mapping[str, str]) -> bool:
    """True when ``ALLOW_EPHEMERAL_SQLITE`` is set to 1/true/yes/on."""
    return (env.get(ALLOW_ENV) or "").strip().lower() in _TRUE


def check_storage_safe(
    database_url: str | None, env: Mapping[str, str], allow_sqlite: bool = False
) -> str | None:
    """Refuse SQLite on an ephemeral platform unless explicitly allowed.

    ``database_url`` is ``DATABASE_URL`` as written (empty means the default SQLite file).
    Raises :class:`EphemeralStorageError` naming the platform and the fixes; returns a
    warning to log when SQLite was allowed there (by ``allow_sqlite``, i.e.
    ``--allow-ephemeral-sqlite``, or ``ALLOW_EPHEMERAL_SQLITE=1``), else ``None``.
    """
    platform = detect_ephemeral_platform(env)
    if platform is None:
        return None
    normalized = normalize_database_url(database_url, DEFAULT_DATA_DIR)
    path = sqlite_path(normalized)
    if path is None:
        return None
    where = "the default SQLite file" if not (database_url or "").strip() else "SQLite"
    if allow_sqlite or allowed_by_env(env):
        return (
            f"running on {platform} with {where} ({redact_url(database_url) or path}): "
            "its disk may be wiped at the next restart or deploy, taking every subscriber "
            "with it, unless the file is on a persistent volume"
        )
    raise EphemeralStorageError(
        f"this looks like {platform}, whose disk is wiped at every restart or deploy, and "
        f"the database is {where}: every subscriber would be lost. Set DATABASE_URL to "
        f"PostgreSQL (postgresql://USER:PASSWORD@HOST/DB), or, if the SQLite file is on a "
        f"persistent volume, allow it with {ALLOW_FLAG} or {ALLOW_ENV}=1"
    )
