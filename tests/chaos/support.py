"""What the chaos scenarios share: seeding subscribers, posting news, counting, health.

Every wait here is a hang guard with a generous deadline; verdicts are on what happened
(who got what, how many times, what ``/healthz`` said), never on how fast.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from typing import Any

import aiohttp

from bot.domain.clock import FixedClock
from bot.sandbox.server import Sandbox
from bot.sandbox.world import User
from bot.services.events import EventBook
from bot.services.subscribers import ChatInfo, SubscriberService
from bot.storage.database import Database
from tests.deploy.botproc import CONFIG
from tests.deploy.test_deploy_process import BEFORE_DEADLINE, news_in
from tests.deploy.test_deploy_process import until as _until

#: How long each outage lasts, in seconds (``bench/bench_chaos.py`` sets 10).
OUTAGE_S = float(os.environ.get("CHAOS_OUTAGE_S", "3"))
#: The engine's workers: the documented duplicate window of one takeover or crash.
WORKERS = 8
HANG_GUARD_S = 180.0


async def seed_readers(sandbox: Sandbox, url: str, count: int, first_id: int) -> list[User]:
    """Create ``count`` people in the sandbox, subscribed straight in the database."""
    readers = [sandbox.create_user(f"R{i}", user_id=first_id + i) for i in range(count)]
    clock = FixedClock(BEFORE_DEADLINE)
    db = await Database.connect(url, clock, migrate=True)
    try:
        service = SubscriberService(db, EventBook(db, clock, CONFIG), clock)
        for reader in readers:
            await service.subscribe(ChatInfo(reader.id, "private", first_name=reader.first_name))
    finally:
        await db.close()
    return readers


def delivered(sandbox: Sandbox, readers: list[User]) -> int:
    """How many readers got the news at least once."""
    return sum(1 for r in readers if news_in(sandbox, r))


def duplicates(sandbox: Sandbox, readers: list[User]) -> int:
    """How many extra copies of the news were delivered."""
    return sum(max(0, len(news_in(sandbox, r)) - 1) for r in readers)


async def until(check: Callable[[], bool], what: str, within: float = HANG_GUARD_S) -> float:
    """Wait for ``check()`` (hang guard ``within``); return the seconds it took."""
    return await _until(check, within, what)


class HealthPoller:
    """Polls ``/healthz`` in the background; keeps every status seen, in order."""

    def __init__(self, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}/healthz"
        self.seen: list[tuple[float, str, dict[str, Any]]] = []
        self._task: asyncio.Task[None] | None = None

    def start(self) -> HealthPoller:
        self._task = asyncio.create_task(self._poll())
        return self

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    @property
    def last(self) -> str | None:
        return self.seen[-1][1] if self.seen else None

    def statuses(self) -> list[str]:
        """The statuses seen, repeats collapsed (e.g. ``["ok", "degraded", "ok"]``)."""
        out: list[str] = []
        for _at, status, _body in self.seen:
            if not out or out[-1] != status:
                out.append(status)
        return out

    def settled_ok_since(self) -> float | None:
        """When the final run of ``ok`` began (None unless the last status is ok)."""
        if not self.seen or self.seen[-1][1] != "ok":
            return None
        at = self.seen[-1][0]
        for when, status, _body in reversed(self.seen):
            if status != "ok":
                break
            at = when
        return at

    def problems_seen(self) -> set[str]:
        return {part for _at, _s, body in self.seen for part in body.get("problems", {})}

    async def _poll(self) -> None:
        timeout = aiohttp.ClientTimeout(total=20)
        async with aiohttp.ClientSession(timeout=timeout) as http:
            while True:
                try:
                    async with http.get(self.url) as response:
                        body = await response.json()
                        self.seen.append((time.monotonic(), str(body["status"]), body))
                except (aiohttp.ClientError, TimeoutError, ValueError):
                    pass
                await asyncio.sleep(0.25)
