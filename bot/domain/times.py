"""The time model: parse what organizers write, convert, render, count down.

Every instant that leaves this module is an aware UTC ``datetime``. Local wall times
exist only while parsing and rendering. AoE ("Anywhere on Earth") is UTC−12, which
the tz database calls ``Etc/GMT+12`` (POSIX signs are inverted there). pytz is used
the way it must be: ``localize(..., is_dst=None)`` and ``astimezone``/``normalize``,
never ``tzinfo=pytz.timezone(...)``.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass
from typing import Literal

import pytz

UTC = dt.UTC
AOE_ZONE_NAME = "Etc/GMT+12"
AOE: dt.tzinfo = pytz.timezone(AOE_ZONE_NAME)

KeyDateKind = Literal["deadline", "notification", "event"]

_OFFSET_RE = re.compile(r"^(?:UTC|GMT)?\s*([+-−])\s*(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)
_WHEN_RE = re.compile(
    r"^\s*(?P<date>\d{4}-\d{2}-\d{2})"
    r"(?:[ T](?P<time>\d{1,2}:\d{2}))?"
    r"(?:\s+(?P<zone>\S.*?))?\s*$"
)


class TimeError(ValueError):
    """A time or zone that cannot be understood; the message says what to write instead."""


@dataclass(frozen=True)
class Zone:
    """A time zone as a person named it, with the tzinfo that implements it."""

    label: str
    """How to show the zone: ``AoE``, ``UTC``, ``UTC+05:30`` or an IANA name."""
    tzinfo: dt.tzinfo
    """A pytz zone (or fixed offset); localize with :func:`localize`."""

    @property
    def is_aoe(self) -> bool:
        """Whether this is Anywhere on Earth."""
        return self.label == "AoE"


@dataclass(frozen=True)
class ParsedTime:
    """A key date's time as written and the instant it means."""

    as_written: str
    """The organizers' text, unchanged."""
    at: dt.datetime
    """The instant, aware UTC."""
    zone: Zone
    """The zone the time was written in (AoE for a bare date)."""
    date_only: bool
    """True when no time of day was written."""


AOE_ZONE = Zone("AoE", AOE)
UTC_ZONE = Zone("UTC", pytz.utc)


def fixed_offset_zone(minutes: int) -> Zone:
    """Return a zone at a fixed offset from UTC, labelled ``UTC±HH:MM``."""
    if minutes == 0:
        return UTC_ZONE
    if abs(minutes) > 14 * 60:
        raise TimeError(f"offset {minutes / 60:+g} h is outside UTC−14…UTC+14")
    sign = "+" if minutes > 0 else "-"
    hours, mins = divmod(abs(minutes), 60)
    return Zone(f"UTC{sign}{hours:02d}:{mins:02d}", pytz.FixedOffset(minutes))


def parse_offset(text: str) -> int | None:
    """Return the minutes of ``UTC+8``, ``UTC-05:30``, ``+5:30`` or ``GMT+1``; None if not one."""
    match = _OFFSET_RE.match(text.strip())
    if not match:
        return None
    sign, hours, minutes = match.group(1), int(match.group(2)), int(match.group(3) or 0)
    if minutes >= 60:
        raise TimeError(f"{text!r}: minutes must be below 60")
    total = hours * 60 + minutes
    return -total if sign in "-−" else total


def parse_zone(text: str) -> Zone:
    """Understand a zone name: ``AoE``, ``UTC``, ``UTC±H[:MM]`` or an IANA name.

    An unknown name is an error, never a silent fallback to UTC.
    """
    name = text.strip()
    if not name:
        raise TimeError("empty time zone")
    if name.lower() in {"aoe", "anywhere on earth", AOE_ZONE_NAME.lower()}:
        return AOE_ZONE
    if name.upper() in {"UTC", "GMT", "Z", "ETC/UTC"}:
        return UTC_ZONE
    minutes = parse_offset(name)
    if minutes is not None:
        return fixed_offset_zone(minutes)
    try:
        return Zone(name, pytz.timezone(name))
    except pytz.UnknownTimeZoneError:
        hint = _zone_hint(name)
        raise TimeError(
            f"unknown time zone {name!r}; write AoE, UTC, UTC+8, UTC-05:30 or an IANA name"
            f" such as Europe/London{hint}"
        ) from None


