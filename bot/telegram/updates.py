"""Fair update handling: chats run side by side, each chat's updates in order.

python-telegram-bot hands every update to :class:`FairUpdateProcessor` the moment it is
fetched (``concurrent_updates``), so nothing here blocks the update stream:

* **At arrival** the flood guard counts the update (per person). Past that person's burst
  the update is dropped; the first drop of a flood becomes one "slow down" reply, sent
  at once (it does not wait behind the chat's queued updates, and is never dropped).
* **Per chat** one update runs at a time, in arrival order; different chats run
  concurrently, at most ``max_running`` handlers at once. A chat waiting for its paced
  reply (about one message a second) therefore holds up only itself.
* **At stop** (:meth:`FairUpdateProcessor.drain`): the waiting updates of chats that
  flooded are dropped (their sender was told to slow down); the others are finished up to
  a deadline. Then updates that have not started (still waiting in a line, or not handed
  over yet) are kept in :attr:`FairUpdateProcessor.deferred` for the next start (they were
  acknowledged to Telegram, which will not send them again). A handler still running is
  cancelled, logged by update id, and kept too: it runs again at the next start (at least
  once; a reply it had already sent may repeat).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.telegram.flood import FloodGuard

log = logging.getLogger(__name__)

Warn = Callable[[Update], Awaitable[None]]
"""Sends the one "slow down" reply of a burst to the update's chat."""

#: Updates PTB may hand over before the processor has counted them (arrivals are
#: counted at once, so this only bounds memory).
MAX_TRACKED = 10_000


@dataclass
class UpdateStats:
    """What the processor did (for logs, benchmarks and tests)."""

    arrived: int = 0
    handled: int = 0
    flood_dropped: int = 0
    """Updates refused at arrival: past their sender's burst."""
    warned: int = 0
    """"Slow down" replies queued (one per burst)."""
    stop_dropped: int = 0
    """Waiting updates of flooding chats dropped at stop, or arrivals after the deadline."""
    stop_cancelled: int = 0
    """Handlers still running at the stop deadline, cancelled."""
    deferred: int = 0
    """Updates not started by the stop deadline, kept for the next start."""


@dataclass
class _Line:
    """One chat's updates: the completion of the last one queued, and how many are in it."""

    tail: asyncio.Future[None] | None = None
    size: int = 0
    flooded: bool = False
    """Some arrival of this chat was refused by the flood guard while it had a queue."""
    dropped: asyncio.Future[None] | None = None
    """Resolved at stop when the chat flooded: its waiting updates leave the line at once."""

    def drop_waiting(self) -> None:
        """Release every waiting update of this line (they will be dropped)."""
        if self.dropped is not None and not self.dropped.done():
            self.dropped.set_result(None)


@dataclass
class DrainReport:
    """How a stop went for the updates."""

    finished: bool
    """True when every update was handled or dropped by policy before the deadline."""
    dropped: int = 0
    cancelled: list[int] = field(default_factory=list)
    """Update ids of handlers cancelled at the deadline."""
    deferred: int = 0
    """Updates not started by the deadline (see :attr:`FairUpdateProcessor.deferred`)."""


def line_key(update: object) -> int | None:
    """The chat an update belongs to (its sender's id when it has no chat, e.g. inline)."""
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:
        return update.effective_user.id
    return None


def _discard(coroutine: Awaitable[Any]) -> None:
    """Close a handler coroutine that will never run (no "never awaited" warning)."""
    close = getattr(coroutine, "close", None)
    if callable(close):
        close()


