"""A delivery rig: the sandbox over HTTP, a real database, PTB's ExtBot with our limiter."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest
from telegram.ext import ExtBot
from telegram.request import HTTPXRequest

from bot.delivery import DeliveryEngine, DeliveryLimits, PriorityRateLimiter, RetryPolicy
from bot.domain.clock import Clock, SystemClock
from bot.sandbox.server import Sandbox
from bot.sandbox.world import User
from bot.storage import Database, NewOutboxRow, OutboxRow

EVENT = "euromlsys2026"
#: Retries fast enough for tests (the real policy waits seconds).
FAST_RETRY = RetryPolicy(max_attempts=12, base_s=0.05, cap_s=0.4, jitter=0.5)


async def make_bot(
    sandbox: Sandbox, limits: DeliveryLimits, *, read_timeout: float = 5.0, **limiter: Any
) -> ExtBot[Any]:
    """Return an initialized ExtBot on the sandbox, paced by a fresh PriorityRateLimiter."""
    bot: ExtBot[Any] = ExtBot(
        sandbox.token,
        base_url=sandbox.base_url,
        base_file_url=sandbox.base_file_url,
        request=HTTPXRequest(connection_pool_size=64, read_timeout=read_timeout),
        rate_limiter=PriorityRateLimiter(limits, **limiter),
    )
    await bot.initialize()
    return bot


@dataclass
class Rig:
    """Everything a delivery test needs, and ways to read what happened."""

    sandbox: Sandbox
    db: Database
    bot: ExtBot[Any]
    alerts: list[str] = field(default_factory=list)
    engines: list[DeliveryEngine] = field(default_factory=list)

    def engine(
        self, bot: ExtBot[Any] | None = None, clock: Clock | None = None, **kwargs: Any
    ) -> DeliveryEngine:
        kwargs.setdefault("workers", 8)
        kwargs.setdefault("retry", FAST_RETRY)
        kwargs.setdefault("on_admin_alert", self.alerts.append)
        kwargs.setdefault("idle_poll", 0.2)
        kwargs.setdefault("progress_interval", 0.2)
        engine = DeliveryEngine(self.db, bot or self.bot, clock or SystemClock(), **kwargs)
        self.engines.append(engine)
        return engine

    async def users(self, count: int, name: str = "User") -> list[User]:
        people = [self.sandbox.create_user(f"{name} {n}") for n in range(count)]
        for person in people:
            await self.db.chats.upsert_chat(person.id, "private", first_name=person.first_name)
        return people

    @staticmethod
    def rows(
        chat_ids: Sequence[int], ref: str = "news-1", text: str = "<b>News</b> for {chat}"
    ) -> list[NewOutboxRow]:
        return [
            NewOutboxRow(c, f"news:{EVENT}:{ref}:{c}", {"text": text.format(chat=c)})
            for c in chat_ids
        ]

    def received(self, chat_ids: Sequence[int]) -> Counter[int]:
        """Bot messages per chat, as the sandbox recorded them."""
        return Counter({c: len(self.sandbox.bot_messages(c)) for c in chat_ids})


class Gate:
    """A renderer that lets ``open_for`` rows through, then holds every worker at the door.

    The engine calls its renderer just before each send, so the test decides how far a
    broadcast gets, whatever the machine's speed.
    """

    def __init__(self, open_for: int) -> None:
        self.open_for = open_for
        self.passed = 0
        self.held: list[OutboxRow] = []
        self.opened = asyncio.Event()
        self._changed = asyncio.Event()

    async def __call__(self, row: OutboxRow) -> Mapping[str, Any] | None:
        if self.passed >= self.open_for and not self.opened.is_set():
            self.held.append(row)
            self._changed.set()
            await self.opened.wait()
        self.passed += 1
        return row.payload

    async def until_held(self, count: int) -> None:
        while len(self.held) < count:
            self._changed.clear()
            await asyncio.wait_for(self._changed.wait(), 30)


@pytest.fixture
async def rig(sandbox: Sandbox, db_url: str) -> AsyncIterator[Rig]:
    """A rig with the sandbox's limits ×10 mirrored by the limiter (see the sandbox marker)."""
    db = await Database.connect(db_url, SystemClock(), migrate=True)
    bot = await make_bot(sandbox, DeliveryLimits.scaled(10))
    rig = Rig(sandbox, db, bot)
    try:
        yield rig
    finally:
        for engine in rig.engines:
            await engine.stop(2.0)
        await bot.shutdown()
        await db.close()
