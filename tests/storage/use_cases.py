"""The use cases the unit of work makes atomic, wired with the real services (no Telegram).

Shared by the kill-between-steps tests and the child process they kill
(``tests.storage.use_case_crash_child``). A kill point names a repository method,
``"<repository>.<method>"`` of :class:`~bot.storage.Database`: the child dies right after
that call returns, before the use case's next step and before its commit.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from telegram import Bot

from bot.delivery import DeliveryEngine
from bot.domain.clock import FixedClock
from bot.domain.series import series_of
from bot.render.broadcasts import TEXTS
from bot.services.admin import AdminService
from bot.services.events import EventBook, known_key
from bot.services.news import NewsService
from bot.services.reminders import ReminderService
from bot.services.subscribers import ChatInfo, SubscriberService
from bot.storage import Database

#: Before the paper deadline (15 Feb 2026, 23:59 AoE): every date is still ahead.
NOW = dt.datetime(2026, 2, 12, 7, 59, tzinfo=dt.UTC)
ORGANIZER = 7
FOLLOWERS = (101, 102, 103)
NEWCOMER = ChatInfo(42, "private", first_name="Ada", language_code="en")
NEWS = "<b>Call for posters</b>"
EXTENDED_TO = "2026-02-22 23:59 AoE"
#: The paper deadline as the edited config has it (the "announce" use case).
MOVED_TO = "2026-02-19 23:59 AoE"

#: Each use case, and the steps after which the child is killed (the last: all written).
KILL_POINTS: dict[str, tuple[str, ...]] = {
    "post": ("news.add_news", "outbox.create_broadcast_to", "audit.record"),
    "announce": ("kv.set", "outbox.create_broadcast_to"),
    "subscribe": ("chats.upsert_chat", "subscriptions.subscribe", "subscriptions.choose_series"),
    "extend": (
        "extensions.record_extension",
        "kv.set",
        "outbox.create_broadcast_to",
        "audit.record",
    ),
}


def write_configs(shipped: Path, folder: Path) -> tuple[Path, Path]:
    """Write the shipped config and one whose paper deadline moved; return both paths."""
    text = shipped.read_text(encoding="utf-8")
    original = folder / "original" / "euromlsys2026.yaml"
    moved = folder / "moved" / "euromlsys2026.yaml"
    for path in (original, moved):
        path.parent.mkdir(parents=True, exist_ok=True)
    original.write_text(text, encoding="utf-8")
    old = "    at: 2026-02-15 23:59 AoE\n"
    assert old in text
    new = f"    at: {MOVED_TO}\n    extended_from: [2026-02-15 23:59 AoE]\n"
    moved.write_text(text.replace(old, new), encoding="utf-8")
    return original, moved


class NoScheduler:
    """Reminders are not fired in these tests; rescheduling only counts."""

    def __init__(self) -> None:
        self.reschedules = 0

    def schedule(self, job_id: str, at: dt.datetime, callback: Any) -> None:
        """Nothing runs later here."""

    def cancel_all(self, prefix: str) -> int:
        """Count a reschedule (it starts by cancelling everything)."""
        self.reschedules += 1
        return 0


@dataclass
class UseCases:
    """The services on one database and config, and each use case as one call."""

    db: Database
    book: EventBook
    news: NewsService
    reminders: ReminderService
    admin: AdminService
    subscribers: SubscriberService
    scheduler: NoScheduler

    @classmethod
    async def open(cls, db_url: str, config: Path) -> UseCases:
        clock = FixedClock(NOW)
        db = await Database.connect(db_url, clock, migrate=True)
        book = EventBook(db, clock, config)
        engine = DeliveryEngine(db, Bot("1:never-sends"), clock)  # enqueues; never started
        scheduler = NoScheduler()
        reminders = ReminderService(db, book, engine, scheduler, TEXTS)
        return cls(
            db,
            book,
            NewsService(db, engine, clock, TEXTS),
            reminders,
            AdminService(db, reminders, frozenset({ORGANIZER})),
            SubscriberService(db, book, clock),
            scheduler,
        )

    @property
    def series(self) -> str:
        return series_of(self.book.primary)

    async def prepare(self) -> None:
        """A database as a running bot leaves it: followers, and every key date acted on."""
        await self.book.refresh()
        for chat_id in FOLLOWERS:
            await self.db.chats.upsert_chat(chat_id, "private", first_name=f"Reader {chat_id}")
            await self.db.subscriptions.subscribe(self.series, chat_id)

    async def run(self, case: str) -> None:
        """Run one use case to its end."""
        if case == "post":
            await self.news.publish(self.book.primary, NEWS, ORGANIZER)
        elif case == "announce":
            await self.reminders.announce(await self.book.refresh())
        elif case == "subscribe":
            await self.subscribers.subscribe(NEWCOMER, self.series, choose=True)
        elif case == "extend":
            outcome = await self.admin.extend(ORGANIZER, "paper", EXTENDED_TO)
            assert outcome.ok, outcome.message
        else:
            raise ValueError(f"no use case {case!r}")

    async def acted_on(self) -> str | None:
        """The instant of the paper deadline the bot last acted on."""
        return await self.db.kv.get(known_key(self.book.primary.id, "paper"))

    async def close(self) -> None:
        await self.db.close()


def die_after(db: Database, point: str) -> None:
    """Make ``db.<repository>.<method>`` kill this process (SIGKILL) as soon as it returns."""
    repository_name, method_name = point.split(".")
    repository = getattr(db, repository_name)
    method: Callable[..., Awaitable[Any]] = getattr(repository, method_name)

    async def then_die(*args: Any, **kwargs: Any) -> Any:
        await method(*args, **kwargs)
        print(f"killed after {point}", flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
        raise AssertionError("unreachable")

    setattr(repository, method_name, then_die)
