"""A small key-value store for the bot's own state (e.g. a generated webhook secret)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.clock import Clock
from bot.storage._sql import upsert_insert
from bot.storage.schema import kv
from bot.storage.unit import Connections


class KeyValueRepository:
    """Reads and writes ``kv``."""

    def __init__(self, engine: AsyncEngine, clock: Clock) -> None:
        self._engine = engine
        self._conns = Connections(engine)
        self._clock = clock

    async def get(self, key: str) -> str | None:
        """Return the value stored under ``key``, or ``None``."""
        async with self._conns.read() as conn:
            value = (await conn.execute(select(kv.c.value).where(kv.c.key == key))).scalar()
        return None if value is None else str(value)

    async def set(self, key: str, value: str) -> None:
        """Store ``value`` under ``key`` (replacing any earlier value)."""
        stmt = upsert_insert(self._engine, kv).values(
            key=key, value=value, updated_at=self._clock.now()
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[kv.c.key],
            set_={"value": stmt.excluded.value, "updated_at": stmt.excluded.updated_at},
        )
        async with self._conns.write() as conn:
            await conn.execute(stmt)

    async def setdefault(self, key: str, value: str) -> str:
        """Store ``value`` unless ``key`` exists; return the stored value.

        Race-free: of two processes generating a secret at once, both get the same.
        """
        stmt = (
            upsert_insert(self._engine, kv)
            .values(key=key, value=value, updated_at=self._clock.now())
            .on_conflict_do_nothing()
        )
        async with self._conns.write() as conn:
            await conn.execute(stmt)
            stored = (await conn.execute(select(kv.c.value).where(kv.c.key == key))).scalar_one()
        return str(stored)
