"""Small helpers shared by the repositories (not part of the public API)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any, cast

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.clock import ensure_utc

Insert = postgresql.Insert | sqlite.Insert


def upsert_insert(engine: AsyncEngine, table: Table) -> Insert:
    """Return the dialect's ``INSERT`` that understands ``ON CONFLICT``."""
    if engine.dialect.name == "postgresql":
        return postgresql.insert(table)
    if engine.dialect.name == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"unsupported dialect {engine.dialect.name}")


def dump_json(value: Mapping[str, Any]) -> str:
    """Serialize a mapping as compact JSON text (non-ASCII kept as is)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def load_json(text: str | None) -> dict[str, Any] | None:
    """Parse JSON text stored by :func:`dump_json`."""
    if text is None:
        return None
    return cast(dict[str, Any], json.loads(text))


def opt_int(value: Any) -> int | None:
    """Return ``value`` as an ``int``, keeping ``None``."""
    return None if value is None else int(value)


def opt_str(value: Any) -> str | None:
    """Return ``value`` as a ``str``, keeping ``None``."""
    return None if value is None else str(value)


def instant(value: Any) -> dt.datetime:
    """Return a non-null timestamp column as an aware UTC datetime."""
    if not isinstance(value, dt.datetime):
        raise TypeError(f"expected a datetime, got {value!r}")
    return ensure_utc(value)


def opt_instant(value: Any) -> dt.datetime | None:
    """Like :func:`instant`, keeping ``None``."""
    return None if value is None else instant(value)
