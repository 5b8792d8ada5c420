"""The time model at its edges: AoE, offsets, DST gaps and overlaps, far-east zones."""

import datetime as dt

import pytest

from bot.domain.clock import FixedClock, OffsetClock, ensure_utc
from bot.domain.times import (
    AOE_ZONE,
    TimeError,
    countdown,
    format_in_zone,
    humanize_span,
    iso_utc,
    parse_instant,
    parse_when,
    parse_zone,
    to_zone,
)

UTC = dt.UTC


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def test_aoe_is_utc_minus_12_which_the_tz_database_calls_etc_gmt_plus_12() -> None:
    when = parse_when("2026-02-15 23:59 AoE", "deadline")
    assert when.at == utc(2026, 2, 16, 11, 59)
    assert when.zone.is_aoe
    assert parse_zone("Etc/GMT+12").is_aoe
    # Etc/GMT-12 is the opposite side of the world: twelve hours *ahead* of UTC.
    assert parse_when("2026-02-15 23:59 Etc/GMT-12", "deadline").at == utc(2026, 2, 15, 11, 59)


def test_bare_deadline_date_means_2359_aoe_and_other_kinds_start_of_day() -> None:
    assert parse_when("2026-03-25", "deadline").at == utc(2026, 3, 26, 11, 59)
    assert parse_when("2026-03-15", "notification").at == utc(2026, 3, 15, 12, 0)
    london = parse_zone("Europe/London")
    assert parse_when("2026-04-27", "event", date_zone=london).at == utc(2026, 4, 26, 23, 0)


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("2026-02-15 23:59 UTC", utc(2026, 2, 15, 23, 59)),
        ("2026-02-15 23:59 UTC+8", utc(2026, 2, 15, 15, 59)),
        ("2026-02-15 23:59 UTC-05:30", utc(2026, 2, 16, 5, 29)),
        ("2026-02-15 23:59 UTC+05:45", utc(2026, 2, 15, 18, 14)),
        ("2026-02-15 23:59 UTC−3", utc(2026, 2, 16, 2, 59)),  # a real minus sign
        ("2026-02-15 08:00 Asia/Kolkata", utc(2026, 2, 15, 2, 30)),
    ],
)
def test_utc_offsets_and_iana_zones(written: str, expected: dt.datetime) -> None:
    assert parse_when(written, "deadline").at == expected


def test_the_time_as_written_is_kept() -> None:
    assert parse_when("  2026-02-15 23:59 AoE ", "deadline").as_written == "2026-02-15 23:59 AoE"


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        # Europe: clocks go forward 29 Mar 01:00 UTC, back 25 Oct 01:00 UTC.
        ("2026-03-28 12:00 Europe/Berlin", utc(2026, 3, 28, 11, 0)),
        ("2026-03-29 12:00 Europe/Berlin", utc(2026, 3, 29, 10, 0)),
        ("2026-10-24 12:00 Europe/London", utc(2026, 10, 24, 11, 0)),
        ("2026-10-25 12:00 Europe/London", utc(2026, 10, 25, 12, 0)),
        # US: forward 8 Mar, back 1 Nov.
        ("2026-03-07 12:00 America/New_York", utc(2026, 3, 7, 17, 0)),
        ("2026-03-08 12:00 America/New_York", utc(2026, 3, 8, 16, 0)),
        ("2026-11-01 00:30 America/Los_Angeles", utc(2026, 11, 1, 7, 30)),
        ("2026-11-01 03:00 America/Los_Angeles", utc(2026, 11, 1, 11, 0)),
    ],
)
def test_iana_zones_on_both_sides_of_2026_dst_changes(written: str, expected: dt.datetime) -> None:
    assert parse_when(written, "deadline").at == expected


@pytest.mark.parametrize(
    "written",
    [
        "2026-03-29 01:30 Europe/London",
        "2026-03-29 02:30 Europe/Berlin",
        "2026-03-08 02:30 America/New_York",
    ],
)
def test_a_time_in_the_spring_forward_gap_is_refused(written: str) -> None:
    with pytest.raises(TimeError, match="does not exist"):
        parse_when(written, "deadline")


