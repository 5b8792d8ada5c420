"""Column types shared by the schema and every migration."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, DateTime, Integer
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

UTC = dt.UTC

#: Surrogate keys: BIGINT on PostgreSQL, ``INTEGER PRIMARY KEY`` (the rowid) on SQLite.
IdType = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[dt.datetime]):
    """An instant: written as UTC, always read back as an aware UTC ``datetime``.

    PostgreSQL stores ``timestamptz``. SQLite has no time zone type, so the value is
    stored as naive UTC text in SQLAlchemy's fixed-width format (which sorts in time
    order) and made aware again on the way out. Naive values are refused.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        """Check and convert an instant going into the database."""
        if value is None:
            return None
        if not isinstance(value, dt.datetime):
            raise TypeError(f"expected a datetime, got {type(value).__name__}")
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()} has no time zone")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        """Return an instant read from the database as aware UTC."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
