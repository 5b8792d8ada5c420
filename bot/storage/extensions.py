"""The history of deadline extensions."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.clock import Clock
from bot.storage._sql import instant, opt_int
from bot.storage.models import Extension
from bot.storage.schema import extensions
from bot.storage.unit import Connections


def extension_from_row(row: RowMapping) -> Extension:
    """Build an :class:`Extension` from an ``extensions`` row."""
    return Extension(
        id=int(row["id"]),
        event_id=str(row["event_id"]),
        key_date_id=str(row["key_date_id"]),
        previous_at=instant(row["previous_at"]),
        new_at=instant(row["new_at"]),
        new_as_written=str(row["new_as_written"]),
        recorded_at=instant(row["recorded_at"]),
        recorded_by=opt_int(row["recorded_by"]),
    )


class ExtensionRepository:
    """Reads and writes ``extensions`` (append-only)."""

    def __init__(self, engine: AsyncEngine, clock: Clock) -> None:
        self._engine = engine
        self._conns = Connections(engine)
        self._clock = clock

    async def record_extension(
        self,
        event_id: str,
        key_date_id: str,
        previous_at: dt.datetime,
        new_at: dt.datetime,
        new_as_written: str,
        *,
        recorded_by: int | None = None,
    ) -> Extension:
        """Append an extension of ``key_date_id`` from ``previous_at`` to ``new_at``."""
        stmt = (
            insert(extensions)
            .values(
                event_id=event_id,
                key_date_id=key_date_id,
                previous_at=previous_at,
                new_at=new_at,
                new_as_written=new_as_written,
                recorded_at=self._clock.now(),
                recorded_by=recorded_by,
            )
            .returning(*extensions.c)
        )
        async with self._conns.write() as conn:
            row = (await conn.execute(stmt)).mappings().one()
        return extension_from_row(row)

    async def extensions_for(
        self, event_id: str, key_date_id: str | None = None
    ) -> list[Extension]:
        """Return the event's extensions (of one key date if given), oldest first."""
        e = extensions.c
        stmt = select(extensions).where(e.event_id == event_id)
        if key_date_id is not None:
            stmt = stmt.where(e.key_date_id == key_date_id)
        stmt = stmt.order_by(e.recorded_at, e.id)
        async with self._conns.read() as conn:
            rows = (await conn.execute(stmt)).mappings().all()
        return [extension_from_row(r) for r in rows]
