"""Build the database a released bot leaves behind, with the released code itself.

Run it with the *release's* ``bot`` package first on the path (a ``git worktree`` of the
release commit), never with the code under test::

    git worktree add --detach ../release 2d7c423   # the release before series
    PYTHONPATH=../release python tests/storage/release/make_release_db.py \\
        --config ../release/config --sqlite OUT.sqlite3 --postgres URL

It subscribes people through the release's services (zones, reminder modes, a muted
date, an unsubscription, a blocked chat), records the key dates it acted on, posts a
news item and fires a reminder into the outbox (one row marked sent), exactly as the
running release would. ``release-v2.*.sql`` beside this file are dumps of its output
(``sqlite3 OUT .dump``; ``pg_dump --schema=deadline_bot_release --no-owner
--no-privileges --inserts``, its psql-only ``\\restrict`` lines removed).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
from pathlib import Path
from typing import Any

from telegram import Bot

from bot.delivery import DeliveryEngine
from bot.domain.clock import FixedClock
from bot.domain.times import parse_zone
from bot.services.events import EventBook
from bot.services.news import NewsService
from bot.services.reminders import ReminderService
from bot.services.subscribers import ChatInfo, SubscriberService
from bot.storage import Database

NOW = dt.datetime(2026, 2, 1, 12, 0, tzinfo=dt.UTC)


class _NoScheduler:
    def schedule(self, job_id: str, at: dt.datetime, callback: Any) -> None:
        """The release's reminders are fired by hand here."""

    def cancel_all(self, prefix: str) -> int:
        """Nothing is scheduled."""
        return 0


async def build(url: str, config: Path) -> None:
    """Fill a fresh database at ``url`` through the release's services."""
    clock = FixedClock(NOW)
    db = await Database.connect(url, clock, migrate=True)
    try:
        book = EventBook(db, clock, config)
        people = SubscriberService(db, book, clock)
        await people.seed_config_news()
        ada = ChatInfo(42, "private", first_name="Ada", language_code="en")
        bob = ChatInfo(43, "private", first_name="Bob")
        group = ChatInfo(-1002000000001, "supergroup", title="ML Sys reading group")
        carl = ChatInfo(44, "private", first_name="Carl")
        dora = ChatInfo(45, "private", first_name="Dora")
        for chat in (ada, bob, group, carl, dora):
            await people.subscribe(chat)
        await people.set_zone(ada, parse_zone("Europe/Berlin"))
        await people.set_zone(group, parse_zone("Asia/Tokyo"))
        await people.set_mode(42, "deadlines")
        await people.toggle_key_date(42, "notification")
        await people.set_mode(-1002000000001, "off")
        await people.unsubscribe(carl)
        await people.chat_left(45, "blocked")
        await book.refresh()  # the instants acted on, per key date
        engine = DeliveryEngine(db, Bot("1:release"), clock)
        reminders = ReminderService(db, book, engine, _NoScheduler())
        await reminders.fire(f"{book.primary.id}:paper:7d")
        posted = await NewsService(db, engine, clock).publish(
            book.primary, "<b>Registration is open</b>", 7
        )
        rows = await db.outbox.rows_for(posted.broadcast_id)
        first = min(rows, key=lambda r: r.chat_id)
        await db.outbox.claim_due(100, NOW)
        await db.outbox.mark_sent(first.id, 1001)
        await db.outbox.release_stale_sending(claimed_before=NOW + dt.timedelta(days=1))
    finally:
        await db.close()


def main() -> None:
    """Build the release database on SQLite and/or PostgreSQL."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("--sqlite", type=Path)
    parser.add_argument("--postgres")
    args = parser.parse_args()
    if args.sqlite:
        asyncio.run(build(f"sqlite+aiosqlite:///{args.sqlite.resolve().as_posix()}", args.config))
    if args.postgres:
        asyncio.run(build(args.postgres, args.config))


if __name__ == "__main__":
    main()
