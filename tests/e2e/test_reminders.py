"""Reminders end to end: on time, once, across outages, extensions, reloads and settings."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.domain.clock import FixedClock
from bot.domain.config import load_events
from bot.domain.model import Event
from bot.sandbox.limits import Limits
from bot.sandbox.server import Sandbox
from bot.sandbox.world import User
from bot.services.reminders import JOB_PREFIX
from bot.telegram.jobs import ScheduledAt
from tests.e2e.conftest import Harness

pytestmark = pytest.mark.sandbox(bot_username="deadline_test_bot", limits=Limits.scaled(10))

UTC = dt.UTC
PAPER_3H = dt.datetime(2026, 2, 16, 8, 59, tzinfo=UTC)  # 3 hours before 15 Feb 23:59 AoE
ORGANIZER_ID = 4242


@pytest.fixture
async def live(
    sandbox: Sandbox, db_url: str, shipped_events: tuple[Event, ...]
) -> AsyncIterator[Harness]:
    """A harness on an injected clock, an hour before the paper's 3-hour reminder.

    The clock stands still: tests move it, and run a reminder's job by hand at its
    instant, so no verdict depends on how fast the machine is (the real JobQueue would
    run the nearest job only an hour of real time later).
    """
    clock = FixedClock(PAPER_3H - dt.timedelta(hours=1))
    h = Harness(sandbox, db_url, clock, shipped_events, admin_ids=frozenset({ORGANIZER_ID}))
    await h.start()
    try:
        yield h
    finally:
        if h.bot is not None:
            await h.bot.shutdown()


def fixed(h: Harness) -> FixedClock:
    assert isinstance(h.clock, FixedClock)
    return h.clock


async def settle(h: Harness) -> None:
    """Wait until the bot has delivered everything it queued (instead of sleeping)."""
    await h.runtime.engine.wait_idle(timeout=30)


def reminders_in(sandbox: Sandbox, user: User) -> list[str]:
    return [m.content for m in sandbox.bot_messages(user.id) if m.content.startswith("⏰")]


async def subscribe(h: Harness, name: str) -> User:
    user = h.sandbox.create_user(name)
    assert "Subscribed" in (await h.ask(user, "/subscribe")).content
    return user


async def test_a_reminder_is_scheduled_at_its_instant_and_sent_once_when_it_fires(
    live: Harness,
) -> None:
    sam = await subscribe(live, "Sam")
    application = live.runtime.application
    assert application.job_queue is not None
    live.runtime.reminders.reschedule()
    (job,) = application.job_queue.get_jobs_by_name(JOB_PREFIX + "euromlsys2026:paper:3h")
    assert isinstance(job.data, ScheduledAt) and job.data.at == PAPER_3H
    fixed(live).set(PAPER_3H)
    await job.run(application)
    message = await live.sandbox.wait_for_message(
        sam.id, timeout=15, predicate=lambda m: m.content.startswith("⏰")
    )
    assert "Paper submission deadline is due in 3 hours" in message.content
    assert "Sun 15 Feb 2026, 23:59 AoE (UTC−12)" in message.content
    assert any(e["type"] == "date_time" for e in message.entities)
    assert "/settings" in message.content and "euromlsys.eu" in message.content
    fixed(live).advance(dt.timedelta(seconds=2))
    await job.run(application)  # a second run of the same job (a retry, a double fire)
    await settle(live)
    assert len(reminders_in(live.sandbox, sam)) == 1


async def test_a_10_second_outage_across_the_instant_sends_it_once(live: Harness) -> None:
    sam = await subscribe(live, "Sam")
    fixed(live).set(PAPER_3H - dt.timedelta(seconds=3))
    await live.bot.shutdown() if live.bot else None
    fixed(live).set(PAPER_3H + dt.timedelta(seconds=7))
    await live.start()  # catch-up at start
    await live.sandbox.wait_for_message(
        sam.id, timeout=15, predicate=lambda m: m.content.startswith("⏰")
    )
    await live.restart()  # and again: nothing more
    await settle(live)
    assert len(reminders_in(live.sandbox, sam)) == 1


async def test_a_2_hour_outage_sends_each_relevant_reminder_once(live: Harness) -> None:
    sam = await subscribe(live, "Sam")
    await live.bot.shutdown() if live.bot else None
    fixed(live).set(PAPER_3H + dt.timedelta(hours=1, minutes=30))  # down until 10:29 UTC
    await live.start()
    message = await live.sandbox.wait_for_message(
        sam.id, timeout=15, predicate=lambda m: m.content.startswith("⏰")
    )
    assert "Paper submission deadline is due in 1 hour 30 minutes" in message.content
    await live.restart()
    await settle(live)
    assert len(reminders_in(live.sandbox, sam)) == 1


async def test_reminder_settings_are_honoured(live: Harness) -> None:
    sandbox = live.sandbox
    everything, deadlines, muted, silent = [
        await subscribe(live, n) for n in ("All", "Deadlines", "Muted", "Silent")
    ]
    await live.runtime.subscribers.set_mode(deadlines.id, "deadlines")
    await live.runtime.subscribers.toggle_key_date(muted.id, "paper")
    await live.runtime.subscribers.set_mode(silent.id, "off")
    await live.runtime.reminders.fire("euromlsys2026:paper:3h")
    await live.runtime.reminders.fire("euromlsys2026:notification:on-the-day")
    await live.runtime.engine.wait_idle(timeout=20)
    assert len(reminders_in(sandbox, everything)) == 2
    assert len(reminders_in(sandbox, deadlines)) == 1  # the paper, not the notification
    assert len(reminders_in(sandbox, muted)) == 1  # the notification, not the paper
    assert reminders_in(sandbox, silent) == []


async def test_an_extension_reschedules_and_is_announced_once(live: Harness) -> None:
    sandbox = live.sandbox
    sam = await subscribe(live, "Sam")
    organizer = sandbox.create_user("Olivia", user_id=ORGANIZER_ID)
    reply = await live.ask(organizer, "/extend paper 2026-02-22 23:59 AoE")
    assert "extended from Sun 15 Feb 2026, 23:59 AoE" in reply.content
    notice = await sandbox.wait_for_message(
        sam.id, timeout=15, predicate=lambda m: m.content.startswith("📣")
    )
    assert "Paper submission deadline extended" in notice.content
    assert "Sun 22 Feb 2026, 23:59 AoE (UTC−12)" in notice.content
    planned = live.runtime.reminders.reschedule()
    paper = [r.fire_at for r in planned if r.key_date_id == "paper"]
    assert paper[0] == dt.datetime(2026, 2, 16, 11, 59, tzinfo=UTC)  # 7 days before the 23rd
    dates = await live.ask(sam, "/dates")
    assert "extended from Sun 15 Feb 2026" in dates.content
    await live.restart()
    await settle(live)
    notices = [m for m in sandbox.bot_messages(sam.id) if m.content.startswith("📣")]
    assert len(notices) == 1
    again = await live.ask(organizer, "/extend paper 2026-02-20 23:59 AoE")
    assert "not later than" in again.content


async def test_a_reload_that_changes_nothing_sends_nothing(live: Harness) -> None:
    sam = await subscribe(live, "Sam")
    organizer = live.sandbox.create_user("Olivia", user_id=ORGANIZER_ID)
    before = len(live.sandbox.bot_messages(sam.id))
    reply = await live.ask(organizer, "/reload")
    assert "nothing moved, nothing sent" in reply.content
    await settle(live)
    assert live.sandbox.bot_messages(sam.id)[before:] == []


async def test_admin_commands_are_refused_to_others_and_audited(live: Harness) -> None:
    mallory = live.sandbox.create_user("Mallory")
    for command in ("/extend paper 2026-03-01", "/reload", "/audit"):
        assert "for the organizers" in (await live.ask(mallory, command)).content
    organizer = live.sandbox.create_user("Olivia", user_id=ORGANIZER_ID)
    log = await live.ask(organizer, "/audit")
    assert log.content.count("refused") == 3
    assert "/extend" in (await live.ask(organizer, "/admin")).content
    menu = [c["command"] for c in live.sandbox.effective_commands(organizer.id, organizer)]
    assert "extend" in menu
    public = [c["command"] for c in live.sandbox.effective_commands(mallory.id, mallory)]
    assert "extend" not in public


async def test_editing_the_yaml_and_reloading_announces_once_and_survives_a_restart(
    sandbox: Sandbox, db_url: str, tmp_path: Path
) -> None:
    shipped = Path("config/euromlsys2026.yaml").read_text(encoding="utf-8")
    config = tmp_path / "euromlsys2026.yaml"
    config.write_text(shipped, encoding="utf-8")
    clock = FixedClock(dt.datetime(2026, 2, 12, 7, 59, tzinfo=UTC))
    h = Harness(
        sandbox, db_url, clock, load_events(config), frozenset({ORGANIZER_ID}), config_path=config
    )
    await h.start()
    try:
        sam = await subscribe(h, "Sam")
        config.write_text(
            shipped.replace(
                "    at: 2026-02-15 23:59 AoE\n",
                "    at: 2026-02-19 23:59 AoE\n    extended_from: [2026-02-15 23:59 AoE]\n",
            ),
            encoding="utf-8",
        )
        organizer = sandbox.create_user("Olivia", user_id=ORGANIZER_ID)
        reply = await h.ask(organizer, "/reload")
        assert "Moved: euromlsys2026:paper" in reply.content
        notice = await sandbox.wait_for_message(
            sam.id, timeout=15, predicate=lambda m: m.content.startswith("📣")
        )
        assert "Thu 19 Feb 2026, 23:59 AoE (UTC−12)" in notice.content
        assert "Was: Sun 15 Feb 2026, 23:59 AoE" in notice.content
        assert "nothing moved" in (await h.ask(organizer, "/reload")).content
        h.events = load_events(config)
        await h.restart()
        await h.runtime.engine.wait_idle(timeout=30)
        assert len([m for m in sandbox.bot_messages(sam.id) if m.content.startswith("📣")]) == 1
        broken = shipped.replace("kind: deadline", "kind: dedline", 1)
        config.write_text(broken, encoding="utf-8")
        failed = await h.ask(organizer, "/reload")
        assert "config has 1 problem" in failed.content and "dedline" in failed.content
        assert "Thu 19 Feb 2026" in (await h.ask(sam, "/next")).content  # unchanged
    finally:
        if h.bot is not None:
            await h.bot.shutdown()