def _zone_hint(name: str) -> str:
    """Suggest the IANA names closest to a misspelt one."""
    close = difflib.get_close_matches(name, pytz.all_timezones, n=2, cutoff=0.75)
    return f" (did you mean {' or '.join(close)}?)" if close else ""


def localize(wall: dt.datetime, zone: Zone) -> dt.datetime:
    """Turn a naive wall time in ``zone`` into an aware UTC instant.

    A wall time that does not exist (the spring-forward gap) or exists twice (the
    fall-back overlap) is an error: a deadline must never be guessed.
    """
    if wall.tzinfo is not None:
        raise TimeError("localize expects a wall time without a zone")
    tz = zone.tzinfo
    try:
        if isinstance(tz, pytz.BaseTzInfo):
            aware = tz.localize(wall, is_dst=None)
        else:  # a datetime.timezone (fixed offset) has no DST
            aware = wall.replace(tzinfo=tz)
    except pytz.NonExistentTimeError:
        raise TimeError(
            f"{wall:%Y-%m-%d %H:%M} does not exist in {zone.label}: the clocks jump forward"
            " then; pick another time or write it with a UTC offset"
        ) from None
    except pytz.AmbiguousTimeError:
        raise TimeError(
            f"{wall:%Y-%m-%d %H:%M} happens twice in {zone.label}: the clocks go back then;"
            " write it with a UTC offset (e.g. UTC+01:00) to say which"
        ) from None
    return aware.astimezone(UTC)


def default_time_for_bare_date(kind: KeyDateKind) -> dt.time:
    """Return the wall time a bare date means for a key date of ``kind``.

    A deadline runs until 23:59 of that day; a notification or an event starts at 00:00.
    """
    return dt.time(23, 59) if kind == "deadline" else dt.time(0, 0)


def parse_when(text: str, kind: KeyDateKind, *, date_zone: Zone = AOE_ZONE) -> ParsedTime:
    """Parse a key date as organizers write it.

    Accepted: ``2026-02-15 23:59 AoE``, the same with ``UTC``, ``UTC+8``, ``UTC-05:30``
    or an IANA zone name, a date with a zone (``2026-03-15 AoE``), and a bare date
    (``2026-03-15``). A bare date is read in ``date_zone`` (AoE unless the caller says
    otherwise) at :func:`default_time_for_bare_date`. A time without a zone is refused.
    """
    written = str(text).strip()
    match = _WHEN_RE.match(written)
    if not match:
        raise TimeError(
            f"{written!r} is not a date; write e.g. '2026-02-15 23:59 AoE', "
            "'2026-02-15 09:00 Europe/London' or '2026-02-15'"
        )
    try:
        day = dt.date.fromisoformat(match.group("date"))
    except ValueError as exc:
        raise TimeError(f"{match.group('date')!r} is not a calendar date ({exc})") from None
    time_text, zone_text = match.group("time"), match.group("zone")
    if time_text is not None:
        hours, minutes = (int(part) for part in time_text.split(":"))
        if hours > 23 or minutes > 59:
            raise TimeError(f"{time_text!r} is not a time of day (00:00 to 23:59)")
        wall_time = dt.time(hours, minutes)
        if zone_text is None:
            raise TimeError(
                f"{written!r} has a time but no zone; add AoE, UTC, UTC+8 or an IANA name"
            )
    else:
        wall_time = default_time_for_bare_date(kind)
    zone = parse_zone(zone_text) if zone_text is not None else date_zone
    at = localize(dt.datetime.combine(day, wall_time), zone)
    return ParsedTime(as_written=written, at=at, zone=zone, date_only=time_text is None)


