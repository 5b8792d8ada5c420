"""Issue 12 item 2: a date-only notification's reminder is "due today", and it is sent."""

import datetime as dt
import io

from bot.cli import run
from bot.domain.config import load_events
from bot.domain.plan import all_reminders, to_catch_up
from bot.domain.views import Reader
from bot.render.broadcasts import reminder

UTC = dt.UTC
EVENTS = load_events("config")
NOTIFICATION_DAY = dt.datetime(2026, 3, 15, 12, 0, tzinfo=UTC)  # 15 Mar 00:00 AoE


def caught_up(now: dt.datetime) -> tuple[object, ...]:
    return to_catch_up(all_reminders(EVENTS), now).send


def test_the_notification_reminder_applies_until_its_day_ends_in_aoe() -> None:
    (on_the_day,) = [r for r in all_reminders(EVENTS) if r.key_date_id == "notification"]
    assert on_the_day.fire_at == NOTIFICATION_DAY == on_the_day.key_date_at
    assert on_the_day.valid_until == NOTIFICATION_DAY + dt.timedelta(days=1)
    # After downtime that morning it is still caught up; the next day it is not.
    assert on_the_day in caught_up(NOTIFICATION_DAY + dt.timedelta(hours=5))
    assert on_the_day not in caught_up(NOTIFICATION_DAY + dt.timedelta(days=1))


def test_its_text_says_today_not_passed() -> None:
    event = EVENTS[0]
    kd = event.key_date("notification")
    assert kd is not None
    text = reminder(event, kd, Reader(None, NOTIFICATION_DAY)).text
    assert text.startswith("⏰ <b>Acceptance notification</b> is expected today")
    assert "passed" not in text


def test_simulate_shows_it() -> None:
    out, err = io.StringIO(), io.StringIO()
    argv = ["simulate", "--from", "2026-03-15T00:00:00Z", "--to", "2026-03-16T00:00:00Z"]
    assert run(argv, out, err) == 0, err.getvalue()
    assert "reminder euromlsys2026:notification:on-the-day" in out.getvalue()
    assert "Acceptance notification is expected today" in out.getvalue()


def test_a_timed_notification_at_midnight_is_due_today_and_applies_all_day() -> None:
    from bot.domain.config import load_event_text

    event = load_event_text(
        """\
id: demo
name: Demo
short_name: Demo
website: https://example.org
key_dates:
  - id: decision
    title: Decision
    kind: notification
    at: 2026-10-25 00:00 Europe/London
""",
        "demo.yaml",
    )
    (on_the_day,) = all_reminders([event])
    midnight = dt.datetime(2026, 10, 24, 23, 0, tzinfo=UTC)  # 00:00 BST
    assert on_the_day.fire_at == midnight == on_the_day.key_date_at
    assert on_the_day.valid_until == dt.datetime(2026, 10, 26, 0, 0, tzinfo=UTC)  # a 25-hour day
    kd = event.key_dates[0]
    assert "Decision</b> is expected today" in reminder(event, kd, Reader(None, midnight)).text


def test_a_reminder_at_a_deadline_itself_is_refused_where_it_is_written() -> None:
    import pytest

    from bot.domain.config import ConfigError, load_event_text

    text = """\
id: demo
name: Demo
short_name: Demo
website: https://example.org
reminders:
  deadline: [1d, 0m]
key_dates:
  - id: paper
    title: Paper
    kind: deadline
    at: 2026-10-25 12:00 UTC
  - id: abstract
    title: Abstract
    kind: deadline
    at: 2026-10-20 00:00 Europe/London
    reminders: [on the day, 3h]
  - id: final
    title: Final
    kind: deadline
    at: 2026-10-30 12:00 UTC
"""
    with pytest.raises(ConfigError) as error:
        load_event_text(text, "demo.yaml")
    report = error.value.report()
    assert "demo.yaml:6: reminders.deadline[1]: '0m' would remind at the deadline itself" in report
    assert "key_dates[1].reminders[0]: 'on the day' would remind at the deadline itself" in report
    assert report.count("reminders.deadline[1]") == 1  # two dates share the policy: said once
