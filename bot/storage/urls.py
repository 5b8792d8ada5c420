"""Database URLs: from what an operator writes to what SQLAlchemy's async engine needs."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

#: File name of the default SQLite database inside the data folder.
DEFAULT_SQLITE_NAME = "deadline-bot.sqlite3"

SUPPORTED_SCHEMES = (
    "postgres://",
    "postgresql://",
    "postgresql+psycopg://",
    "sqlite:///<path>",
    "sqlite+aiosqlite:///<path>",
)

_PG_ALIASES = {"postgres", "postgresql", "postgresql+psycopg"}
_SQLITE_ALIASES = {"sqlite", "sqlite+aiosqlite"}


def _unsupported(detail: str) -> ValueError:
    return ValueError(
        f"unsupported database URL ({detail}); supported schemes: "
        + ", ".join(SUPPORTED_SCHEMES)
        + "; leave DATABASE_URL empty for SQLite in the data folder"
    )


def normalize_database_url(url: str | None, data_dir: Path) -> str:
    """Return the async SQLAlchemy URL for ``url``.

    * ``None`` or empty: ``sqlite+aiosqlite:///<data_dir>/deadline-bot.sqlite3``;
    * ``postgres://`` and ``postgresql://``: ``postgresql+psycopg://`` (psycopg 3);
    * ``sqlite:///path``: ``sqlite+aiosqlite:///path``.

    Anything else (another driver, an in-memory SQLite database, a string that is
    not a URL) raises ``ValueError`` naming the supported schemes.
    """
    if url is None or not url.strip():
        return f"sqlite+aiosqlite:///{(data_dir / DEFAULT_SQLITE_NAME).as_posix()}"
    text = url.strip()
    if "://" not in text:
        raise _unsupported(f"not a URL: {redact_url(text)!r}")
    try:
        parsed = make_url(text)
    except ArgumentError as exc:
        raise _unsupported(f"cannot parse {redact_url(text)!r}") from exc
    scheme = parsed.drivername.lower()
    if scheme in _PG_ALIASES:
        if not parsed.database:
            raise ValueError(f"PostgreSQL URL names no database: {redact_url(text)!r}")
        return _render(parsed.set(drivername="postgresql+psycopg"))
    if scheme in _SQLITE_ALIASES:
        database = parsed.database
        if not database or database == ":memory:" or database.startswith("file::memory:"):
            raise ValueError(
                "in-memory SQLite is not supported (every connection would see its own "
                "empty database); give a file path, e.g. sqlite:///data/bot.sqlite3"
            )
        return _render(parsed.set(drivername="sqlite+aiosqlite"))
    raise _unsupported(f"scheme {parsed.drivername!r}")


def _render(url: URL) -> str:
    return url.render_as_string(hide_password=False)


_SEARCH_PATH = re.compile(r"search_path\s*=\s*([^\s,]+)")


def search_path_schema(url: str | None) -> str | None:
    """The ``search_path`` a PostgreSQL URL sets through ``options``, if any."""
    if not url:
        return None
    try:
        options = make_url(url).query.get("options")
    except ArgumentError:
        return None
    text = " ".join(options) if isinstance(options, tuple) else (options or "")
    found = _SEARCH_PATH.search(text)
    return found.group(1) if found else None


_QUERY_SECRET = re.compile(r"(?P<head>[?&](?:password|sslpassword)=)[^&#]*", re.IGNORECASE)


def redact_url(url: str | None) -> str:
    """Return ``url`` fit for a log: any password is replaced by ``***``.

    Works on text that does not parse too (a password with a raw ``@`` or ``/``):
    everything between the user name and the last ``@`` is hidden.
    """
    if not url:
        return ""
    text = url
    start = text.find("://")
    at = text.rfind("@")
    if start >= 0 and at > start:
        colon = text.find(":", start + 3, at)
        if colon >= 0:
            text = text[: colon + 1] + "***" + text[at:]
    return _QUERY_SECRET.sub(r"\g<head>***", text)


def sqlite_path(url: str) -> Path | None:
    """Return the file path of a SQLite URL (``None`` for other databases)."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite") or not parsed.database:
        return None
    return Path(parsed.database)