def parse_instant(text: str) -> dt.datetime:
    """Parse an ISO 8601 instant with a zone (``2026-01-01T00:00:00Z``) into aware UTC."""
    raw = text.strip()
    try:
        value = dt.datetime.fromisoformat(raw.replace("z", "Z"))
    except ValueError:
        raise TimeError(
            f"{raw!r} is not an ISO 8601 instant; write e.g. 2026-01-01T00:00:00Z"
        ) from None
    if value.tzinfo is None:
        raise TimeError(f"{raw!r} has no zone; end it with Z or an offset such as +01:00")
    return value.astimezone(UTC)


def to_zone(instant: dt.datetime, zone: Zone) -> dt.datetime:
    """Return ``instant`` as a wall time in ``zone`` (aware, correct across DST)."""
    local = instant.astimezone(zone.tzinfo)
    if isinstance(zone.tzinfo, pytz.BaseTzInfo):
        local = zone.tzinfo.normalize(local)
    return local


def utc_offset_label(local: dt.datetime) -> str:
    """Return ``UTC+14``, ``UTC−12`` or ``UTC+05:30`` for an aware local time."""
    offset = local.utcoffset() or dt.timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    if minutes == 0:
        return "UTC"
    sign = "+" if minutes > 0 else "−"
    hours, mins = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{mins:02d}" if mins else "")


def format_in_zone(instant: dt.datetime, zone: Zone, *, with_time: bool = True) -> str:
    """Render an instant in a zone: ``Sun 15 Feb 2026, 23:59 AoE (UTC−12)``."""
    local = to_zone(instant, zone)
    day = f"{local:%a} {local.day} {local:%b %Y}"
    if not with_time:
        return day
    return f"{day}, {local:%H:%M} {zone_label_at(local, zone)}"


def zone_label_at(local: dt.datetime, zone: Zone) -> str:
    """Name the zone of a local time: ``AoE (UTC−12)``, ``BST (UTC+1)``, ``UTC+5:30``."""
    offset = utc_offset_label(local)
    if zone.is_aoe:
        return f"AoE ({offset})"
    if "/" not in zone.label:  # UTC or a fixed offset: the offset says it all
        return offset
    abbreviation = local.tzname() or ""
    name = abbreviation if abbreviation.isalpha() else zone.label
    return f"{name} ({offset})"


def iso_utc(instant: dt.datetime) -> str:
    """Return ``2026-02-16T11:59:00Z`` for an instant."""
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


_UNITS: tuple[tuple[str, int], ...] = (
    ("year", 365 * 86400),
    ("month", 30 * 86400),
    ("week", 7 * 86400),
    ("day", 86400),
    ("hour", 3600),
    ("minute", 60),
)


def humanize_span(seconds: float, *, parts: int = 2) -> str:
    """Return ``3 days 4 hours``: the largest ``parts`` non-zero units of a duration."""
    remaining = int(abs(seconds))
    pieces: list[str] = []
    for name, size in _UNITS:
        if name == "week" and remaining >= 30 * 86400:
            continue
        count, remaining = divmod(remaining, size)
        if count:
            pieces.append(f"{count} {name}{'s' if count != 1 else ''}")
        elif pieces:
            break  # "1 month 2 hours" would mislead; stop at the first gap
        if len(pieces) == parts:
            break
    return " ".join(pieces) if pieces else "less than a minute"


def countdown(instant: dt.datetime, now: dt.datetime) -> str:
    """Return ``3 days 4 hours left`` or ``passed 9 months ago``."""
    delta = (instant - now).total_seconds()
    if delta > 0:
        return f"{humanize_span(delta)} left"
    if delta > -60:
        return "passed just now"
    return f"passed {humanize_span(delta, parts=1)} ago"
