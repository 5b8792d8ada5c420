"""One promise, five views: plan, JobQueue jobs, the sender, ``simulate`` and ``.ics`` alarms.

For the shipped config and for a config full of DST switches, every reminder the plan
lists is a JobQueue job at the same instant (on the injected clock), arrives as a message
when its job runs at that instant, is shown by ``simulate``, and is an alarm of the
calendar file; and none of the five has one the others lack. Time is injected: each job
is run by hand with the clock set to its instant, so nothing depends on machine speed.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import textwrap
from collections import Counter
from pathlib import Path

import icalendar
import pytest

from bot.calendar import event_calendar
from bot.cli import run
from bot.domain.clock import FixedClock
from bot.domain.config import load_events
from bot.domain.plan import plan
from bot.sandbox.limits import Limits
from bot.sandbox.server import Sandbox
from bot.services.reminders import JOB_PREFIX
from bot.telegram.jobs import ScheduledAt
from tests.e2e.conftest import Harness

pytestmark = pytest.mark.sandbox(bot_username="deadline_test_bot", limits=Limits.scaled(10))

UTC = dt.UTC
SHIPPED = Path("config/euromlsys2026.yaml")
END = dt.datetime(2027, 6, 1, tzinfo=UTC)

DST_HEAVY = textwrap.dedent(
    """\
    id: dstheavy
    name: A workshop of DST switches
    short_name: DST 2026
    website: https://example.org
    venue: {city: Lord Howe Island, country: Australia, timezone: Australia/Lord_Howe}
    key_dates:
      - id: abstract
        title: Abstract deadline
        kind: deadline
        at: 2026-03-30 12:00 Europe/London
      - id: london-decision
        title: London decision
        kind: notification
        at: 2026-03-29 12:00 Europe/London
      - id: lord-howe-decision
        title: Lord Howe decision
        kind: notification
        at: 2026-04-05 12:00 Australia/Lord_Howe
      - id: santiago-decision
        title: Santiago decision
        kind: notification
        at: 2026-09-06 12:00 America/Santiago
      - id: decisions
        title: Decisions
        kind: notification
        at: 2026-10-04
      - id: paper
        title: Paper deadline
        kind: deadline
        at: 2026-10-04 23:59:59 Australia/Sydney
        reminders: ["7d", "1d 12h", "3h", "on the day"]
      - id: midnight-decision
        title: Midnight decision
        kind: notification
        at: 2026-10-25 00:00 Europe/London
      - id: la-decision
        title: Los Angeles decision
        kind: notification
        at: 2026-11-01 12:00 America/Los_Angeles
      - id: workshop
        title: Workshop
        kind: event
        at: 2026-10-04
        reminders: ["7d", "1d", "on the day"]
    """
)


def _simulated(config: Path, start: dt.datetime) -> Counter[tuple[str, dt.datetime]]:
    out, err = io.StringIO(), io.StringIO()
    code = run(
        [
            "--config",
            str(config),
            "simulate",
            "--from",
            start.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "--to",
            END.strftime("%Y-%m-%dT%H:%M:%SZ"),
        ],
        out,
        err,
    )
    assert code == 0, err.getvalue()
    found = re.findall(r"── (\S+) · reminder (\S+) ──", out.getvalue())
    return Counter((rid, dt.datetime.fromisoformat(at)) for at, rid in found)


def _alarms(config: Path, start: dt.datetime) -> Counter[tuple[str, dt.datetime]]:
    """Every alarm of the calendar after ``start``, as (key date id, instant)."""
    events = load_events(config)
    calendar = icalendar.Calendar.from_ical(event_calendar(events, start))
    by_uid = {
        f"{event.id}-{kd.id}@deadline-bot": (event.id, kd)
        for event in events
        for kd in event.key_dates
    }
    found: Counter[tuple[str, dt.datetime]] = Counter()
    for vevent in calendar.walk("VEVENT"):
        event_id, kd = by_uid[str(vevent["UID"])]
        start_value = vevent.decoded("DTSTART")
        # An all-day entry starts at midnight where it is read; the bot reads it in the
        # key date's zone, whose midnight is the key date's instant.
        begins = start_value if isinstance(start_value, dt.datetime) else kd.at
        for alarm in vevent.walk("VALARM"):
            instant = begins + alarm.decoded("TRIGGER")
            if instant > start:
                found[(f"{event_id}:{kd.id}", instant.astimezone(UTC))] += 1
    return found


async def _agree(sandbox: Sandbox, db_url: str, config: Path, start: dt.datetime) -> None:
    events = load_events(config)
    planned = plan(events, start)
    assert planned, "the plan is empty: nothing to compare"
    promised = Counter((r.id, r.fire_at) for r in planned)
    by_key_date = Counter((f"{r.event_id}:{r.key_date_id}", r.fire_at) for r in planned)

    clock = FixedClock(start)
    h = Harness(sandbox, db_url, clock, events, config_path=config)
    await h.start()
    try:
        reader = sandbox.create_user("Rita")
        assert "Subscribed" in (await h.ask(reader, "/subscribe")).content

        # JobQueue: one job per reminder, at its instant on the injected clock.
        application = h.runtime.application
        assert application.job_queue is not None
        before = dt.datetime.now(UTC)
        h.runtime.reminders.reschedule()
        after = dt.datetime.now(UTC)
        jobs = [j for j in application.job_queue.jobs() if (j.name or "").startswith(JOB_PREFIX)]
        scheduled: Counter[tuple[str, dt.datetime]] = Counter()
        for job in jobs:
            assert isinstance(job.data, ScheduledAt)
            assert job.next_t is not None
            delay = job.data.at - start
            assert before <= job.next_t - delay <= after  # the trigger is the injected instant
            scheduled[((job.name or "").removeprefix(JOB_PREFIX), job.data.at)] += 1
        assert scheduled == promised

        # The sender: each job, run at its instant, delivers exactly one reminder.
        delivered: Counter[tuple[str, dt.datetime]] = Counter()
        for job in sorted(jobs, key=lambda j: (j.data.at, j.name)):
            reminder_id = (job.name or "").removeprefix(JOB_PREFIX)
            clock.set(job.data.at)
            seen = len(sandbox.bot_messages(reader.id))
            await job.run(application)
            await h.runtime.engine.wait_idle(timeout=30)
            arrived = [
                m for m in sandbox.bot_messages(reader.id)[seen:] if m.content.startswith("⏰")
            ]
            assert len(arrived) == 1, f"{reminder_id} at {job.data.at}: {len(arrived)} message(s)"
            kd_id = reminder_id.split(":")[1]
            title = next(kd.title for e in events for kd in e.key_dates if kd.id == kd_id)
            assert title in arrived[0].content
            assert "passed" not in arrived[0].content
            delivered[(reminder_id, job.data.at)] += 1
        assert delivered == promised
    finally:
        if h.bot is not None:
            await h.bot.shutdown()

    assert _simulated(config, start) == promised
    assert _alarms(config, start) == by_key_date


async def test_shipped_config_plan_jobs_sender_simulate_and_ics_agree(
    sandbox: Sandbox, db_url: str
) -> None:
    await _agree(sandbox, db_url, SHIPPED, dt.datetime(2026, 2, 1, 12, 0, 30, tzinfo=UTC))


async def test_dst_heavy_config_plan_jobs_sender_simulate_and_ics_agree(
    sandbox: Sandbox, db_url: str, tmp_path: Path
) -> None:
    config = tmp_path / "dstheavy.yaml"
    config.write_text(DST_HEAVY, encoding="utf-8")
    await _agree(sandbox, db_url, config, dt.datetime(2026, 3, 1, 0, 0, 30, tzinfo=UTC))
