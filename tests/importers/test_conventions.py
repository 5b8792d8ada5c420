"""The trackers' zone conventions and what the importer refuses to guess."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.domain.config import load_event_text
from bot.domain.times import parse_when
from bot.importers.emit import (
    MARKER,
    at_notation,
    event_yaml,
    notation_reads_seconds,
    written_instant,
)
from bot.importers.model import ImportedDate
from bot.importers.read import TrackerFileError, import_text
from bot.importers.zones import Convention, TrackerTimeError, read_time, read_zone


def at(text: str, zone: str, convention: Convention) -> str:
    instant = read_time(text, read_zone(zone, convention)).at
    return instant.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.mark.parametrize(
    ("convention", "zone", "written", "expected"),
    [
        ("ccf-deadlines", "AoE", "2026-02-15 23:59:59", "2026-02-16T11:59:59Z"),
        ("ccf-deadlines", "UTC-12", "2025-11-13 23:59:00", "2025-11-14T11:59:00Z"),
        ("ccf-deadlines", "UTC+8", "2026-03-01 12:00:00", "2026-03-01T04:00:00Z"),
        ("ccf-deadlines", "UTC+0", "2026-03-01 12:00:00", "2026-03-01T12:00:00Z"),
        ("ccf-deadlines", "UTC", "2026-03-01 12:00:00", "2026-03-01T12:00:00Z"),
        # PT: US Pacific by the date, as ccf-deadlines decides it (PDT in July, PST in
        # January; 2026's switches: 8 March and 1 November, whole days)
        ("ccf-deadlines", "PT", "2026-07-01 23:59:59", "2026-07-02T06:59:59Z"),
        ("ccf-deadlines", "PT", "2026-01-15 23:59:59", "2026-01-16T07:59:59Z"),
        ("ccf-deadlines", "PT", "2026-03-08 01:00:00", "2026-03-08T08:00:00Z"),
        ("ccf-deadlines", "PT", "2026-03-07 23:59:00", "2026-03-08T07:59:00Z"),
        ("ccf-deadlines", "PT", "2026-10-31 23:59:00", "2026-11-01T06:59:00Z"),
        ("ccf-deadlines", "PT", "2026-11-01 01:30:00", "2026-11-01T09:30:00Z"),
        ("ai-deadlines", "AoE", "2025-11-13 23:59:59", "2025-11-14T11:59:59Z"),
        # GMT±N is the plain offset (the tracker's own README example: GMT+02)
        ("ai-deadlines", "GMT+02", "2025-10-09 13:59:59", "2025-10-09T11:59:59Z"),
        ("ai-deadlines", "GMT-5", "2025-10-09 13:59:59", "2025-10-09T18:59:59Z"),
        ("ai-deadlines", "UTC-8", "2024-11-14 23:59:00", "2024-11-15T07:59:00Z"),
        ("ai-deadlines", "utc+9", "2024-11-14 23:59:00", "2024-11-14T14:59:00Z"),
        ("ai-deadlines", "UTC", "2024-11-14 23:59:00", "2024-11-14T23:59:00Z"),
        ("ai-deadlines", "Asia/Seoul", "2025-10-09 13:59:59", "2025-10-09T04:59:59Z"),
        ("ai-deadlines", "America/New_York", "2026-07-01 23:59:59", "2026-07-02T03:59:59Z"),
        ("ai-deadlines", "America/New_York", "2026-01-15 23:59:59", "2026-01-16T04:59:59Z"),
    ],
)
def test_each_convention_gives_the_trackers_instant(
    convention: Convention, zone: str, written: str, expected: str
) -> None:
    assert at(written, zone, convention) == expected


@pytest.mark.parametrize(
    ("convention", "zone", "why"),
    [
        ("ccf-deadlines", "GMT+8", "not one ccf-deadlines defines"),
        ("ccf-deadlines", "Asia/Shanghai", "not one ccf-deadlines defines"),
        ("ccf-deadlines", "", "no time zone"),
        ("ai-deadlines", "UTC+5:30", "silently use UTC"),
        ("ai-deadlines", "gmt+2", "silently use UTC"),
        ("ai-deadlines", "Mars/Olympus", "neither AoE"),
        ("ai-deadlines", "UTC+15", "beyond ±14 h"),
        ("ai-deadlines", None, "no time zone"),
    ],
)
def test_an_unreadable_zone_is_refused(convention: Convention, zone: str | None, why: str) -> None:
    with pytest.raises(TrackerTimeError, match=why.replace("+", r"\+")):
        read_zone(zone, convention)


@pytest.mark.parametrize(
    ("written", "why"),
    [
        ("TBD", "TBD"),
        ("2026-03-15", "without a time is not guessed"),
        ("2026-02-30 23:59:59", "not a calendar date"),
        ("soon", "is not 'YYYY-MM-DD HH:MM:SS'"),
    ],
)
def test_an_unreadable_date_is_refused(written: str, why: str) -> None:
    with pytest.raises(TrackerTimeError, match=why):
        read_time(written, read_zone("AoE", "ccf-deadlines"))


def test_a_time_that_happens_twice_is_refused() -> None:
    zone = read_zone("America/New_York", "ai-deadlines")
    with pytest.raises(TrackerTimeError, match="happens twice"):
        read_time("2026-11-01 01:30:00", zone)
    with pytest.raises(TrackerTimeError, match="does not exist"):
        read_time("2026-03-08 02:30:00", zone)


CCF = """\
- title: TestConf
  description: The Test Conference
  sub: DS
  rank: {ccf: A}
  dblp: testconf
  confs:
    - year: 2027
      id: testconf27
      link: https://test.example.org/
      timeline:
        - abstract_deadline: TBD
          deadline: '2026-10-01 23:59:59'
          comment: Round one
        - deadline: TBD
          comment: Round two
      timezone: UTC+8
      date: May 1-3, 2027
      place: Lisbon, Portugal
    - year: 2028
      id: testconf28
      link: https://test.example.org/
      timeline:
        - deadline: '2027-10-01 23:59:59'
      timezone: CET
      date: May 2028
      place: Oslo, Norway
    - year: 2029
      id: testconf29
      timeline:
        - deadline: '2028-10-01 23:59:59'
      timezone: AoE
      date: May 2029
      place: Rome, Italy