class FairUpdateProcessor(BaseUpdateProcessor):
    """Per-chat order, chats concurrently, flood guard at arrival, bounded stop."""

    def __init__(
        self,
        guard: FloodGuard | None = None,
        *,
        warn: Warn | None = None,
        max_running: int = 64,
    ) -> None:
        super().__init__(MAX_TRACKED)
        self.guard = guard or FloodGuard()
        self.warn = warn
        self.max_running = max_running
        self.stats = UpdateStats()
        self._running = asyncio.Semaphore(max_running)
        self._lines: dict[int | None, _Line] = {}
        self._tasks: dict[asyncio.Task[Any], object] = {}
        """Every update counted in and not finished, by the task handling it."""
        self._changed = asyncio.Event()
        self._started: set[asyncio.Task[Any]] = set()
        self._stopping = False
        self._closed = False
        self.deferred: list[Update] = []
        """Updates acknowledged but not run when the stop deadline came (oldest first is
        not guaranteed: sort by ``update_id``); the caller keeps them for the next start."""

    async def initialize(self) -> None:
        """Start accepting again (an Application may be started twice in tests)."""
        self._stopping = False
        self._closed = False

    async def shutdown(self) -> None:
        """Nothing is left to free: :meth:`drain` has ended every handler."""

    @property
    def pending(self) -> int:
        """Updates counted in and not finished yet (running or waiting)."""
        return len(self._tasks)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Count the update at arrival, then run it in its chat's line."""
        self.stats.arrived += 1
        key = line_key(update)
        line = self._lines.get(key)
        if self._closed:
            self._defer(update, coroutine)
            return
        verdict = self._admit(update, coroutine, line)
        if verdict == "drop":
            return
        if verdict == "warn":
            assert isinstance(update, Update)
            await self._run_tracked(update, self._warn_safely(update))
            return
        loop = asyncio.get_running_loop()
        if line is None:
            line = self._lines[key] = _Line(dropped=loop.create_future())
        previous = line.tail
        done: asyncio.Future[None] = loop.create_future()
        line.tail = done
        line.size += 1
        task = asyncio.current_task()
        if task is not None:
            self._tasks[task] = update
        try:
            if previous is not None and line.dropped is not None:
                await asyncio.wait((previous, line.dropped), return_when=asyncio.FIRST_COMPLETED)
            if self._stopping and line.flooded:
                self.stats.stop_dropped += 1
                _discard(coroutine)
                return
            if self._closed:  # the stop deadline passed while it waited: not run yet
                self._defer(update, coroutine)
                return
            if task is not None:
                self._started.add(task)
            async with self._running:
                await coroutine
            self.stats.handled += 1
        finally:
            if not done.done():
                done.set_result(None)
            line.size -= 1
            if line.size == 0 and self._lines.get(key) is line:
                del self._lines[key]
            if task is not None:
                self._tasks.pop(task, None)
                self._started.discard(task)
            self._changed.set()

    def _admit(
        self, update: object, coroutine: Awaitable[Any], line: _Line | None
    ) -> Literal["run", "warn", "drop"]:
        """Apply the flood guard: run the update, or drop it (and warn, once per flood).

        The warning does not wait in the chat's line: it leaves with the chat's next reply.
        """
        user = update.effective_user if isinstance(update, Update) else None
        if user is None:
            return "run"
        allowed, warn = self.guard.check(user.id)
        if allowed:
            return "run"
        _discard(coroutine)
        self.stats.flood_dropped += 1
        if line is not None:
            line.flooded = True
            if self._stopping:
                line.drop_waiting()
        if not warn or self.warn is None:
            return "drop"
        self.stats.warned += 1
        log.info("flood guard: user %d is past its burst; warned once, excess dropped", user.id)
        return "warn"

    async def _run_tracked(self, update: Update, coroutine: Awaitable[Any]) -> None:
        """Run outside any line, but where :meth:`drain` sees (and can cancel) it."""
        task = asyncio.current_task()
        if task is not None:
            self._tasks[task] = None  # a warning: nothing to keep
        try:
            async with self._running:
                await coroutine
        finally:
            if task is not None:
                self._tasks.pop(task, None)
            self._changed.set()

    async def _warn_safely(self, update: Update) -> None:
        assert self.warn is not None
        try:
            await self.warn(update)
        except Exception as exc:  # a lost "slow down" is not worth an error report
            log.warning("could not send the flood warning: %s", exc)

    def _defer(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Keep an update that has not run for the next start (see :attr:`deferred`)."""
        _discard(coroutine)
        if isinstance(update, Update):
            self.deferred.append(update)
            self.stats.deferred += 1

    async def drain(self, within: float, backlog: Callable[[], int] = lambda: 0) -> DrainReport:
        """Finish the queued updates within ``within`` seconds; see the module docstring.

        ``backlog`` counts updates fetched and not finished (PTB's update queue counts
        them until each is done): those not handed over yet are waited for too.
        """
        self._stopping = True
        self.deferred.clear()
        flooded = [line for line in self._lines.values() if line.flooded]
        dropped_before = self.stats.stop_dropped
        if flooded:
            waiting = sum(max(0, line.size - 1) for line in flooded)
            log.info("stopping: dropping %d waiting update(s) of flooding chats", waiting)
        for line in flooded:
            line.drop_waiting()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while self._tasks or backlog():
            left = deadline - loop.time()
            if left <= 0:
                break
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), min(left, 0.05))
        report = DrainReport(finished=not self._tasks)
        self._closed = True
        if self._tasks:
            # Updates still waiting in a line have not run: release them to be deferred.
            for line in self._lines.values():
                line.drop_waiting()
            waiting_until = loop.time() + 1.0
            while set(self._tasks) - self._started and loop.time() < waiting_until:
                self._changed.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), 0.05)
        if self._tasks:
            tasks = dict(self._tasks)
            report.cancelled = sorted(_update_id(u) for u in tasks.values() if u is not None)
            self.stats.stop_cancelled += len(tasks)
            log.warning(
                "stopping: %d update(s) still running after %.1f s, cancelled (kept): %s",
                len(tasks),
                within,
                ", ".join(map(str, report.cancelled)),
            )
            for task in tasks:
                task.cancel()
            await asyncio.wait(tasks.keys(), timeout=1.0)
            # Cut short, so run again at the next start: at least once (a reply it had
            # already sent may repeat), rather than an acknowledged update lost.
            self.deferred.extend(u for u in tasks.values() if isinstance(u, Update))
        if self.deferred:
            log.info(
                "stopping: %d update(s) not started, kept for the next start", len(self.deferred)
            )
        report.dropped = self.stats.stop_dropped - dropped_before
        report.deferred = len(self.deferred)
        return report


def _update_id(update: object) -> int:
    return update.update_id if isinstance(update, Update) else -1
