"""Understand what a person types as their time zone: a zone, a city, a country, an offset."""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Sequence
from dataclasses import dataclass

import pytz

from bot.domain.times import AOE_ZONE, TimeError, Zone, parse_offset, parse_zone

# A few places people name that are not zone-database cities.
CITY_ALIASES: dict[str, str] = {
    "edinburgh": "Europe/London",
    "glasgow": "Europe/London",
    "manchester": "Europe/London",
    "cambridge": "Europe/London",
    "oxford": "Europe/London",
    "munich": "Europe/Berlin",
    "zurich": "Europe/Zurich",
    "geneva": "Europe/Zurich",
    "barcelona": "Europe/Madrid",
    "milan": "Europe/Rome",
    "beijing": "Asia/Shanghai",
    "shenzhen": "Asia/Shanghai",
    "hangzhou": "Asia/Shanghai",
    "delhi": "Asia/Kolkata",
    "new delhi": "Asia/Kolkata",
    "mumbai": "Asia/Kolkata",
    "bangalore": "Asia/Kolkata",
    "bengaluru": "Asia/Kolkata",
    "san francisco": "America/Los_Angeles",
    "seattle": "America/Los_Angeles",
    "boston": "America/New_York",
    "washington": "America/New_York",
    "montreal": "America/Toronto",
    "pittsburgh": "America/New_York",
    "austin": "America/Chicago",
    "seoul": "Asia/Seoul",
    "sydney": "Australia/Sydney",
    "melbourne": "Australia/Melbourne",
}


@dataclass(frozen=True)
class ZoneChoice:
    """The outcome of resolving a person's input: one zone, several to choose from, or none."""

    zone: Zone | None
    """The zone, when the input names exactly one."""
    candidates: tuple[str, ...] = ()
    """IANA names to offer as buttons when the input is ambiguous."""
    error: str | None = None
    """Why nothing matched."""


def _city_index() -> dict[str, list[str]]:
    """Map a lower-case city name ('new york') to the zones named after it."""
    index: dict[str, list[str]] = {}
    for name in pytz.common_timezones:
        city = name.rsplit("/", 1)[-1].replace("_", " ").lower()
        index.setdefault(city, []).append(name)
    for city, name in CITY_ALIASES.items():
        index.setdefault(city, []).append(name)
    return index


_CITIES = _city_index()
_COUNTRY_NAMES = {name.lower(): code for code, name in pytz.country_names.items()}


def resolve_zone(text: str) -> ZoneChoice:
    """Resolve an IANA name, a city, a country code or name, an offset, AoE or UTC."""
    query = " ".join(text.split())
    if not query:
        return ZoneChoice(None, error="empty")
    try:
        if parse_offset(query) is not None or "/" in query or query.upper() in {"UTC", "GMT"}:
            return ZoneChoice(parse_zone(query))
        if query.lower() in {"aoe", "anywhere on earth"}:
            return ZoneChoice(AOE_ZONE)
    except TimeError as exc:
        if "/" not in query:
            return ZoneChoice(None, error=str(exc))
        return ZoneChoice(None, candidates=_fuzzy(query), error=str(exc))
    lowered = query.lower()
    if lowered in _CITIES:
        names = _CITIES[lowered]
        return ZoneChoice(Zone(names[0], pytz.timezone(names[0])), candidates=tuple(names))
    code = lowered.upper() if len(lowered) == 2 else _COUNTRY_NAMES.get(lowered, "").upper()
    if code and code in pytz.country_timezones:
        zones = distinct_zones(pytz.country_timezones[code])
        if len(zones) == 1:
            return ZoneChoice(Zone(zones[0], pytz.timezone(zones[0])))
        return ZoneChoice(None, candidates=zones)
    candidates = _fuzzy(query)
    return ZoneChoice(None, candidates=candidates, error=f"no time zone called {query!r}")


_WINTER = dt.datetime(2026, 1, 15, 12, tzinfo=dt.UTC)
_SUMMER = dt.datetime(2026, 7, 15, 12, tzinfo=dt.UTC)


def distinct_zones(names: Sequence[str]) -> tuple[str, ...]:
    """Keep one zone per distinct pair of winter and summer offsets, the country's first.

    The United States has 29 zone names but eight different clocks; people choose a clock.
    """
    seen: dict[tuple[dt.timedelta, dt.timedelta], str] = {}
    for name in names:
        if not name.startswith("Antarctica/"):
            seen.setdefault(_offsets(name), name)
    return tuple(name for _, name in sorted(seen.items(), reverse=True))  # east to west


def _offsets(name: str) -> tuple[dt.timedelta, dt.timedelta]:
    """Return a zone's UTC offsets in January and July 2026."""
    tz = pytz.timezone(name)
    winter = _WINTER.astimezone(tz).utcoffset() or dt.timedelta(0)
    summer = _SUMMER.astimezone(tz).utcoffset() or dt.timedelta(0)
    return winter, summer


def _fuzzy(query: str) -> tuple[str, ...]:
    """Return up to five zone names that look like ``query``."""
    lowered = query.lower().replace(" ", "_")
    by_city = difflib_matches(lowered.rsplit("/", 1)[-1], list(_CITIES))
    names = [zone for city in by_city for zone in _CITIES[city]]
    names += difflib_matches(query, list(pytz.common_timezones))
    return tuple(dict.fromkeys(names))[:5]


def difflib_matches(word: str, options: list[str]) -> list[str]:
    """Return close matches of ``word`` among ``options``, best first."""
    return difflib.get_close_matches(word.replace("_", " "), options, n=3, cutoff=0.75)
