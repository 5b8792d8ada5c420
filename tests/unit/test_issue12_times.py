"""Regressions of issue 12 in the time model: start of day, offsets, notations, countdowns."""

import datetime as dt

import pytest

from bot.domain.model import KeyDate
from bot.domain.policy import parse_offset as parse_reminder_offset
from bot.domain.times import (
    TimeError,
    countdown,
    humanize_span,
    parse_offset,
    parse_when,
    parse_zone,
    start_of_day,
)

UTC = dt.UTC


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def timed(written: str, kind: str = "notification") -> KeyDate:
    when = parse_when(written, kind)  # type: ignore[arg-type]
    return KeyDate("kd", "A date", kind, written, when.at, when.zone)  # type: ignore[arg-type]


# -- item 1: "on the day" is the zone's real midnight, also on a DST-switch day ----------


@pytest.mark.parametrize(
    ("written", "midnight"),
    [
        ("2026-03-29 12:00 Europe/London", utc(2026, 3, 29, 0, 0)),
        ("2026-11-01 12:00 America/Los_Angeles", utc(2026, 11, 1, 7, 0)),
        ("2026-04-05 12:00 Australia/Lord_Howe", utc(2026, 4, 4, 13, 0)),
        ("2026-10-04 12:00 Australia/Lord_Howe", utc(2026, 10, 3, 13, 30)),
        ("2026-07-07 12:00 Europe/London", utc(2026, 7, 6, 23, 0)),
    ],
)
def test_on_the_day_fires_at_the_zones_real_midnight(written: str, midnight: dt.datetime) -> None:
    kd = timed(written)
    offset = parse_reminder_offset("on the day", kd)
    assert kd.at - offset.before == midnight


def test_start_of_day_where_midnight_itself_is_skipped_or_repeated() -> None:
    # Santiago springs forward at local midnight: 6 Sep 2026 starts at 01:00 (04:00Z).
    santiago = parse_zone("America/Santiago")
    assert start_of_day(dt.date(2026, 9, 6), santiago) == utc(2026, 9, 6, 4, 0)
    # ... and falls back at midnight: 5 Apr 2026 starts at the first 00:00 (03:00Z)?
    # No: at 00:00 -03 the clocks go back to 23:00 -04 on the 4th, so the 5th starts
    # once, at 00:00 -04.
    assert start_of_day(dt.date(2026, 4, 5), santiago) == utc(2026, 4, 5, 4, 0)


# -- item 3: an offset needs a real sign --------------------------------------------------


@pytest.mark.parametrize("text", ["12", "10", "A5", "UTC 12", "UTC12", "GMT 5", "+", "UTC+"])
def test_offsets_are_not_read_from_any_character(text: str) -> None:
    assert parse_offset(text) is None


@pytest.mark.parametrize(
    ("text", "wrong_part"),
    [
        ("UTC 12", "sign"),
        ("12", "sign"),
        ("10", "sign"),
        ("A5", "'A5'"),
    ],
)
def test_a_refused_zone_names_the_wrong_part(text: str, wrong_part: str) -> None:
    with pytest.raises(TimeError) as error:
        parse_zone(text)
    assert wrong_part in str(error.value)


def test_a_config_time_with_an_unsigned_offset_is_refused() -> None:
    with pytest.raises(TimeError, match="sign"):
        parse_when("2026-07-07 23:59 UTC 12", "deadline")


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("GMT+1", 60),
        ("GMT+10", 600),
        ("GMT-3", -180),
        ("GMT+5:30", 330),
        ("GMT+05:45", 345),
        ("UTC−8", -480),
        ("UTC-8", -480),
        ("+0530", 330),
    ],
)
def test_signed_offsets_still_read(text: str, minutes: int) -> None:
    assert parse_offset(text) == minutes


# -- item 5: the trackers' notations ---------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("2025-05-15 23:59:59 AoE", utc(2025, 5, 16, 11, 59, 59)),
        ("2025-05-15 11:59 PM AoE", utc(2025, 5, 16, 11, 59)),
        ("2025-05-15 11:59 pm AoE", utc(2025, 5, 16, 11, 59)),
        ("2025-05-15 11:59 p.m. AoE", utc(2025, 5, 16, 11, 59)),
        ("2025-05-15 12:00 AM UTC", utc(2025, 5, 15, 0, 0)),
        ("2025-05-15 12:30 PM UTC", utc(2025, 5, 15, 12, 30)),
        ("2025-05-15 23:59 (AoE)", utc(2025, 5, 16, 11, 59)),
        ("2025-05-15 23:59:00 (UTC-12)", utc(2025, 5, 16, 11, 59)),
        ("2025-11-13 23:59:00 UTC-12", utc(2025, 11, 14, 11, 59)),
        ("2024-10-24 20:00:00 UTC-8", utc(2024, 10, 25, 4, 0)),
        ("2025-05-15 23:59 GMT+10", utc(2025, 5, 15, 13, 59)),
        ("2025-05-15 23:59 GMT-7", utc(2025, 5, 16, 6, 59)),
        ("2025-05-15T23:59:00Z", utc(2025, 5, 15, 23, 59)),
        ("2025-05-15T23:59:00+02:00", utc(2025, 5, 15, 21, 59)),
    ],
)
def test_times_as_the_trackers_write_them(written: str, expected: dt.datetime) -> None:
    assert parse_when(written, "deadline").at == expected


