"""The reminder policy and plan: stable ids, exact UTC instants, DST, catch-up after downtime."""

import dataclasses
import datetime as dt
import io
import json

import pytest

from bot.cli import run
from bot.domain.config import load_event_text, load_events
from bot.domain.plan import all_reminders, plan, to_catch_up
from bot.domain.policy import parse_offset
from bot.domain.times import AOE_ZONE

UTC = dt.UTC
EVENTS = load_events("config")


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def plan_json(*argv: str) -> list[dict[str, str]]:
    out, err = io.StringIO(), io.StringIO()
    assert run(["plan", "--json", *argv], out, err) == 0, err.getvalue()
    return json.loads(out.getvalue())  # type: ignore[no-any-return]


def test_plan_json_lists_the_paper_deadline_reminders() -> None:
    items = plan_json("--now", "2026-01-01T00:00:00Z")
    paper = [i["fire_at_utc"] for i in items if i["key_date"] == "paper"]
    assert paper == [
        "2026-02-09T11:59:00Z",
        "2026-02-13T11:59:00Z",
        "2026-02-15T11:59:00Z",
        "2026-02-16T08:59:00Z",
    ]
    assert {"id", "key_date", "event", "fire_at_utc"} <= set(items[0])
    assert items[0]["id"] == "euromlsys2026:paper:7d"


def test_plan_is_empty_after_the_edition() -> None:
    assert plan_json("--now", "2026-11-28T00:00:00Z") == []


def test_plan_until_and_default_policy_by_kind() -> None:
    reminders = plan(EVENTS, utc(2026, 3, 1), until=utc(2026, 4, 30))
    assert [r.id for r in reminders] == [
        "euromlsys2026:notification:on-the-day",
        "euromlsys2026:final-paper:7d",
        "euromlsys2026:final-paper:3d",
        "euromlsys2026:final-paper:1d",
        "euromlsys2026:final-paper:3h",
        "euromlsys2026:workshop:7d",
        "euromlsys2026:workshop:1d",
    ]
    # On the day: the start of 15 March in AoE, when that date has begun everywhere.
    assert reminders[0].fire_at == utc(2026, 3, 15, 12)
    # The workshop day starts at 00:00 in Edinburgh (BST, UTC+1) on 27 April.
    assert reminders[-1].fire_at == utc(2026, 4, 25, 23)


EVENT = """\
id: dst
name: DST Workshop
short_name: DST 2026
website: https://example.org
reminders:
  deadline: [1d, 3h]
key_dates:
  - id: eu
    title: European deadline
    kind: deadline
    at: 2026-03-30 12:00 Europe/Berlin
  - id: us
    title: American deadline
    kind: deadline
    at: 2026-03-09 12:00 America/New_York
  - id: autumn
    title: Autumn deadline
    kind: deadline
    at: 2026-10-26 09:00 Europe/London
    reminders: [2d, on the day]
"""


def test_reminders_across_2026_dst_changes_are_at_the_right_utc_instant() -> None:
    event = load_event_text(EVENT, "dst.yaml")
    by_id = {r.id: r.fire_at for r in all_reminders([event])}
    # Berlin switches to CEST on 29 March: 12:00 CEST on the 30th is 10:00 UTC, and "1 day
    # before" is 24 hours before that instant (computed on UTC instants, not wall times).
    assert by_id["dst:eu:1d"] == utc(2026, 3, 29, 10, 0)
    assert by_id["dst:eu:3h"] == utc(2026, 3, 30, 7, 0)
    # New York switches to EDT on 8 March: 12:00 EDT on the 9th is 16:00 UTC.
    assert by_id["dst:us:1d"] == utc(2026, 3, 8, 16, 0)
    # London returns to GMT on 25 October: 09:00 GMT on the 26th is 09:00 UTC.
    assert by_id["dst:autumn:2d"] == utc(2026, 10, 24, 9, 0)
    assert by_id["dst:autumn:on-the-day"] == utc(2026, 10, 26, 0, 0)
    assert "dst:autumn:1d" not in by_id  # the key date's own list overrides the event's


def test_offsets_parse_and_label_canonically() -> None:
    paper = EVENTS[0].key_dates[0]
    assert parse_offset("1d 12h", paper).label == "1d12h"
    assert parse_offset("36h", paper).label == "1d12h"
    assert parse_offset("2w", paper).before == dt.timedelta(days=14)
    with pytest.raises(ValueError, match="not a reminder offset"):
        parse_offset("soon", paper)
    midnight = dataclasses.replace(paper, zone=AOE_ZONE)
    assert parse_offset("on the day", midnight).before == dt.timedelta(hours=23, minutes=59)


def test_catch_up_sends_only_the_latest_reminder_of_a_date_still_ahead() -> None:
    # Down from 1 Feb to 14 Feb 12:00 UTC: the 7d and 3d reminders of the paper came and went.
    late = to_catch_up(all_reminders(EVENTS), utc(2026, 2, 14, 12)).send
    assert [r.id for r in late] == ["euromlsys2026:paper:3d"]
    # Once the deadline has passed, nothing of it is caught up.
    assert [r.id for r in to_catch_up(all_reminders(EVENTS), utc(2026, 2, 17)).send] == []
