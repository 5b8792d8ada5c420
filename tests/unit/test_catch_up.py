"""Catch-up after downtime: one reminder per key date, the latest due; the rest superseded."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.cli import run
from bot.domain.config import load_events
from bot.domain.plan import (
    Reminder,
    all_reminders,
    reads_alike,
    superseded_by,
    to_catch_up,
)
from bot.domain.policy import ReminderOffset, canonical_label

UTC = dt.UTC
EVENTS = load_events("config")
REMINDERS = all_reminders(EVENTS)
PAPER = dt.datetime(2026, 2, 16, 11, 59, tzinfo=UTC)  # 15 Feb 23:59 AoE
PAPER_3H = PAPER - dt.timedelta(hours=3)


def ids(reminders: tuple[Reminder, ...] | list[Reminder]) -> list[str]:
    return [r.id for r in reminders]


def paper(label: str) -> Reminder:
    return next(r for r in REMINDERS if r.id == f"euromlsys2026:paper:{label}")


def test_after_a_long_stop_only_the_latest_due_reminder_of_the_date_is_sent() -> None:
    # Down from before the 7-day reminder until two hours before the 3-hour one.
    todo = to_catch_up(REMINDERS, PAPER_3H - dt.timedelta(hours=2))
    assert ids(todo.send) == ["euromlsys2026:paper:1d"]
    assert [(s.reminder.id, s.by.id) for s in todo.superseded] == [
        ("euromlsys2026:paper:7d", "euromlsys2026:paper:1d"),
        ("euromlsys2026:paper:3d", "euromlsys2026:paper:1d"),
    ]


def test_a_start_seconds_before_the_next_reminder_leaves_it_to_that_one() -> None:
    # The 1-day reminder sent now would say "due in 3 hours", as the 3-hour one will in
    # ten seconds: it is superseded by the 3-hour one, which the schedule sends.
    now = PAPER_3H - dt.timedelta(seconds=10)
    todo = to_catch_up(REMINDERS, now)
    assert todo.send == ()
    assert {s.reminder.id: s.by.id for s in todo.superseded} == {
        "euromlsys2026:paper:7d": "euromlsys2026:paper:3h",
        "euromlsys2026:paper:3d": "euromlsys2026:paper:3h",
        "euromlsys2026:paper:1d": "euromlsys2026:paper:3h",
    }
    assert reads_alike(paper("3h"), now)
    # Five minutes earlier the texts differ ("3 hours 5 minutes"): the 1-day one goes out.
    earlier = PAPER_3H - dt.timedelta(minutes=5)
    assert not reads_alike(paper("3h"), earlier)
    assert ids(to_catch_up(REMINDERS, earlier).send) == ["euromlsys2026:paper:1d"]


def test_after_the_last_reminder_it_is_the_one_sent_and_nothing_after_the_date() -> None:
    todo = to_catch_up(REMINDERS, PAPER_3H + dt.timedelta(hours=1, minutes=30))
    assert ids(todo.send) == ["euromlsys2026:paper:3h"]
    assert {s.by.id for s in todo.superseded} == {"euromlsys2026:paper:3h"}
    past = to_catch_up(REMINDERS, PAPER + dt.timedelta(minutes=1))
    assert not [r for r in past.send if r.key_date_id == "paper"]
    assert not [s for s in past.superseded if s.reminder.key_date_id == "paper"]


def test_a_row_of_an_earlier_reminder_is_superseded_at_send_time_once_a_later_is_due() -> None:
    assert superseded_by(paper("1d"), REMINDERS, PAPER_3H - dt.timedelta(hours=2)) is None
    assert superseded_by(paper("1d"), REMINDERS, PAPER_3H) == paper("3h")
    assert superseded_by(paper("3h"), REMINDERS, PAPER - dt.timedelta(minutes=1)) is None


# --------------------------------------------------------------------------- properties

BASE = dt.datetime(2026, 6, 1, tzinfo=UTC)


@st.composite
def key_dates(draw: st.DrawFn, index: int) -> list[Reminder]:
    """One key date's reminders: distinct offsets; a notification may have one at its instant."""
    at = BASE + dt.timedelta(minutes=draw(st.integers(0, 30 * 24 * 60)))
    kind = draw(st.sampled_from(["deadline", "notification"]))
    minutes = draw(
        st.sets(st.integers(1 if kind == "deadline" else 0, 10 * 24 * 60), min_size=1, max_size=5)
    )
    reminders = []
    for m in minutes:
        offset = ReminderOffset(dt.timedelta(minutes=m), canonical_label(m * 60))
        valid = at + dt.timedelta(days=1) if m == 0 else at
        reminders.append(
            Reminder(
                id=f"e:k{index}:{offset.label}",
                event_id="e",
                key_date_id=f"k{index}",
                offset=offset,
                fire_at=at - offset.before,
                key_date_at=at,
                kind=kind,
                valid_until=valid,
            )
        )
    return reminders


