"""Recognising a storage failure (the database refused or could not be reached)."""

from __future__ import annotations

import sqlite3

from sqlalchemy.exc import SQLAlchemyError


def is_storage_error(exc: BaseException) -> bool:
    """True when ``exc`` (or what it wraps) says the database failed, not our logic."""
    import psycopg

    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, SQLAlchemyError | sqlite3.Error | psycopg.Error):
            return True
        current = current.__cause__ or current.__context__
    return False