@pytest.mark.parametrize(
    ("written", "names"),
    [
        ("2025-05-15 25:00 AoE", "'25:00'"),
        ("2025-05-15 23:61 AoE", "'23:61'"),
        ("2025-05-15 23:59:60 AoE", "'23:59:60'"),
        ("2025-05-15 13:00 PM AoE", "'13:00 PM'"),
        ("2025-05-15 0:30 AM AoE", "'0:30 AM'"),
        ("2025-05-15 23.59 AoE", "'23.59'"),
        ("2025-05-15 23:59 Mars/Base", "'Mars/Base'"),
        ("2025-05-15 23:59 (AoE", "'(AoE'"),
    ],
)
def test_a_refused_time_names_the_part_that_is_wrong(written: str, names: str) -> None:
    with pytest.raises(TimeError) as error:
        parse_when(written, "deadline")
    assert names in str(error.value)
    assert "unknown time zone '23" not in str(error.value)


# -- item 6 (config side): an abbreviation is refused with a hint ---------------------------


@pytest.mark.parametrize(
    ("written", "hint"),
    [
        ("2026-07-07 23:59 EST", "America/New_York"),
        ("2026-07-07 23:59 MST", "America/Denver"),
        ("2026-07-07 23:59 HST", "Pacific/Honolulu"),
        ("2026-07-07 23:59 PST", "PST: write America/Los_Angeles"),
        ("2026-07-07 23:59 PDT", "UTC-07:00"),
        ("2026-07-07 23:59 CET", "Europe/Berlin"),
        ("2026-07-07 23:59 (cest)", "Europe/Berlin"),
        ("2026-07-07 23:59 IST", "ambiguous"),
    ],
)
def test_zone_abbreviations_are_refused_with_a_hint(written: str, hint: str) -> None:
    with pytest.raises(TimeError) as error:
        parse_when(written, "deadline")
    assert hint in str(error.value)


def test_utc_gmt_and_aoe_are_not_abbreviations_to_refuse() -> None:
    assert parse_zone("GMT").label == "UTC"
    assert parse_zone("UTC").label == "UTC"
    assert parse_zone("AoE").is_aoe


# -- item 4: countdowns read as people read them ------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (7 * 86400 - 5, "7 days"),
        (3 * 3600 - 5, "3 hours"),
        (86400 - 5, "1 day"),
        (3600 - 5, "1 hour"),
        (36 * 86400 + 23 * 3600, "36 days 23 hours"),
        (3 * 86400 + 4 * 3600, "3 days 4 hours"),
        (2 * 3600 + 30 * 60, "2 hours 30 minutes"),
        (90, "2 minutes"),
        (89, "1 minute"),
        (29, "less than a minute"),
        (86400 + 60, "1 day"),
        (100 * 86400, "3 months 10 days"),
        (400 * 86400, "1 year 1 month"),
    ],
)
def test_spans_round_to_the_nearest_unit_shown(seconds: int, text: str) -> None:
    assert humanize_span(seconds) == text


def test_a_reminder_sent_seconds_late_says_the_round_figure() -> None:
    deadline = utc(2026, 2, 16, 11, 59)
    assert countdown(deadline, deadline - dt.timedelta(days=7) + dt.timedelta(seconds=3)) == (
        "7 days left"
    )
    assert countdown(deadline, deadline - dt.timedelta(hours=3) + dt.timedelta(seconds=3)) == (
        "3 hours left"
    )


def test_a_config_with_an_abbreviation_names_file_field_and_the_zone_to_write() -> None:
    from bot.domain.config import ConfigError, load_event_text

    text = """\
id: demo
name: Demo Workshop
short_name: Demo 2026
website: https://example.org
venue: {city: Berlin, country: Germany, timezone: CET}
key_dates:
  - id: paper
    title: Paper deadline
    kind: deadline
    at: 2026-07-07 23:59 EST
"""
    with pytest.raises(ConfigError) as error:
        load_event_text(text, "demo.yaml")
    report = error.value.report()
    assert "demo.yaml:5: venue.timezone: 'CET' is an abbreviation" in report
    assert "Europe/Berlin" in report
    assert "demo.yaml:10: key_dates[0].at: 'EST' is an abbreviation" in report
    assert "write America/New_York or America/Toronto, or UTC-05:00 for a fixed offset" in report


@pytest.mark.parametrize("text", ["12", "10", "A5", "UTC 12"])
def test_timezone_input_without_a_sign_is_not_read_as_an_offset(text: str) -> None:
    from bot.domain.zones import resolve_zone

    choice = resolve_zone(text)
    assert choice.zone is None  # was UTC+02:00, UTC, UTC+05:00
