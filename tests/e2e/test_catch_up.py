"""Catch-up through the real bot: after downtime, one reminder per key date, not two alike.

Texts are rendered when sent and say how long is left, so two reminders of one date sent
close together read the same ("due in 3 hours"). These tests stop the bot across a
reminder's instant, start it again, and read what subscribers got.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import pytest

from bot.domain.clock import FixedClock
from bot.domain.model import Event
from bot.domain.outbox_keys import reminder_ref
from bot.sandbox.faults import FaultRule
from bot.sandbox.limits import Limits
from bot.sandbox.server import Sandbox
from bot.sandbox.world import User
from bot.services.reminders import JOB_PREFIX
from tests.e2e.conftest import Harness
from tests.waiting import eventually

pytestmark = pytest.mark.sandbox(bot_username="deadline_test_bot", limits=Limits.scaled(10))

UTC = dt.UTC
PAPER = dt.datetime(2026, 2, 16, 11, 59, tzinfo=UTC)  # 15 Feb 23:59 AoE
PAPER_1D = PAPER - dt.timedelta(days=1)
PAPER_3H = PAPER - dt.timedelta(hours=3)


@pytest.fixture
async def early(
    sandbox: Sandbox, db_url: str, shipped_events: tuple[Event, ...]
) -> AsyncIterator[Harness]:
    """The bot on a clock that stands still, an hour before the paper's 1-day reminder."""
    clock = FixedClock(PAPER_1D - dt.timedelta(hours=1))
    h = Harness(sandbox, db_url, clock, shipped_events)
    await h.start()
    try:
        yield h
    finally:
        if h.bot is not None:
            await h.bot.shutdown()


def clock_of(h: Harness) -> FixedClock:
    assert isinstance(h.clock, FixedClock)
    return h.clock


def reminders_in(h: Harness, user: User) -> list[str]:
    return [m.content for m in h.sandbox.bot_messages(user.id) if m.content.startswith("⏰")]


async def subscribe(h: Harness, name: str) -> User:
    user = h.sandbox.create_user(name)
    assert "Subscribed" in (await h.ask(user, "/subscribe")).content
    return user


async def ledger_of_1d(h: Harness) -> tuple[str, int] | None:
    """The 1-day reminder's broadcast: its status and how many rows it holds."""
    ref = reminder_ref("euromlsys2026:paper:1d", PAPER)
    found = await h.runtime.db.outbox.find_broadcast("euromlsys2026", "reminder", ref)
    return None if found is None else (found.status, found.total)


async def test_a_start_seconds_before_the_3_hour_reminder_sends_one_not_two(
    early: Harness,
) -> None:
    sam = await subscribe(early, "Sam")
    assert early.bot is not None
    await early.bot.shutdown()  # down across the 1-day reminder
    clock_of(early).set(PAPER_3H - dt.timedelta(seconds=10))
    await early.start()  # the catch-up: the 1-day reminder would say "due in 3 hours" now
    await early.idle()
    assert reminders_in(early, sam) == []
    assert await ledger_of_1d(early) == ("cancelled", 0)  # superseded: done, no row
    application = early.runtime.application
    assert application.job_queue is not None
    (job,) = application.job_queue.get_jobs_by_name(JOB_PREFIX + "euromlsys2026:paper:3h")
    clock_of(early).set(PAPER_3H)
    await job.run(application)
    await early.sandbox.wait_for_message(sam.id, timeout=15, predicate=lambda m: "⏰" in m.content)
    await early.idle()
    (text,) = reminders_in(early, sam)
    assert "Paper submission deadline is due in 3 hours" in text
    await early.restart()  # and again: nothing more, the 1-day one neither
    await early.idle()
    assert reminders_in(early, sam) == [text]


async def test_a_long_stop_with_an_earlier_reminder_still_queued_sends_only_the_latest(
    early: Harness,
) -> None:
    sam = await subscribe(early, "Sam")
    sandbox = early.sandbox
    # Telegram fails every send: the 1-day reminder's row stays queued when the bot stops.
    failing = sandbox.faults.add(FaultRule("error", "before", status=500, method="sendMessage"))
    clock_of(early).set(PAPER_1D)
    assert await early.runtime.reminders.fire("euromlsys2026:paper:1d") is not None
    await eventually(lambda: failing.hits >= 1, "a send of the 1-day reminder tried")
    assert reminders_in(early, sam) == []
    assert early.bot is not None
    await early.bot.shutdown()
    sandbox.faults.clear()
    clock_of(early).set(PAPER_3H + dt.timedelta(hours=1, minutes=30))  # down until 10:29 UTC
    await early.start()
    await sandbox.wait_for_message(sam.id, timeout=15, predicate=lambda m: "⏰" in m.content)
    await early.idle()
    # The queued 1-day row would now say "due in 1 hour 30 minutes", as the 3-hour one does.
    (text,) = reminders_in(early, sam)
    assert "Paper submission deadline is due in 1 hour 30 minutes" in text
    status = await ledger_of_1d(early)
    assert status is not None and status[0] == "cancelled"
    await early.restart()
    await early.idle()
    assert reminders_in(early, sam) == [text]