@pytest.mark.parametrize(
    "written",
    [
        "2026-10-25 01:30 Europe/London",
        "2026-10-25 02:30 Europe/Berlin",
        "2026-11-01 01:30 America/Chicago",
    ],
)
def test_a_time_in_the_fall_back_overlap_is_refused_and_an_offset_resolves_it(written: str) -> None:
    with pytest.raises(TimeError, match="happens twice"):
        parse_when(written, "deadline")
    # Written with its offset, the same wall time is exact.
    assert parse_when("2026-10-25 01:30 UTC+01:00", "deadline").at == utc(2026, 10, 25, 0, 30)
    assert parse_when("2026-10-25 01:30 UTC+00:00", "deadline").at == utc(2026, 10, 25, 1, 30)


@pytest.mark.parametrize(
    "written",
    [
        "2026-02-30 23:59 AoE",
        "2026-02-15 24:00 AoE",
        "2026-02-15 23:59",
        "15 Feb 2026",
        "2026-02-15 23:59 Mars/Base",
        "2026-02-15 23:59 UTC+15",
    ],
)
def test_malformed_times_are_refused_with_a_reason(written: str) -> None:
    with pytest.raises(TimeError) as error:
        parse_when(written, "deadline")
    assert str(error.value)


def test_unknown_zone_is_never_a_silent_utc_and_suggests_a_name() -> None:
    with pytest.raises(TimeError, match="did you mean Europe/London"):
        parse_zone("Europe/Lodnon")


def test_rendering_east_of_utc_plus_12_and_west_of_utc_minus_10() -> None:
    deadline = utc(2026, 2, 16, 11, 59)
    kiritimati = parse_zone("Pacific/Kiritimati")
    assert (
        format_in_zone(deadline, kiritimati) == "Tue 17 Feb 2026, 01:59 Pacific/Kiritimati (UTC+14)"
    )
    assert to_zone(deadline, kiritimati).day == 17  # two calendar days after the AoE date
    honolulu = parse_zone("Pacific/Honolulu")
    assert format_in_zone(deadline, honolulu) == "Mon 16 Feb 2026, 01:59 HST (UTC−10)"
    samoa = parse_zone("Pacific/Pago_Pago")  # UTC−11
    assert format_in_zone(deadline, samoa).startswith("Mon 16 Feb 2026, 00:59")
    assert format_in_zone(deadline, AOE_ZONE) == "Sun 15 Feb 2026, 23:59 AoE (UTC−12)"


def test_rendering_follows_dst_in_the_readers_zone() -> None:
    london = parse_zone("Europe/London")
    assert format_in_zone(utc(2026, 3, 28, 12), london) == "Sat 28 Mar 2026, 12:00 GMT (UTC)"
    assert format_in_zone(utc(2026, 3, 29, 12), london) == "Sun 29 Mar 2026, 13:00 BST (UTC+1)"
    assert format_in_zone(utc(2026, 1, 1), parse_zone("+5:30")) == "Thu 1 Jan 2026, 05:30 UTC+5:30"


def test_countdown_and_passed() -> None:
    deadline = utc(2026, 2, 16, 11, 59)
    assert countdown(deadline, utc(2026, 2, 13, 7, 59)) == "3 days 4 hours left"
    assert countdown(deadline, utc(2026, 2, 16, 11, 58)) == "1 minute left"
    assert countdown(deadline, utc(2026, 2, 16, 11, 59, 30)) == "passed just now"
    assert countdown(deadline, utc(2026, 11, 28)) == "passed 9 months ago"
    assert humanize_span(30) == "less than a minute"
    assert humanize_span(86400 + 60) == "1 day"  # no misleading "1 day 1 minute"


def test_instants_parse_and_print_as_utc() -> None:
    assert parse_instant("2026-01-01T00:00:00Z") == utc(2026, 1, 1)
    assert parse_instant("2026-01-01T01:00:00+01:00") == utc(2026, 1, 1)
    assert iso_utc(utc(2026, 2, 16, 11, 59)) == "2026-02-16T11:59:00Z"
    with pytest.raises(TimeError, match="no zone"):
        parse_instant("2026-01-01T00:00:00")


def test_clocks_are_aware_utc_and_refuse_naive_times() -> None:
    clock = FixedClock(utc(2026, 1, 1))
    clock.advance(dt.timedelta(hours=1))
    assert clock.now() == utc(2026, 1, 1, 1)
    shifted = OffsetClock(utc(2026, 2, 1), base=clock)
    clock.advance(dt.timedelta(seconds=5))
    assert shifted.now() == utc(2026, 2, 1, 0, 0, 5)
    with pytest.raises(ValueError, match="naive"):
        ensure_utc(dt.datetime(2026, 1, 1))
