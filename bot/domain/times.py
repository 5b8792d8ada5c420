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

from bot.domain.zone_abbreviations import lookup_abbreviation

UTC = dt.UTC
AOE_ZONE_NAME = "Etc/GMT+12"
AOE: dt.tzinfo = pytz.timezone(AOE_ZONE_NAME)

KeyDateKind = Literal["deadline", "notification", "event"]

_OFFSET_RE = re.compile(
    r"^(?:UTC|GMT)?\s*(?P<sign>[+\-\u2212])\s*(?P<hours>\d{1,2})(?::?(?P<minutes>\d{2}))?$",
    re.IGNORECASE,
)
"""``UTC+8``, ``GMT-05:30``, ``+0530``, ``UTC−3``: a sign (``+``, ``-`` or ``−``) is required."""
_UNSIGNED_RE = re.compile(r"^(?:(?:UTC|GMT)\s*)?\d{1,2}(?::?\d{2})?$", re.IGNORECASE)
_DATE_RE = re.compile(r"^\s*(?P<date>\d{4}-\d{2}-\d{2})(?:(?:\s+|T)(?P<rest>.*?))?\s*$")
_TIME_RE = re.compile(
    r"^(?P<hours>\d{1,2}):(?P<minutes>\d{2})(?::(?P<seconds>\d{2}))?"
    r"(?:\s*(?P<half>[AaPp])\.?\s*[Mm]\.?)?"
    r"(?=$|[\s(Zz+\-\u2212])"
)
_TIME_TOKEN_RE = re.compile(r"^\S+(?:\s+[AaPp]\.?\s*[Mm]\.?(?=$|\s))?")


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
    """Return the minutes of ``UTC+8``, ``UTC-05:30``, ``+5:30`` or ``GMT+1``; None if not one.

    The sign is required: ``UTC 12``, ``12`` or ``A5`` are not offsets.
    """
    match = _OFFSET_RE.match(text.strip())
    if not match:
        return None
    sign, hours = match.group("sign"), int(match.group("hours"))
    minutes = int(match.group("minutes") or 0)
    if minutes >= 60:
        raise TimeError(f"{text.strip()!r}: the minutes of an offset must be below 60")
    total = hours * 60 + minutes
    return total if sign == "+" else -total