"""


def test_what_cannot_be_imported_is_reported_per_entry() -> None:
    result = import_text("ccf-deadlines", CCF, "testconf.yml")
    assert [e.event_id for e in result.editions] == ["testconf2027"]
    edition = result.editions[0]
    assert [(d.id, d.title) for d in edition.dates] == [
        ("paper-1", "Submission deadline (Round one)")
    ]
    assert edition.dates[0].time.at == dt.datetime(2026, 10, 1, 15, 59, 59, tzinfo=dt.UTC)
    messages = [str(issue) for issue in result.issues]
    assert messages == [
        "testconf.yml:11 [0].confs[0].timeline[0].abstract_deadline (testconf27):"
        " date to be decided (TBD); not imported",
        "testconf.yml:14 [0].confs[0].timeline[1].deadline (testconf27):"
        " date to be decided (TBD); not imported",
        "testconf.yml:24 [0].confs[1].timezone (testconf28)"
        ": time zone 'CET' is not one ccf-deadlines defines (AoE, UTC, UTC±N, PT);"
        " its dates are not imported",
        "testconf.yml:19 [0].confs[1] (testconf28): no deadline could be imported; no file written",
        "testconf.yml:27 [0].confs[2].link (testconf29): link missing; the event needs a website",
    ]


def test_the_written_file_passes_check_and_says_where_it_came_from() -> None:
    edition = import_text("ccf-deadlines", CCF, "testconf.yml").editions[0]
    text = event_yaml(edition)
    assert text.startswith(MARKER + "ccf-deadlines (testconf.yml, edition testconf27)")
    event = load_event_text(text, "testconf2027.yaml")
    assert (event.id, event.series, event.year) == ("testconf2027", "testconf", 2027)
    assert event.venue is not None and (event.venue.city, event.venue.country) == (
        "Lisbon",
        "Portugal",
    )
    assert event.key_dates[0].as_written.endswith("UTC+8")


def test_a_file_of_the_other_tracker_is_refused_with_the_command_to_use() -> None:
    with pytest.raises(TrackerFileError, match="import ccf-deadlines"):
        import_text("ai-deadlines", CCF, "testconf.yml")
    ai = "- title: X\n  year: 2026\n  id: x26\n  link: https://x.example.org/\n"
    with pytest.raises(TrackerFileError, match="import ai-deadlines"):
        import_text("ccf-deadlines", ai, "x.yml")
    with pytest.raises(TrackerFileError, match="not valid YAML"):
        import_text("ccf-deadlines", "- [unclosed", "x.yml")


def test_ai_entries_fall_back_to_the_editions_zone_and_quote_odd_text() -> None:
    text = """\
