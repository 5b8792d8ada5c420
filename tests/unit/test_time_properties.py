"""Property tests of the time model against an independent oracle (zoneinfo on tzdata).

Zones with DST in both hemispheres (Lord Howe's 30-minute shift, Chatham's :45 offsets,
switches at midnight in Santiago, Beirut and Cairo), instants around every switch of
2026–2028, offsets, and countdowns. pytz is what the bot uses; the oracle reads the same
tz database through the standard library, with its own rules for gaps and folds.
"""

from __future__ import annotations

import datetime as dt
import importlib.resources
import re
import zoneinfo
from functools import cache

import pytz
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from bot.domain.model import Event, KeyDate
from bot.domain.plan import all_reminders
from bot.domain.times import (
    TimeError,
    humanize_span,
    parse_offset,
    parse_when,
    parse_zone,
    span_units,
    start_of_day,
)

UTC = dt.UTC
ZONES = (
    "Europe/London",
    "Europe/Berlin",
    "Europe/Chisinau",
    "America/New_York",
    "America/Los_Angeles",
    "America/St_Johns",
    "America/Santiago",
    "Asia/Beirut",
    "Africa/Cairo",
    "Australia/Sydney",
    "Australia/Adelaide",
    "Australia/Lord_Howe",
    "Pacific/Auckland",
    "Pacific/Chatham",
)
OFFSETS = ("7d", "3d", "1d", "3h", "1d 12h", "30m", "2w", "on the day")


@cache
def oracle(name: str) -> zoneinfo.ZoneInfo:
    """The zone as the standard library reads it from the tzdata package."""
    source = importlib.resources.files("tzdata.zoneinfo").joinpath(*name.split("/"))
    with source.open("rb") as handle:
        return zoneinfo.ZoneInfo.from_file(handle, key=name)


@cache
def switches(name: str) -> tuple[dt.datetime, ...]:
    """Every DST switch of a zone in 2026–2028, aware UTC."""
    tz = pytz.timezone(name)
    times = getattr(tz, "_utc_transition_times", [])
    return tuple(t.replace(tzinfo=UTC) for t in times if 2026 <= t.year <= 2028)


def test_every_zone_switches_in_every_year() -> None:
    for name in ZONES:
        years = {t.year for t in switches(name)}
        assert years == {2026, 2027, 2028}, name


@st.composite
def near_a_switch(draw: st.DrawFn) -> tuple[str, dt.datetime]:
    """A zone and a whole-minute instant within three days of one of its switches."""
    name = draw(st.sampled_from(ZONES))
    switch = draw(st.sampled_from(switches(name)))
    minutes = draw(st.integers(-3 * 24 * 60, 3 * 24 * 60))
    return name, switch + dt.timedelta(minutes=minutes)


def oracle_wall(name: str, wall: dt.datetime) -> list[dt.datetime]:
    """The instants a wall time names in a zone: none (a gap), one, or two (a fold)."""
    tz = oracle(name)
    found = set()
    for fold in (0, 1):
        instant = wall.replace(tzinfo=tz, fold=fold).astimezone(UTC)
        if instant.astimezone(tz).replace(tzinfo=None) == wall:  # exists as written
            found.add(instant)
    return sorted(found)


def oracle_start_of_day(name: str, day: dt.date, before: dt.datetime) -> dt.datetime:
    """The first quarter-hour instant whose local date is ``day``, scanning up to ``before``."""
    tz = oracle(name)
    # At 00:00 UTC the day before, it is at most 14:00 anywhere: still the day before.
    instant = dt.datetime.combine(day - dt.timedelta(days=1), dt.time(0), tzinfo=UTC)
    while instant.astimezone(tz).date() != day:
        instant += dt.timedelta(minutes=15)
        assert instant <= before
    return instant


@settings(max_examples=300, deadline=None)
@given(near_a_switch())
@example(("Europe/London", dt.datetime(2026, 3, 29, 12, tzinfo=UTC)))
@example(("America/Los_Angeles", dt.datetime(2026, 11, 1, 20, tzinfo=UTC)))
@example(("Australia/Lord_Howe", dt.datetime(2026, 4, 5, 1, 0, tzinfo=UTC)))
def test_a_written_time_is_the_instant_the_zones_rules_say(case: tuple[str, dt.datetime]) -> None:
    name, instant = case
    wall = instant.astimezone(oracle(name)).replace(tzinfo=None)
    written = f"{wall:%Y-%m-%d %H:%M} {name}"
    expected = oracle_wall(name, wall)
    if len(expected) == 1:
        assert parse_when(written, "deadline").at == expected[0]
    else:  # a gap or a fold: refused, never guessed
        try:
            parse_when(written, "deadline")
        except TimeError as error:
            assert ("does not exist" in str(error)) == (not expected)
            assert ("happens twice" in str(error)) == (len(expected) == 2)
        else:
            raise AssertionError(f"{written} was read although it names {len(expected)} instants")