def parse_zone(text: str) -> Zone:
    """Understand a zone name: ``AoE``, ``UTC``, ``UTC±H[:MM]``, ``GMT±H`` or an IANA name.

    An unknown name is an error, never a silent fallback to UTC. An abbreviation such as
    ``PST`` or ``CET`` is refused with a hint (it names a clock's winter or summer time,
    not a place), even where the tz database has a zone of that name (``EST``, ``MST``).
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
    if _UNSIGNED_RE.match(name):
        raise TimeError(
            f"{name!r} is not a time zone: an offset needs a sign; write UTC+{_digits(name)}"
            f" or UTC-{_digits(name)}"
        )
    abbreviation = lookup_abbreviation(name)
    if abbreviation is not None:
        raise TimeError(f"{name!r} is an abbreviation, not a time zone; {abbreviation.hint()}")
    try:
        return Zone(name, pytz.timezone(name))
    except pytz.UnknownTimeZoneError:
        hint = _zone_hint(name)
        raise TimeError(
            f"unknown time zone {name!r}; write AoE, UTC, UTC+8, UTC-05:30 or an IANA name"
            f" such as Europe/London{hint}"
        ) from None


def stored_zone(text: str | None) -> Zone | None:
    """Return the zone a chat chose and the bot stored; None if none, or no longer readable."""
    if not text:
        return None
    try:
        return parse_zone(text)
    except ValueError:  # TimeError: a name the tz database no longer knows
        return None


def _digits(text: str) -> str:
    """Return the number part of an unsigned offset (``UTC 12`` → ``12``)."""
    return re.sub(r"^(?:UTC|GMT)\s*", "", text, flags=re.IGNORECASE)


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
    """Parse a key date as organizers and the public trackers write it.

    Accepted: a date (``2026-02-15``), then optionally a time of day (``23:59``,
    ``23:59:59``, ``11:59 PM``) and a zone (``AoE``, ``UTC``, ``UTC+8``, ``UTC-05:30``,
    ``GMT+10``, an IANA name, any of them in parentheses: ``(AoE)``); ISO 8601 with
    ``T`` and ``Z`` or ``+02:00`` too. A bare date is read in ``date_zone`` (AoE unless the
    caller says otherwise) at :func:`default_time_for_bare_date`; a time without a zone
    is refused. A refusal names the part that is wrong.
    """
    written = str(text).strip()
    match = _DATE_RE.match(written)
    if not match:
        raise TimeError(
            f"{written!r} does not start with a date; write e.g. '2026-02-15 23:59 AoE', "
            "'2026-02-15 09:00 Europe/London' or '2026-02-15'"
        )
    try:
        day = dt.date.fromisoformat(match.group("date"))
    except ValueError as exc:
        raise TimeError(f"{match.group('date')!r} is not a calendar date ({exc})") from None
    rest = match.group("rest") or ""
    wall_time: dt.time | None = None
    zone_text: str | None = rest or None
    if rest[:1].isdigit():
        wall_time, zone_text = _split_time(rest)
        if zone_text is None:
            raise TimeError(
                f"{written!r} has a time but no zone; add AoE, UTC, UTC+8 or an IANA name"
            )
    if zone_text is not None:
        zone_text = _unwrap(zone_text)
    zone = parse_zone(zone_text) if zone_text is not None else date_zone
    if wall_time is None:
        default = default_time_for_bare_date(kind)
        at = (
            start_of_day(day, zone)
            if default == dt.time(0, 0)
            else localize(dt.datetime.combine(day, default), zone)
        )
    else:
        at = localize(dt.datetime.combine(day, wall_time), zone)
    return ParsedTime(as_written=written, at=at, zone=zone, date_only=wall_time is None)


def _split_time(rest: str) -> tuple[dt.time, str | None]:
    """Split ``23:59:59 AoE`` into the time of day and the zone text (None when absent)."""
    match = _TIME_RE.match(rest)
    token_match = _TIME_TOKEN_RE.match(rest)
    token = token_match.group(0) if token_match else rest
    how = "write it as 23:59, 23:59:59 or 11:59 PM"
    if not match:
        raise TimeError(f"{token!r} is not a time of day; {how}")
    hours, minutes = int(match.group("hours")), int(match.group("minutes"))
    seconds = int(match.group("seconds") or 0)
    half = (match.group("half") or "").upper()
    shown = match.group(0).strip()
    if minutes > 59 or seconds > 59:
        raise TimeError(f"{shown!r} is not a time of day; {how}")
    if half:
        if not 1 <= hours <= 12:
            raise TimeError(f"{shown!r} is not a time of day: with AM/PM the hour is 1 to 12")
        hours = hours % 12 + (12 if half == "P" else 0)
    elif hours > 23:
        raise TimeError(f"{shown!r} is not a time of day (00:00 to 23:59:59)")
    zone_text = rest[match.end() :].strip()
    return dt.time(hours, minutes, seconds), zone_text or None


def _unwrap(zone_text: str) -> str:
    """Return ``AoE`` for ``(AoE)``; refuse an unbalanced parenthesis by name."""
    text = zone_text.strip()
    if text.startswith("(") and text.endswith(")"):
        return text[1:-1].strip()
    if "(" in text or ")" in text:
        raise TimeError(f"{text!r} is not one zone; write it as AoE or (AoE), UTC-12 or (UTC-12)")
    return text


def start_of_day(day: dt.date, zone: Zone) -> dt.datetime:
    """Return the first instant of ``day`` in ``zone``, aware UTC: its real midnight.

    Where the clocks jump at midnight the day starts at the jump (e.g. 01:00), and where
    midnight happens twice it starts at the first one. Elapsed time, never wall time.
    """
    midnight = dt.datetime.combine(day, dt.time(0, 0))
    tz = zone.tzinfo
    if not isinstance(tz, pytz.BaseTzInfo):
        return midnight.replace(tzinfo=tz).astimezone(UTC)
    candidates = [tz.localize(midnight, is_dst=flag).astimezone(UTC) for flag in (True, False)]
    on_the_day = [at for at in candidates if to_zone(at, zone).date() == day]
    return min(on_the_day or candidates)


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


_MINUTE, _HOUR, _DAY = 60, 3600, 86400
_YEAR = 365 * _DAY

_LEVELS: tuple[tuple[int, tuple[tuple[str, float], ...]], ...] = (
    (_YEAR, (("year", _YEAR), ("month", _YEAR / 12))),
    (60 * _DAY, (("month", 30 * _DAY), ("day", _DAY))),
    (_DAY, (("day", _DAY), ("hour", _HOUR))),
    (_HOUR, (("hour", _HOUR), ("minute", _MINUTE))),
    (_MINUTE, (("minute", _MINUTE),)),
)
"""From the longest spans down: the least span a level shows and its units, in seconds.
A month is 30 days below a year and a twelfth of 365 days beside years. Spans under 60
days are counted in days: "36 days 23 hours" reads better than a month of unsaid length."""


def span_units(seconds: float, *, parts: int = 2) -> tuple[tuple[int, str, float], ...]:
    """Return the (count, unit, unit seconds) a span is shown in, rounded to the nearest.

    The span is rounded to the smallest unit shown, so it is never off by more than half
    of that unit: seven days less a few seconds is 7 days, not 6 days 23 hours.
    """
    span = abs(seconds)
    for index, (least, units) in enumerate(_LEVELS):
        # A level is used when the span, as the level below would round it, reaches it:
        # 23 h 59 min 55 s is "1 day", but 285 days is "9 months", not "1 year".
        below = _LEVELS[index + 1][1][: max(parts, 1)][-1][1] if index + 1 < len(_LEVELS) else 1
        if round(span / below) * below < least:
            continue
        shown = units[: max(parts, 1)]
        smallest = shown[-1][1]
        count = round(span / smallest)
        if len(shown) == 1:
            return ((count, shown[0][0], smallest),)
        big, small = divmod(count, round(shown[0][1] / smallest))
        return tuple(
            (n, name, size)
            for n, (name, size) in zip((big, small), shown, strict=True)
            if n  # "1 day", never "1 day 0 hours"
        )
    return ()


def humanize_span(seconds: float, *, parts: int = 2) -> str:
    """Return ``3 days 4 hours``: a duration in at most ``parts`` units, rounded to the nearest."""
    units = span_units(seconds, parts=parts)
    if not units:
        return "less than a minute"
    return " ".join(f"{n} {name}{'s' if n != 1 else ''}" for n, name, _size in units)


def countdown(instant: dt.datetime, now: dt.datetime) -> str:
    """Return ``3 days 4 hours left`` or ``passed 9 months ago``."""
    delta = (instant - now).total_seconds()
    if delta > 0:
        return f"{humanize_span(delta)} left"
    if delta > -60:
        return "passed just now"
    return f"passed {humanize_span(delta, parts=1)} ago"