- title: 'Odd: Conf'
  year: 2026
  id: odd26
  full_name: 'A conference: with "quotes" & colons'
  link: https://odd.example.org/
  timezone: Asia/Seoul
  deadlines:
    - type: paper
      label: 'Paper: full'
      date: '2026-03-01 23:59:59'
    - type: paper
      label: Second paper round
      date: '2026-04-01 23:59:59'
      timezone: GMT+02
"""
    edition = import_text("ai-deadlines", text, "odd.yml").editions[0]
    assert edition.event_id == "odd2026"
    assert [(d.id, d.time.zone.notation) for d in edition.dates] == [
        ("paper", "Asia/Seoul"),
        ("paper-2", "UTC+2"),
    ]
    event = load_event_text(event_yaml(edition), "odd2026.yaml")
    assert event.name == 'A conference: with "quotes" & colons'
    assert event.key_dates[0].title == "Paper: full"
    exact = dt.datetime(2026, 4, 1, 21, 59, 59, tzinfo=dt.UTC)
    assert edition.dates[1].time.at == exact
    assert event.key_dates[1].at == (exact if notation_reads_seconds() else exact.replace(second=0))


def test_pacific_time_is_written_as_the_offset_the_tracker_gives_that_day() -> None:
    text = CCF.replace("timezone: UTC+8", "timezone: PT").replace(
        "deadline: '2026-10-01 23:59:59'", "deadline: '2026-03-08 01:00:00'"
    )
    edition = import_text("ccf-deadlines", text, "testconf.yml").editions[0]
    written = event_yaml(edition)
    assert "at: 2026-03-08 01:00 UTC-7  # " in written
    assert "'2026-03-08 01:00:00' PT = 2026-03-08T08:00:00Z" in written
    event = load_event_text(written, "testconf2027.yaml")
    assert event.key_dates[0].at == dt.datetime(2026, 3, 8, 8, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize("hours", range(-12, 15))
def test_written_notation_means_the_importers_instant_for_every_offset(hours: int) -> None:
    """The importer's conversion and the config parser agree, offset by offset."""
    zone_text = "UTC" if hours == 0 else f"UTC{hours:+d}"
    zone = read_zone(zone_text, "ai-deadlines")
    for day in ("2026-01-01", "2026-02-28", "2026-12-31"):
        for clock in ("00:00:00", "00:00:59", "11:59:59", "12:00:00", "23:59:00", "23:59:59"):
            time = read_time(f"{day} {clock}", zone)
            wall = dt.datetime.fromisoformat(f"{day}T{clock}")
            assert time.at == (wall - dt.timedelta(hours=hours)).replace(tzinfo=dt.UTC)
            edition_date = ImportedDate("d", "D", "deadline", time, "date")
            for seconds in (False, True):
                if seconds and not notation_reads_seconds():
                    continue  # the notation cannot say seconds yet
                parsed = parse_when(at_notation(edition_date, seconds=seconds), "deadline")
                assert parsed.at == written_instant(edition_date, seconds=seconds)
                assert dt.timedelta(0) <= time.at - parsed.at < dt.timedelta(minutes=1)


def test_a_date_or_zone_written_twice_is_not_guessed() -> None:
    text = """\
- title: Twice
  year: 2026
  id: twice26
  link: https://twice.example.org/
  date: July 2 - 7, 2026
  deadlines:
    - type: paper
      date: '2026-01-05 23:59:59'
      timezone: AoE
      date: '2026-01-12 23:59:59'
    - type: abstract
      date: '2025-12-20 23:59:59'
      timezone: AoE
      timezone: UTC-8
    - type: notification
      date: '2026-03-01 23:59:59'
      timezone: AoE
  date: July 2-7, 2026
"""
    result = import_text("ai-deadlines", text, "twice.yml")
    (edition,) = result.editions
    assert [d.id for d in edition.dates] == ["notification"]
    assert [str(issue) for issue in result.issues] == [
        "twice.yml:10 [0].deadlines[0].date (twice26): written twice in one entry"
        " (which is meant?); not imported",
        "twice.yml:14 [0].deadlines[1].timezone (twice26): written twice in one entry"
        " (which is meant?); not imported",
        "twice.yml:18 [0].date: written twice; the last one is used",
    ]