@st.composite
def situations(draw: st.DrawFn) -> tuple[list[Reminder], dt.datetime]:
    count = draw(st.integers(1, 3))
    reminders = [r for i in range(count) for r in draw(key_dates(i))]
    now = BASE + dt.timedelta(seconds=draw(st.integers(-11 * 86400, 32 * 86400)))
    return reminders, now


def groups(reminders: list[Reminder]) -> dict[str, list[Reminder]]:
    by_date: dict[str, list[Reminder]] = {}
    for r in sorted(reminders, key=lambda r: (r.fire_at, r.id)):
        by_date.setdefault(r.key_date_id, []).append(r)
    return by_date


@settings(max_examples=400, deadline=None)
@given(situations())
def test_never_two_catch_ups_per_key_date_and_the_one_kept_is_the_latest_due(
    situation: tuple[list[Reminder], dt.datetime],
) -> None:
    reminders, now = situation
    todo = to_catch_up(reminders, now)
    sent = ids(todo.send)
    assert len(sent) == len({r.key_date_id for r in todo.send})  # never two per key date
    for reminder in todo.send:
        missed = [r for r in groups(reminders)[reminder.key_date_id] if r.fire_at <= now]
        assert reminder == missed[-1]  # the latest due
        assert now < reminder.valid_until  # and it still applies
    superseded = [s.reminder.id for s in todo.superseded]
    assert not set(sent) & set(superseded)
    for s in todo.superseded:
        assert s.reminder.fire_at <= now and s.by.key_date_id == s.reminder.key_date_id
        assert s.by.fire_at > s.reminder.fire_at
        assert s.by in todo.send or (s.by.fire_at > now and reads_alike(s.by, now))


@settings(max_examples=400, deadline=None)
@given(situations())
def test_nothing_still_valid_is_lost(situation: tuple[list[Reminder], dt.datetime]) -> None:
    """Every key date with a reminder due and still valid is told once: now or in a moment."""
    reminders, now = situation
    todo = to_catch_up(reminders, now)
    for group in groups(reminders).values():
        missed = [r for r in group if r.fire_at <= now]
        if not missed or now >= missed[-1].valid_until:
            assert not [r for r in todo.send if r in group]
            continue
        latest = missed[-1]
        if len(missed) == 1 and latest not in todo.send:
            # Only one missed and not sent: the next one of its date says the same soon.
            (s,) = [s for s in todo.superseded if s.reminder == latest]
            assert s.by.fire_at > now and reads_alike(s.by, now)
        # Each one due is either sent or superseded, none left undecided.
        decided = set(ids(todo.send)) | {s.reminder.id for s in todo.superseded}
        assert set(ids(missed)) <= decided


ALIKE = """\
id: alike
name: Alike Workshop
short_name: Alike 2026
website: https://example.org
key_dates:
  - id: paper
    title: Paper deadline
    kind: deadline
    at: 2026-03-10 12:00 UTC
    reminders: [7d, 6d 23h 45m, 1d]
"""


def test_a_reminder_that_reads_like_the_next_is_not_fired_and_simulate_agrees(
    tmp_path: Path,
) -> None:
    # "7 days" and "6 days 23 hours 45 minutes" both read "due in 7 days" (to the hour).
    (tmp_path / "alike.yaml").write_text(ALIKE, encoding="utf-8")
    reminders = all_reminders(load_events(tmp_path))
    seven = next(r for r in reminders if r.offset.label == "7d")
    (later,) = [r for r in reminders if r.offset.label == "6d23h45m"]
    assert superseded_by(seven, reminders, seven.fire_at) == later
    out, err = io.StringIO(), io.StringIO()
    argv = ["simulate", "--config", str(tmp_path), "--from", "2026-03-01T00:00:00Z"]
    assert run([*argv, "--to", "2026-03-11T00:00:00Z"], out, err) == 0, err.getvalue()
    assert "reminder alike:paper:7d" not in out.getvalue()
    assert out.getvalue().count("due in 7 days") == 1
    assert "reminder alike:paper:6d23h45m" in out.getvalue()
    assert "reminder alike:paper:1d" in out.getvalue()
