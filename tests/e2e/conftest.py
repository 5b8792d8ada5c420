"""The real bot (python-telegram-bot over HTTP) against the sandbox, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.delivery import DeliveryLimits
from bot.domain.clock import Clock, FixedClock
from bot.domain.config import load_events
from bot.domain.model import Event
from bot.runtime import Runtime
from bot.sandbox.server import Sandbox
from bot.sandbox.world import Chat, TranscriptMessage, User
from bot.services.subscribers import SubscriberService
from bot.settings import Settings

# Before the paper deadline, so countdowns are live: 4 days 4 hours before it.
E2E_NOW = dt.datetime(2026, 2, 12, 7, 59, tzinfo=dt.UTC)


@pytest.fixture(scope="session")
def shipped_events() -> tuple[Event, ...]:
    return load_events("config")


@dataclass
class RunningBot:
    """A bot process-in-a-task: its service, application and stop switch."""

    runtime: Runtime
    stop: asyncio.Event
    task: asyncio.Task[None]

    async def shutdown(self) -> None:
        self.stop.set()
        await asyncio.wait_for(self.task, timeout=15)


@dataclass
class Harness:
    """Drive the running bot as people would, and read what it answered."""

    sandbox: Sandbox
    db_url: str
    clock: Clock
    events: tuple[Event, ...]
    admin_ids: frozenset[int] = frozenset()
    config_path: Path = Path("config")
    bot: RunningBot | None = None

    def settings(self) -> Settings:
        """The bot's settings: the sandbox, the test database; nothing from the environment."""
        return Settings.from_env({}).replace(
            token=self.sandbox.token,
            api_base_url=self.sandbox.base_url,
            database_url=self.db_url,
            admin_ids=self.admin_ids,
            config_path=self.config_path,
        )

    async def start(self) -> RunningBot:
        """Build the bot through the composition root and run it until it polls."""
        runtime = await Runtime.open(
            self.settings(), self.clock, events=self.events, limits=DeliveryLimits.scaled(10)
        )
        stop = asyncio.Event()
        task = asyncio.create_task(runtime.run(stop, poll_timeout=1))
        self.bot = RunningBot(runtime, stop, task)
        # Ready once it polls: commands published, catch-up done, reminders scheduled.
        ready = asyncio.create_task(runtime.ready.wait())
        await asyncio.wait({ready, task}, timeout=15, return_when=asyncio.FIRST_COMPLETED)
        if task.done():
            task.result()  # the bot crashed at start: show why
        assert runtime.ready.is_set(), "the bot was not ready within 15 s"
        return self.bot

    async def restart(self) -> RunningBot:
        assert self.bot is not None
        await self.bot.shutdown()
        return await self.start()

    @property
    def runtime(self) -> Runtime:
        assert self.bot is not None
        return self.bot.runtime

    @property
    def service(self) -> SubscriberService:
        return self.runtime.subscribers

    async def ask(
        self, user: User, text: str, *, chat: Chat | None = None, within: float = 10
    ) -> TranscriptMessage:
        """Send ``text`` as ``user`` and return the bot's next message in that chat."""
        target = chat or self.sandbox.world.chats[user.id]
        self.sandbox.send(user, text, chat=target)
        return await self.sandbox.wait_for_message(target, timeout=within)

    async def press(
        self, user: User, message: TranscriptMessage, data: str, *, check: bool = True
    ) -> dict[str, object]:
        """Press a button and return the bot's callback answer.

        ``check=False`` presses a button that is no longer shown (a double tap, a stale app).
        """
        query = self.sandbox.press(user, message, data, check=check)
        return await self.sandbox.wait_for_answer(query, timeout=10)

    async def idle(self, within: float = 60) -> None:
        """Return once the bot is idle: every update sent to it has been handled, and no
        outbox row is due or in flight.

        Assert "nothing else arrived" after this, never after a guessed sleep: a busy
        machine makes the bot slower, not different.
        """
        app = self.runtime.application
        engine = self.runtime.engine
        db = self.runtime.db

        async def settled() -> bool:
            if self.sandbox.bot.updates or not app.update_queue.empty() or engine.busy:
                return False
            due = await db.outbox.next_due_at()
            return due is None or due > self.clock.now()

        async with asyncio.timeout(within):
            while True:
                await app.update_queue.join()
                if await settled():
                    return
                await asyncio.sleep(0.01)

    async def quiet(self, chat: Chat | User, *_ignored: float) -> list[TranscriptMessage]:
        """Return the bot messages that arrive in ``chat`` until the bot is idle.

        (A second argument, once a number of seconds to wait, is ignored.)
        """
        chat_id = chat.id
        before = len(self.sandbox.bot_messages(chat_id))
        await self.idle()
        return self.sandbox.bot_messages(chat_id)[before:]


@pytest.fixture
async def harness(
    sandbox: Sandbox, db_url: str, shipped_events: tuple[Event, ...]
) -> AsyncIterator[Harness]:
    """The shipped bot, running against the sandbox, with its clock before the deadline."""
    h = Harness(sandbox, db_url, FixedClock(E2E_NOW), shipped_events)
    await h.start()
    try:
        yield h
    finally:
        if h.bot is not None:
            with contextlib.suppress(Exception):
                await h.bot.shutdown()