@settings(max_examples=300, deadline=None)
@given(near_a_switch(), st.sampled_from(["notification", "deadline", "event"]))
@example(("Europe/London", dt.datetime(2026, 3, 29, 11, tzinfo=UTC)), "notification")
@example(("Australia/Lord_Howe", dt.datetime(2026, 10, 4, 1, 0, tzinfo=UTC)), "notification")
@example(("America/Santiago", dt.datetime(2026, 9, 6, 15, 0, tzinfo=UTC)), "notification")
def test_every_reminder_fires_at_the_rule_applied_with_the_zones_real_rules(
    case: tuple[str, dt.datetime], kind: str
) -> None:
    name, instant = case
    wall = instant.astimezone(oracle(name)).replace(tzinfo=None)
    assume(len(oracle_wall(name, wall)) == 1)
    when = parse_when(f"{wall:%Y-%m-%d %H:%M} {name}", kind)  # type: ignore[arg-type]
    kd = KeyDate("kd", "A date", kind, when.as_written, when.at, when.zone, reminders=OFFSETS)  # type: ignore[arg-type]
    event = Event("ev", "Event", "Ev", "https://example.org", (kd,), "test")
    fired = {r.offset.label: r.fire_at for r in all_reminders([event])}
    durations = {"7d": 7 * 86400, "3d": 3 * 86400, "1d": 86400, "3h": 3 * 3600}
    durations |= {"1d12h": 36 * 3600, "30m": 1800, "14d": 14 * 86400}
    for label, seconds in durations.items():
        assert fired[label] == kd.at - dt.timedelta(seconds=seconds), label  # elapsed time
    midnight = oracle_start_of_day(name, wall.date(), kd.at)
    assert fired["on-the-day"] == midnight
    assert start_of_day(wall.date(), parse_zone(name)) == midnight


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(ZONES).flatmap(
        lambda name: st.tuples(st.just(name), st.sampled_from(switches(name)))
    ),
    st.integers(-2, 2),
)
def test_start_of_day_on_and_around_switch_days(case: tuple[str, dt.datetime], shift: int) -> None:
    name, switch = case
    day = switch.astimezone(oracle(name)).date() + dt.timedelta(days=shift)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(12), tzinfo=UTC)
    expected = oracle_start_of_day(name, day, end)
    assert start_of_day(day, parse_zone(name)) == expected
    # An event day written as a bare date at a venue in that zone starts then too.
    venue = parse_zone(name)
    assert parse_when(f"{day:%Y-%m-%d}", "event", date_zone=venue).at == expected


SIGNS = st.sampled_from(["+", "-", "−"])


@given(SIGNS, st.integers(0, 14), st.sampled_from([0, 15, 30, 45]), st.integers(0, 4))
def test_every_written_form_of_an_offset_reads_the_same(
    sign: str, hours: int, minutes: int, form: int
) -> None:
    assume(hours < 14 or minutes == 0)
    text = [
        f"UTC{sign}{hours}:{minutes:02d}",
        f"GMT{sign}{hours:02d}:{minutes:02d}",
        f"{sign}{hours:02d}{minutes:02d}",
        f"UTC {sign} {hours}:{minutes:02d}",
        f"gmt{sign}{hours}" + (f":{minutes:02d}" if minutes else ""),
    ][form]
    expected = (hours * 60 + minutes) * (1 if sign == "+" else -1)
    assert parse_offset(text) == expected
    zone = parse_zone(text)
    written = parse_when(f"2027-06-01 12:00 {text}", "deadline").at
    assert written == dt.datetime(2027, 6, 1, 12, tzinfo=UTC) - dt.timedelta(minutes=expected)
    assert zone.label == "UTC" or zone.label.startswith("UTC")


@given(st.text(max_size=12))
def test_an_offset_is_never_read_without_a_sign(text: str) -> None:
    assume(not re.search(r"[+\-−]", text))
    assert parse_offset(text) is None


@given(st.text(max_size=40))
def test_any_text_is_a_time_or_a_time_error_naming_it(text: str) -> None:
    try:
        parse_when(f"2026-05-15 {text}", "deadline")
    except TimeError as error:
        assert str(error)


UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400, "week": 7 * 86400}


@given(st.integers(0, 3 * 365 * 86400), st.sampled_from([1, 2]))
@example(7 * 86400 - 3, 2)
@example(3 * 3600 - 3, 2)
@example(36 * 86400 + 23 * 3600, 2)
@example(285 * 86400, 1)
def test_a_countdown_is_never_off_by_more_than_its_smallest_unit(seconds: int, parts: int) -> None:
    units = span_units(seconds, parts=parts)
    text = humanize_span(seconds, parts=parts)
    if not units:
        assert text == "less than a minute" and seconds < 60
        return
    shown = sum(n * size for n, _name, size in units)
    smallest = min(size for _n, _name, size in units)
    assert abs(shown - seconds) <= smallest / 2 + 1e-6, (seconds, text)
    assert len(units) <= parts
    for n, name, _size in units:
        assert f"{n} {name}{'s' if n != 1 else ''}" in text
    assert not re.search(r"\b0 ", text)  # never "1 day 0 hours"
