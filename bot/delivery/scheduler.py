"""Claimed rows waiting for a worker: one row per chat at a time, each chat in order."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable

from bot.storage.models import OutboxRow

__all__ = ["RowScheduler"]


class RowScheduler:
    """Hands claimed rows to workers so that no chat ever has two sends in flight.

    A chat is *owned* while one of its rows is ready or being sent; its other rows wait in
    ``held`` (in claim order) and the next one becomes ready when the owner calls
    :meth:`done`. Workers get rows in claim order otherwise.
    """

    def __init__(self) -> None:
        self._ready: deque[OutboxRow] = deque()
        self._held: dict[int, deque[OutboxRow]] = {}
        self._owned: set[int] = set()
        self._waiters: deque[asyncio.Future[OutboxRow | None]] = deque()
        self._closed = False
        self.in_flight: dict[int, OutboxRow] = {}
        """Rows handed to a worker and not yet :meth:`done`, by row id."""

    def __len__(self) -> int:
        """Rows claimed but not yet handed to a worker."""
        return len(self._ready) + sum(len(q) for q in self._held.values())

    @property
    def busy(self) -> bool:
        """True while any row is buffered or in flight."""
        return bool(self._ready or self._held or self.in_flight)

    def add(self, row: OutboxRow) -> None:
        """Queue a freshly claimed row."""
        if row.chat_id in self._owned:
            self._held.setdefault(row.chat_id, deque()).append(row)
        else:
            self._owned.add(row.chat_id)
            self._offer(row)

    def _offer(self, row: OutboxRow) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                self.in_flight[row.id] = row
                waiter.set_result(row)
                return
        self._ready.append(row)

    async def take(self) -> OutboxRow | None:
        """Return the next row for a worker; None once the scheduler is closed."""
        if self._closed:
            return None
        if self._ready:
            row = self._ready.popleft()
            self.in_flight[row.id] = row
            return row
        waiter: asyncio.Future[OutboxRow | None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        return await waiter

    def done(self, row: OutboxRow) -> None:
        """The worker is finished with ``row``: its chat's next row (if any) becomes ready."""
        self.in_flight.pop(row.id, None)
        self._release_chat(row.chat_id)

    def _release_chat(self, chat_id: int) -> None:
        held = self._held.get(chat_id)
        if held:
            nxt = held.popleft()
            if not held:
                del self._held[chat_id]
            if self._closed:
                self._ready.append(nxt)
            else:
                self._offer(nxt)
        else:
            self._owned.discard(chat_id)

    def remove(self, predicate: Callable[[OutboxRow], bool]) -> list[OutboxRow]:
        """Take back the buffered rows (not in flight) that match ``predicate``."""
        removed: list[OutboxRow] = []
        for chat_id, held in list(self._held.items()):
            keep = deque(r for r in held if not predicate(r))
            removed.extend(r for r in held if predicate(r))
            if keep:
                self._held[chat_id] = keep
            else:
                del self._held[chat_id]
        ready = list(self._ready)
        self._ready.clear()
        for row in ready:
            if predicate(row):
                removed.append(row)
                self._release_chat(row.chat_id)
            else:
                self._ready.append(row)
        return removed

    def close(self) -> list[OutboxRow]:
        """Stop handing out rows (waiting workers get None); return every buffered row."""
        self._closed = True
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
        return self.remove(lambda _row: True)
