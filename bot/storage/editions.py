"""The editions the bot has loaded, so that a new edition is announced exactly once.

Announcing is one unit of work: the ledger row that says "told", the broadcast and one
outbox row per follower are written in a single transaction (:mod:`bot.storage.unit`),
so a crash leaves either all of them or none (and the next start announces it then).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.domain.clock import Clock
from bot.domain.series import KnownEdition
from bot.storage._sql import upsert_insert
from bot.storage.models import CreatedBroadcast, Recipient
from bot.storage.outbox import OutboxRepository
from bot.storage.schema import editions
from bot.storage.subscriptions import SubscriptionRepository
from bot.storage.unit import Connections, unit_of_work

RowsFor = Callable[[list[Recipient]], Iterable[tuple[int, str, Mapping[str, Any]]]]
"""Builds the outbox rows (chat, idempotency key, payload) for the followers."""


class EditionRepository:
    """Reads and writes ``editions``; announces a new one through the outbox."""

    def __init__(
        self,
        engine: AsyncEngine,
        clock: Clock,
        outbox: OutboxRepository,
        subscriptions: SubscriptionRepository,
    ) -> None:
        self._engine = engine
        self._conns = Connections(engine)
        self._clock = clock
        self._outbox = outbox
        self._subscriptions = subscriptions

    async def known(self, series_id: str) -> list[KnownEdition]:
        """Return the editions of the series the bot has loaded before."""
        e = editions.c
        stmt = select(e.event_id, e.year).where(e.series_id == series_id).order_by(e.event_id)
        async with self._conns.read() as conn:
            rows = (await conn.execute(stmt)).all()
        return [KnownEdition(str(r[0]), None if r[1] is None else int(r[1])) for r in rows]

    async def record(self, event_id: str, series_id: str, year: int | None) -> bool:
        """Remember an edition without announcing it; True if it was new."""
        async with self._conns.write() as conn:
            return await self._insert(conn, event_id, series_id, year, announced=False)

    async def announce(
        self, event_id: str, series_id: str, year: int | None, rows_for: RowsFor
    ) -> CreatedBroadcast | None:
        """Record the edition as announced and enqueue its announcement, atomically.

        Returns ``None`` (and writes nothing) when the edition was already recorded, so
        a restart, a second reload or a second instance sends nothing again.
        """
        async with unit_of_work(self._engine), self._conns.write() as conn:
            if not await self._insert(conn, event_id, series_id, year, announced=True):
                return None
            recipients = await self._subscriptions.active_recipients(series_id)
            rows = list(rows_for(recipients))
            return await self._outbox.create_broadcast(event_id, "edition", event_id, None, rows)

    async def _insert(
        self,
        conn: AsyncConnection,
        event_id: str,
        series_id: str,
        year: int | None,
        *,
        announced: bool,
    ) -> bool:
        now = self._clock.now()
        stmt = (
            upsert_insert(self._engine, editions)
            .values(
                event_id=event_id,
                series_id=series_id,
                year=year,
                first_seen=now,
                announced_at=now if announced else None,
            )
            .on_conflict_do_nothing()
            .returning(editions.c.event_id)
        )
        return (await conn.execute(stmt)).first() is not None
