"""The .ics calendar: read back by icalendar and by an independent parser (vobject)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path
from typing import Any

import icalendar
import pytest
import vobject  # type: ignore[import-untyped,unused-ignore]

from bot.calendar import alarm_offsets, calendar_filename, event_calendar
from bot.domain.config import load_events
from bot.domain.model import Event, KeyDate, Venue
from bot.domain.policy import parse_offset
from bot.domain.times import AOE_ZONE, parse_when

CONFIG = Path(__file__).resolve().parents[2] / "config"
NOW = dt.datetime(2026, 1, 10, 8, 30, tzinfo=dt.UTC)
LATER = dt.datetime(2026, 2, 1, 17, 5, 42, tzinfo=dt.UTC)
UTC = dt.UTC


@pytest.fixture(scope="module")
def event() -> Event:
    (loaded,) = load_events(CONFIG)
    return loaded


def _raw_lines(data: bytes) -> list[bytes]:
    """Split the bytes into physical lines, insisting on CRLF everywhere."""
    assert data.endswith(b"\r\n")
    lines = data[:-2].split(b"\r\n")
    for line in lines:
        assert b"\r" not in line and b"\n" not in line, line
    return lines


def _unfolded(data: bytes) -> list[str]:
    """Unfold content lines (RFC 5545 §3.1): CRLF followed by one space or tab is removed."""
    text = data.decode("utf-8")
    return text.replace("\r\n ", "").replace("\r\n\t", "").split("\r\n")[:-1]


def _by_uid(data: bytes) -> dict[str, icalendar.Component]:
    calendar = icalendar.Calendar.from_ical(data)
    return {str(ev["UID"]): ev for ev in calendar.walk("VEVENT")}


def _vobject_by_uid(data: bytes) -> dict[str, Any]:
    calendar = vobject.readOne(data.decode("utf-8"))
    return {ev.uid.value: ev for ev in calendar.vevent_list}


def _calname(data: bytes) -> str:
    """X-WR-CALNAME as text: icalendar leaves X- properties raw, RFC 5545 says TEXT."""
    calendar = icalendar.Calendar.from_ical(data)
    raw = calendar["X-WR-CALNAME"].to_ical()
    assert calendar["NAME"].to_ical() == raw
    raw = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    return _unescape_text(raw)


def _unescape_text(raw: str) -> str:
    """Read an RFC 5545 TEXT value (§3.3.11); a stray backslash is an error."""
    out, chars = [], iter(raw)
    for char in chars:
        if char == "\\":
            escaped = next(chars)
            out.append({"n": "\n", "N": "\n", "\\": "\\", ";": ";", ",": ","}[escaped])
        else:
            assert char not in ";,", raw  # must have been escaped
            out.append(char)
    return "".join(out)


def _extend(event: Event, key_date_id: str, written: str) -> Event:
    key_date = event.key_date(key_date_id)
    assert key_date is not None
    parsed = parse_when(written, key_date.kind)
    return event.with_key_date(key_date.extended_to(parsed.as_written, parsed.at, parsed.zone))


def _triggers(vevent: icalendar.Component) -> list[dt.timedelta]:
    return [alarm.decoded("TRIGGER") for alarm in vevent.walk("VALARM")]


# --- the shipped config, read by two parsers --------------------------------------------


def test_shipped_calendar_parses_with_icalendar(event: Event) -> None:
    data = event_calendar([event], NOW)
    calendar = icalendar.Calendar.from_ical(data)
    assert str(calendar["PRODID"]) == "-//deadline-bot//EN"
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["CALSCALE"]) == "GREGORIAN"
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert _calname(data) == "EuroMLSys 2026"
    assert str(calendar["X-WR-TIMEZONE"]) == "UTC"
    events = _by_uid(data)
    assert sorted(events) == sorted(f"euromlsys2026-{kd.id}@deadline-bot" for kd in event.key_dates)
    for key_date in event.key_dates:
        vevent = events[f"euromlsys2026-{key_date.id}@deadline-bot"]
        start, end = vevent.decoded("DTSTART"), vevent.decoded("DTEND")
        if key_date.kind == "event":
            assert type(start) is dt.date and type(end) is dt.date
            assert (start, end) == (dt.date(2026, 4, 27), dt.date(2026, 4, 28))
            assert str(vevent["LOCATION"]) == "Edinburgh, United Kingdom"
        else:
            assert isinstance(start, dt.datetime)
            assert start == key_date.at and start.utcoffset() == dt.timedelta(0)
            assert end - start == dt.timedelta(minutes=1)
            assert "LOCATION" not in vevent
        assert vevent.decoded("DTSTAMP") == NOW
        assert vevent.decoded("SEQUENCE") == 0
        assert str(vevent["SUMMARY"]) == f"EuroMLSys 2026: {key_date.title}"
        assert str(vevent["URL"]) == "https://www.euromlsys.eu"


def test_shipped_instants_in_the_raw_text(event: Event) -> None:
    lines = _unfolded(event_calendar([event], NOW))
    assert "DTSTART:20260216T115900Z" in lines  # paper: 2026-02-15 23:59 AoE
    assert "DTEND:20260216T120000Z" in lines
    assert "DTSTART:20260326T115900Z" in lines  # final paper: 2026-03-25 (23:59 AoE)
    assert "DTSTART:20260315T120000Z" in lines  # notification: 2026-03-15 (00:00 AoE)
    assert "DTSTART;VALUE=DATE:20260427" in lines
    assert "DTEND;VALUE=DATE:20260428" in lines
    assert "DTSTAMP:20260110T083000Z" in lines
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT6H" in lines
    assert "X-PUBLISHED-TTL:PT6H" in lines
    assert sum(line == "BEGIN:VEVENT" for line in lines) == 4


def test_shipped_calendar_parses_with_vobject(event: Event) -> None:
    data = event_calendar([event], NOW)
    calendar = vobject.readOne(data.decode("utf-8"))
    assert calendar.prodid.value == "-//deadline-bot//EN"
    assert calendar.x_wr_calname.value == "EuroMLSys 2026"
    events = _vobject_by_uid(data)
    paper = events["euromlsys2026-paper@deadline-bot"]
    final = events["euromlsys2026-final-paper@deadline-bot"]
    workshop = events["euromlsys2026-workshop@deadline-bot"]
    assert paper.dtstart.value == dt.datetime(2026, 2, 16, 11, 59, tzinfo=UTC)
    assert final.dtstart.value == dt.datetime(2026, 3, 26, 11, 59, tzinfo=UTC)
    assert workshop.dtstart.value == dt.date(2026, 4, 27)
    assert workshop.dtend.value == dt.date(2026, 4, 28)
    assert workshop.location.value == "Edinburgh, United Kingdom"
    for key_date in event.key_dates:
        vevent = events[f"euromlsys2026-{key_date.id}@deadline-bot"]
        if key_date.kind != "event":
            assert vevent.dtstart.value == key_date.at
        assert vevent.summary.value == f"EuroMLSys 2026: {key_date.title}"
        assert vevent.dtstamp.value == NOW


def test_description_says_the_time_in_aoe(event: Event) -> None:
    events = _by_uid(event_calendar([event], NOW))
    paper = str(events["euromlsys2026-paper@deadline-bot"]["DESCRIPTION"])
    assert paper.startswith(
        "Due 2026-02-15 23:59 AoE (Anywhere on Earth, UTC−12), which is 2026-02-16 11:59 UTC\n"
    )
    assert "As written" not in paper  # the rendering is what the organizers wrote
    assert "https://www.euromlsys.eu" in paper
    final = str(events["euromlsys2026-final-paper@deadline-bot"]["DESCRIPTION"])
    assert final.startswith("Due 2026-03-25 23:59 AoE (Anywhere on Earth, UTC−12)")
    assert "As written in the call: 2026-03-25" in final
    workshop = str(events["euromlsys2026-workshop@deadline-bot"]["DESCRIPTION"])
    assert "full-day workshop" in workshop


def test_filename(event: Event) -> None:
    assert calendar_filename(event) == "euromlsys2026.ics"


# --- identity across builds and extensions ---------------------------------------------


def test_uid_stable_and_sequence_grows_with_extensions(event: Event) -> None:
    first = _by_uid(event_calendar([event], NOW))
    again = _by_uid(event_calendar([event], LATER))
    assert first.keys() == again.keys()
    assert again["euromlsys2026-paper@deadline-bot"].decoded("DTSTAMP") == LATER

    once = _extend(event, "paper", "2026-02-22 23:59 AoE")
    twice = _extend(once, "paper", "2026-03-01 12:00 UTC")
    after_once = _by_uid(event_calendar([once], LATER))
    after_twice = _by_uid(event_calendar([twice], LATER))
    assert after_once.keys() == first.keys() == after_twice.keys()

    sequences = [
        build["euromlsys2026-paper@deadline-bot"].decoded("SEQUENCE")
        for build in (first, after_once, after_twice)
    ]
    assert sequences == [0, 1, 2]
    paper = after_twice["euromlsys2026-paper@deadline-bot"]
    assert paper.decoded("DTSTART") == dt.datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    assert str(paper["DESCRIPTION"]).startswith("Due 2026-03-01 12:00 UTC\n")
    assert "Extended from 2026-02-15 23:59 AoE, then 2026-02-22 23:59 AoE" in str(
        paper["DESCRIPTION"]
    )
    # The other dates did not change.
    assert after_twice["euromlsys2026-final-paper@deadline-bot"].decoded("SEQUENCE") == 0
    one = _vobject_by_uid(event_calendar([once], LATER))["euromlsys2026-paper@deadline-bot"]
    assert one.sequence.value == "1"
    assert one.dtstart.value == dt.datetime(2026, 2, 23, 11, 59, tzinfo=UTC)


def test_two_events_in_one_calendar(event: Event) -> None:
    other = replace(event, id="othersys2027", short_name="OtherSys 2027")
    data = event_calendar([event, other], NOW)
    events = _by_uid(data)
    assert len(events) == 2 * len(event.key_dates)
    assert "othersys2027-paper@deadline-bot" in events
    assert _calname(data) == "EuroMLSys 2026, OtherSys 2027"


def test_now_must_be_aware(event: Event) -> None:
    with pytest.raises(ValueError, match="aware"):
        event_calendar([event], dt.datetime(2026, 1, 1))


def test_an_offset_now_is_stamped_in_utc(event: Event) -> None:
    plus_two = dt.datetime(2026, 1, 10, 10, 30, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert "DTSTAMP:20260110T083000Z" in _unfolded(event_calendar([event], plus_two))


# --- the bytes themselves ---------------------------------------------------------------

HOSTILE = "Comma, semi;colon \\back\\slash\\n\nnew line: «Überprüfung» — 締切 ✓ " + (
    "日本語ÄÖÜ€🙂" * 60
)


def _hostile_event(event: Event) -> Event:
    paper = event.key_date("paper")
    workshop = event.key_date("workshop")
    assert paper is not None and workshop is not None
    hostile_paper = replace(paper, title=HOSTILE[:120], note=HOSTILE)
    hostile_workshop = replace(workshop, note=HOSTILE)
    venue = Venue(city="Saint-Denis; Île, \\ Réunion", country="France, Outre-mer")
    return replace(
        event.with_key_date(hostile_paper).with_key_date(hostile_workshop),
        short_name="Euro;ML,Sys\\2026",
        venue=venue,
    )


@pytest.mark.parametrize("hostile", [False, True])
def test_crlf_and_folding_at_75_octets(event: Event, hostile: bool) -> None:
    data = event_calendar([_hostile_event(event) if hostile else event], NOW)
    lines = _raw_lines(data)
    assert lines[0] == b"BEGIN:VCALENDAR" and lines[-1] == b"END:VCALENDAR"
    for line in lines:
        assert len(line) <= 75, line
        line.decode("utf-8")  # folding never splits a UTF-8 sequence
    assert any(line.startswith(b" ") for line in lines)  # long lines were folded
    assert len(HOSTILE) >= 500


def test_hostile_text_round_trips_exactly(event: Event) -> None:
    hostile = _hostile_event(event)
    data = event_calendar([hostile], NOW)
    summary = f"Euro;ML,Sys\\2026: {HOSTILE[:120]}"
    location = "Saint-Denis; Île, \\ Réunion, France, Outre-mer"

    ours = _by_uid(data)
    paper = ours["euromlsys2026-paper@deadline-bot"]
    assert str(paper["SUMMARY"]) == summary
    assert f"\n{HOSTILE}\n" in str(paper["DESCRIPTION"])
    assert str(ours["euromlsys2026-workshop@deadline-bot"]["LOCATION"]) == location

    theirs = _vobject_by_uid(data)
    vpaper = theirs["euromlsys2026-paper@deadline-bot"]
    assert vpaper.summary.value == summary
    assert f"\n{HOSTILE}\n" in vpaper.description.value
    assert vpaper.description.value == str(paper["DESCRIPTION"])
    vworkshop = theirs["euromlsys2026-workshop@deadline-bot"]
    assert vworkshop.location.value == location
    raw = {line.split(":", 1)[0]: line.split(":", 1)[1] for line in _unfolded(data)}
    assert _unescape_text(raw["LOCATION"]) == location  # the strict reading agrees
    assert summary in [
        _unescape_text(line[8:]) for line in _unfolded(data) if line[:8] == "SUMMARY:"
    ]
    vcalendar = vobject.readOne(data.decode("utf-8"))
    assert vcalendar.x_wr_calname.value == "Euro;ML,Sys\\2026"
    assert _calname(data) == "Euro;ML,Sys\\2026"


def test_control_characters_cannot_break_the_format(event: Event) -> None:
    paper = event.key_date("paper")
    assert paper is not None
    nasty = replace(paper, title="a\r\nEND:VEVENT\rb\x00c\x1bd", note="x\r\nBEGIN:VALARM")
    data = event_calendar([event.with_key_date(nasty)], NOW)
    _raw_lines(data)
    lines = _unfolded(data)
    assert lines.count("END:VEVENT") == 4 and "BEGIN:VALARM" not in lines[:12]
    vevent = _by_uid(data)["euromlsys2026-paper@deadline-bot"]
    assert str(vevent["SUMMARY"]) == "EuroMLSys 2026: a\nEND:VEVENT\nbcd"


# --- alarms ---------------------------------------------------------------------------


def test_default_alarms_follow_the_policy(event: Event) -> None:
    events = _by_uid(event_calendar([event], NOW))
    day = dt.timedelta(days=1)
    deadline = [-7 * day, -3 * day, -day, -dt.timedelta(hours=3)]
    assert _triggers(events["euromlsys2026-paper@deadline-bot"]) == deadline
    assert _triggers(events["euromlsys2026-final-paper@deadline-bot"]) == deadline
    # "on the day": the notification date starts at 00:00 AoE, the instant itself.
    assert _triggers(events["euromlsys2026-notification@deadline-bot"]) == [dt.timedelta(0)]
    assert _triggers(events["euromlsys2026-workshop@deadline-bot"]) == [-7 * day, -day]
    for vevent in events.values():
        for alarm in vevent.walk("VALARM"):
            assert str(alarm["ACTION"]) == "DISPLAY"
            assert str(alarm["DESCRIPTION"]).startswith(str(vevent["SUMMARY"]))
    paper = events["euromlsys2026-paper@deadline-bot"]
    assert [str(a["DESCRIPTION"]) for a in paper.walk("VALARM")][-1] == (
        "EuroMLSys 2026: Paper submission deadline in 3 hours"
    )
    vpaper = _vobject_by_uid(event_calendar([event], NOW))["euromlsys2026-paper@deadline-bot"]
    assert [a.trigger.value for a in vpaper.valarm_list] == deadline


def test_alarms_mapping_overrides(event: Event) -> None:
    alarms = {
        "paper": [dt.timedelta(hours=1), dt.timedelta(days=2), dt.timedelta(hours=1)],
        "euromlsys2026:workshop": [],
        "notification": [dt.timedelta(0)],
    }
    events = _by_uid(event_calendar([event], NOW, alarms=alarms))
    assert _triggers(events["euromlsys2026-paper@deadline-bot"]) == [
        -dt.timedelta(days=2),
        -dt.timedelta(hours=1),
    ]
    assert _triggers(events["euromlsys2026-workshop@deadline-bot"]) == []
    assert _triggers(events["euromlsys2026-notification@deadline-bot"]) == [dt.timedelta(0)]
    notification = events["euromlsys2026-notification@deadline-bot"]
    (alarm,) = notification.walk("VALARM")
    assert str(alarm["DESCRIPTION"]) == "EuroMLSys 2026: Acceptance notification today"
    with pytest.raises(ValueError, match="after the date"):
        event_calendar([event], NOW, alarms={"paper": [-dt.timedelta(hours=1)]})


def test_key_date_reminder_strings(event: Event) -> None:
    paper, workshop, final = (event.key_date(i) for i in ("paper", "workshop", "final-paper"))
    assert paper is not None and workshop is not None and final is not None
    changed = (
        event.with_key_date(replace(paper, reminders=("1d 12h", "30m", "on the day", "2w")))
        .with_key_date(replace(workshop, reminders=("on the day", "3d")))
        .with_key_date(replace(final, reminders=()))
    )
    data = event_calendar([changed], NOW)
    events = _by_uid(data)
    assert _triggers(events["euromlsys2026-paper@deadline-bot"]) == [
        -dt.timedelta(weeks=2),
        -dt.timedelta(days=1, hours=12),
        -dt.timedelta(hours=23, minutes=59),  # 'on the day': 00:00 AoE of a 23:59 AoE deadline
        -dt.timedelta(minutes=30),
    ]
    assert _triggers(events["euromlsys2026-workshop@deadline-bot"]) == [
        -dt.timedelta(days=3),
        dt.timedelta(0),
    ]
    assert _triggers(events["euromlsys2026-final-paper@deadline-bot"]) == []
    lines = _unfolded(data)
    assert "TRIGGER:PT0S" in lines  # the start of the all-day workshop
    assert "TRIGGER:-P1DT12H" in lines
    assert "TRIGGER:-PT23H59M" in lines
    (_, start_of_day) = events["euromlsys2026-workshop@deadline-bot"].walk("VALARM")
    assert str(start_of_day["DESCRIPTION"]) == "EuroMLSys 2026: Workshop today"


def test_event_reminder_policy_overrides_defaults(event: Event) -> None:
    with_policy = replace(event, reminder_policy=(("deadline", ("2d",)), ("notification", ("1h",))))
    events = _by_uid(event_calendar([with_policy], NOW))
    assert _triggers(events["euromlsys2026-paper@deadline-bot"]) == [-dt.timedelta(days=2)]
    assert _triggers(events["euromlsys2026-notification@deadline-bot"]) == [-dt.timedelta(hours=1)]
    assert _triggers(events["euromlsys2026-workshop@deadline-bot"]) == [
        -offset for offset in (dt.timedelta(days=7), dt.timedelta(days=1))
    ]


def test_parse_reminder_offset() -> None:
    deadline = KeyDate(
        id="d",
        title="D",
        kind="deadline",
        as_written="2026-02-15 23:59 AoE",
        at=dt.datetime(2026, 2, 16, 11, 59, tzinfo=UTC),
        zone=AOE_ZONE,
    )
    assert parse_offset("7d", deadline).before == dt.timedelta(days=7)
    assert parse_offset(" 1D 12h ", deadline).before == dt.timedelta(days=1, hours=12)
    assert parse_offset("1w2d3h4m", deadline).before == dt.timedelta(days=9, hours=3, minutes=4)
    assert parse_offset("On the day", deadline).before == dt.timedelta(hours=23, minutes=59)
    for bad in ("", "7", "d", "7 days", "-3h", "3h later"):
        with pytest.raises(ValueError):
            parse_offset(bad, deadline)
    assert alarm_offsets(
        Event(id="e", name="E", short_name="E", website="https://e", key_dates=(), source="x"),
        deadline,
    ) == (dt.timedelta(days=7), dt.timedelta(days=3), dt.timedelta(days=1), dt.timedelta(hours=3))
