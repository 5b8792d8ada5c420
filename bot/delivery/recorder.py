"""Where the engine's database writes run: serialized on SQLite, group commits when possible.

SQLite takes one writer at a time. Writers that collide wait in SQLite's busy handler,
which sleeps in growing steps; queueing them on an :class:`asyncio.Lock` instead keeps the
commits back to back.

"Sent" marks are the hot write (one per message). When the outbox repository offers
``mark_sent_many(items, now)`` (one transaction for many rows), the recorder commits the
marks of all workers that are waiting at that moment together: a *group commit*. Each
worker still waits for its own mark to be committed before it sends its next message, so
the duplicate window stays one in-flight request per worker. Without that method every
mark is its own transaction (``mark_sent``).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from bot.storage.database import Database

__all__ = ["Recorder"]

T = TypeVar("T")
_Mark = tuple[int, int | None, dt.datetime, "asyncio.Future[None]"]


class Recorder:
    """Runs ``write(db)`` and returns its result; serialized on SQLite."""

    def __init__(self, db: Database, *, group_commit: bool = True) -> None:
        self._db = db
        self._lock = asyncio.Lock() if db.dialect == "sqlite" else None
        many = getattr(db.outbox, "mark_sent_many", None) if group_commit else None
        self._mark_many: Callable[..., Awaitable[Any]] | None = many
        self._marks: list[_Mark] = []
        self._flushing = False

    @property
    def group_commit(self) -> bool:
        """True when sent marks are committed in groups."""
        return self._mark_many is not None

    async def run(self, write: Callable[[Database], Awaitable[T]]) -> T:
        """Run one write with the engine's database."""
        if self._lock is None:
            return await write(self._db)
        async with self._lock:
            return await write(self._db)

    async def mark_sent(self, row_id: int, message_id: int | None, now: dt.datetime) -> None:
        """Record that Telegram accepted ``row_id`` at ``now``; returns once it is committed.

        Every row keeps its own ``now`` in ``sent_at``, even when committed in a group.
        """
        if self._mark_many is None:
            await self.run(lambda db: db.outbox.mark_sent(row_id, message_id, now))
            return
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._marks.append((row_id, message_id, now, done))
        if not self._flushing:
            self._flushing = True
            asyncio.get_running_loop().create_task(self._flush())
        await done

    async def _flush(self) -> None:
        assert self._mark_many is not None
        mark_many = self._mark_many
        try:
            while self._marks:
                batch, self._marks = self._marks, []
                items = [(row_id, message_id, at) for row_id, message_id, at, _ in batch]

                async def commit(_db: Database, items: list[Any] = items) -> Any:
                    return await mark_many(items)

                try:
                    await self.run(commit)
                except Exception as exc:
                    for *_, done in batch:
                        if not done.done():
                            done.set_exception(exc)
                else:
                    for *_, done in batch:
                        if not done.done():
                            done.set_result(None)
        finally:
            self._flushing = False
