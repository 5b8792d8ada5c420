"""The trackers' time conventions: what a date and zone they write means as a UTC instant.

Both trackers write ``'YYYY-MM-DD HH:MM:SS'`` with a zone beside it, but read zones their
own way (each rule below follows the tracker's code):

- ccf-deadlines: ``AoE`` is UTC−12; ``UTC`` / ``UTC±N`` are that offset; ``PT`` is US
  Pacific time decided by the *date*, as the tracker does: UTC−7 from the second Sunday
  of March to the day before the first Sunday of November, else UTC−8 (written here as
  that fixed offset, so even the small hours of a switch day mean what they mean there).
- ai-deadlines: ``AoE`` is UTC−12; ``UTC±N`` and ``GMT±N`` are that offset (the plain sign,
  not the tz database's inverted ``Etc/GMT±N``); ``UTC``/``GMT`` are UTC; any other name is
  an IANA zone. Its site falls back to UTC for a missing or unreadable zone: here that is
  reported, never guessed.

A time that does not exist or exists twice in its zone (a daylight-saving switch) is
reported too.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

import pytz

UTC = dt.UTC

Convention = Literal["ccf-deadlines", "ai-deadlines"]

_WALL = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})[ T]+(?P<h>\d{1,2}):(?P<m>\d{2})(?::(?P<s>\d{2}))?$"
)
_CCF_OFFSET = re.compile(r"^UTC([+-])(\d{1,2})$")
_AI_GMT = re.compile(r"^GMT([+-])(\d+)$")  # as the tracker's site: GMT in capitals only
_AI_UTC = re.compile(r"^UTC([+-])(\d+)$", re.IGNORECASE)


class TrackerTimeError(ValueError):
    """A date or zone the tracker's convention does not give one instant for."""


@dataclass(frozen=True)
class ZoneRule:
    """A tracker's zone, read by its convention."""

    written: str
    """The zone as the tracker wrote it (``AoE``, ``UTC-8``, ``GMT+02``, ``PT``)."""
    notation: str
    """The same zone in this project's notation (``AoE``, ``UTC-8``, ``America/Los_Angeles``)."""
    offset_minutes: int | None
    """A fixed offset east of UTC; None for a zone with daylight saving (``tz`` then)."""
    tz: pytz.BaseTzInfo | None = None
    us_pacific_by_date: bool = False
    """ccf-deadlines' ``PT``: the offset depends on the date (see :func:`read_time`)."""


@dataclass(frozen=True)
class TrackerTime:
    """A tracker's date and zone, and the instant they mean."""

    written: str
    """The date as the tracker wrote it, e.g. ``2025-11-13 23:59:59``."""
    zone: ZoneRule
    wall: dt.datetime
    """The wall time (naive), seconds included."""
    at: dt.datetime
    """The exact instant, aware UTC."""


_AOE = ZoneRule("AoE", "AoE", -12 * 60)


def _fixed(written: str, sign: str, hours: str) -> ZoneRule:
    value = int(hours)
    if value > 14:
        raise TrackerTimeError(f"time zone {written!r}: offset {sign}{value} h is beyond ±14 h")
    minutes = -value * 60 if sign == "-" else value * 60
    notation = "UTC" if minutes == 0 else f"UTC{sign}{value}"
    return ZoneRule(written, notation, minutes)


def read_zone(text: object, convention: Convention) -> ZoneRule:
    """Read a zone the way ``convention``'s tracker does; raise for one it cannot read."""
    if not isinstance(text, str) or not text.strip():
        raise TrackerTimeError("no time zone given")
    written = text.strip()
    if written == "AoE":
        return _AOE
    if convention == "ccf-deadlines":
        if written == "UTC":
            return ZoneRule(written, "UTC", 0)
        if written == "PT":
            return ZoneRule(written, "UTC-8", -8 * 60, us_pacific_by_date=True)
        match = _CCF_OFFSET.match(written)
        if match:
            return _fixed(written, match.group(1), match.group(2))
        raise TrackerTimeError(
            f"time zone {written!r} is not one ccf-deadlines defines (AoE, UTC, UTC±N, PT)"
        )
    match = _AI_GMT.match(written) or _AI_UTC.match(written)
    if match:
        return _fixed(written, match.group(1), match.group(2))
    if written.upper() in {"UTC", "GMT"}:
        return ZoneRule(written, "UTC", 0)
    if written.upper().startswith(("UTC", "GMT")):
        raise TrackerTimeError(
            f"time zone {written!r} cannot be read (write UTC±N, GMT±N, AoE or an IANA name);"
            " the tracker's site would silently use UTC"
        )
    if written in pytz.all_timezones_set:
        return ZoneRule(written, written, None, pytz.timezone(written))
    raise TrackerTimeError(f"time zone {written!r} is neither AoE, UTC±N, GMT±N nor an IANA name")


def read_time(text: object, zone: ZoneRule) -> TrackerTime:
    """Read ``'YYYY-MM-DD HH:MM[:SS]'`` in ``zone``; raise for TBD, a bare date or a bad time."""
    if not isinstance(text, str) or not text.strip():
        raise TrackerTimeError("no date given")
    written = text.strip()
    if written.upper() == "TBD":
        raise TrackerTimeError("date to be decided (TBD)")
    match = _WALL.match(written)
    if not match:
        raise TrackerTimeError(
            f"{written!r} is not 'YYYY-MM-DD HH:MM:SS' (a date without a time is not guessed)"
        )
    try:
        day = dt.date.fromisoformat(match["date"])
        wall_time = dt.time(int(match["h"]), int(match["m"]), int(match["s"] or 0))
    except ValueError as exc:
        raise TrackerTimeError(f"{written!r} is not a calendar date and time ({exc})") from None
    wall = dt.datetime.combine(day, wall_time)
    if zone.us_pacific_by_date and _us_daylight_saving(day):
        zone = ZoneRule(zone.written, "UTC-7", -7 * 60, us_pacific_by_date=True)
    return TrackerTime(written, zone, wall, instant(wall, zone))


def _nth_sunday(year: int, month: int, n: int) -> dt.date:
    first = dt.date(year, month, 1)
    return first + dt.timedelta(days=(6 - first.weekday()) % 7 + 7 * (n - 1))


def _us_daylight_saving(day: dt.date) -> bool:
    """The US rule by date: from March's second Sunday to November's first Sunday."""
    return _nth_sunday(day.year, 3, 2) <= day < _nth_sunday(day.year, 11, 1)


def instant(wall: dt.datetime, zone: ZoneRule) -> dt.datetime:
    """Return the UTC instant of a wall time in ``zone``; raise when it is not one instant."""
    if zone.offset_minutes is not None:
        return (wall - dt.timedelta(minutes=zone.offset_minutes)).replace(tzinfo=UTC)
    assert zone.tz is not None
    try:
        return zone.tz.localize(wall, is_dst=None).astimezone(UTC)
    except pytz.NonExistentTimeError:
        raise TrackerTimeError(
            f"{wall:%Y-%m-%d %H:%M:%S} does not exist in {zone.written} (clocks jump forward)"
        ) from None
    except pytz.AmbiguousTimeError:
        raise TrackerTimeError(
            f"{wall:%Y-%m-%d %H:%M:%S} happens twice in {zone.written} (clocks go back)"
        ) from None
