"""Understand what a person gives as their time zone.

An IANA name, a city with or without accents ("São Paulo", "Sao Paulo"), "City, Country",
a country (code or name), an offset, AoE or UTC, a common abbreviation (CET, PST, IST:
several zones to choose from), a place on the map (Telegram's location), or, to guess
before they say anything, their Telegram language.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import pytz
import tzfpy
from rapidfuzz import fuzz, process

from bot.domain.text import fold
from bot.domain.times import AOE_ZONE, TimeError, Zone, parse_offset, parse_zone
from bot.domain.zone_abbreviations import ZoneAbbreviation, lookup_abbreviation

# Places people name that are not zone-database cities.
CITY_ALIASES: dict[str, str] = {
    "edinburgh": "Europe/London",
    "glasgow": "Europe/London",
    "manchester": "Europe/London",
    "cambridge": "Europe/London",
    "oxford": "Europe/London",
    "munich": "Europe/Berlin",
    "munchen": "Europe/Berlin",
    "hamburg": "Europe/Berlin",
    "frankfurt": "Europe/Berlin",
    "cologne": "Europe/Berlin",
    "koln": "Europe/Berlin",
    "zurich": "Europe/Zurich",
    "geneva": "Europe/Zurich",
    "lausanne": "Europe/Zurich",
    "barcelona": "Europe/Madrid",
    "milan": "Europe/Rome",
    "milano": "Europe/Rome",
    "florence": "Europe/Rome",
    "naples": "Europe/Rome",
    "lyon": "Europe/Paris",
    "grenoble": "Europe/Paris",
    "delft": "Europe/Amsterdam",
    "eindhoven": "Europe/Amsterdam",
    "porto": "Europe/Lisbon",
    "beijing": "Asia/Shanghai",
    "shenzhen": "Asia/Shanghai",
    "hangzhou": "Asia/Shanghai",
    "delhi": "Asia/Kolkata",
    "new delhi": "Asia/Kolkata",
    "mumbai": "Asia/Kolkata",
    "bangalore": "Asia/Kolkata",
    "bengaluru": "Asia/Kolkata",
    "hyderabad": "Asia/Kolkata",
    "chennai": "Asia/Kolkata",
    "san francisco": "America/Los_Angeles",
    "seattle": "America/Los_Angeles",
    "berkeley": "America/Los_Angeles",
    "stanford": "America/Los_Angeles",
    "boston": "America/New_York",
    "washington": "America/New_York",
    "pittsburgh": "America/New_York",
    "atlanta": "America/New_York",
    "montreal": "America/Toronto",
    "austin": "America/Chicago",
    "rio de janeiro": "America/Sao_Paulo",
    "rio": "America/Sao_Paulo",
    "campinas": "America/Sao_Paulo",
    "seoul": "Asia/Seoul",
    "kyoto": "Asia/Tokyo",
    "osaka": "Asia/Tokyo",
    "sydney": "Australia/Sydney",
    "canberra": "Australia/Sydney",
    "melbourne": "Australia/Melbourne",
    "kiev": "Europe/Kyiv",
}

# Country names people write that the zone database spells otherwise.
COUNTRY_ALIASES: dict[str, str] = {
    "usa": "US",
    "united states of america": "US",
    "america": "US",
    "uk": "GB",
    "united kingdom": "GB",
    "great britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "south korea": "KR",
    "korea": "KR",
    "north korea": "KP",
    "czechia": "CZ",
    "holland": "NL",
    "the netherlands": "NL",
    "uae": "AE",
    "deutschland": "DE",
    "allemagne": "DE",
    "alemania": "DE",
    "germania": "DE",
    "alemanha": "DE",
    "brasil": "BR",
    "espana": "ES",
    "italia": "IT",
    "suisse": "CH",
    "schweiz": "CH",
    "osterreich": "AT",
    "zhongguo": "CN",
    "中国": "CN",
    "russian federation": "RU",
}

_EASTERN_STATES = """
connecticut delaware florida georgia maine maryland massachusetts michigan new-hampshire
new-jersey new-york north-carolina ohio pennsylvania rhode-island south-carolina vermont
virginia west-virginia district-of-columbia indiana kentucky ontario quebec
"""
_CENTRAL_STATES = """
alabama arkansas illinois iowa kansas louisiana minnesota mississippi missouri nebraska
north-dakota oklahoma south-dakota tennessee texas wisconsin manitoba
"""
_MOUNTAIN_STATES = "colorado idaho montana new-mexico utah wyoming alberta"
_PACIFIC_STATES = "california nevada oregon washington-state british-columbia"

REGION_ZONES: dict[str, str] = {
    **{name.replace("-", " "): "America/New_York" for name in _EASTERN_STATES.split()},
    **{name.replace("-", " "): "America/Chicago" for name in _CENTRAL_STATES.split()},
    **{name.replace("-", " "): "America/Denver" for name in _MOUNTAIN_STATES.split()},
    **{name.replace("-", " "): "America/Los_Angeles" for name in _PACIFIC_STATES.split()},
    "arizona": "America/Phoenix",
    "alaska": "America/Anchorage",
    "hawaii": "Pacific/Honolulu",
    "ontario": "America/Toronto",
    "quebec": "America/Toronto",
    "nova scotia": "America/Halifax",
    "new south wales": "Australia/Sydney",
    "victoria": "Australia/Melbourne",
    "queensland": "Australia/Brisbane",
    "western australia": "Australia/Perth",
    "south australia": "Australia/Adelaide",
}
"""States and provinces of countries with several zones: "Austin, Texas", "Ontario"."""

# What Telegram's language_code suggests, most likely first (a guess, always a choice).
LANGUAGE_ZONES: dict[str, tuple[str, ...]] = {
    "en": ("Europe/London", "America/New_York", "America/Los_Angeles"),
    "en-gb": ("Europe/London",),
    "en-us": ("America/New_York", "America/Chicago", "America/Los_Angeles"),
    "en-in": ("Asia/Kolkata",),
    "de": ("Europe/Berlin", "Europe/Vienna", "Europe/Zurich"),
    "fr": ("Europe/Paris", "Europe/Brussels", "America/Toronto"),
    "es": ("Europe/Madrid", "America/Mexico_City", "America/Argentina/Buenos_Aires"),
    "it": ("Europe/Rome",),
    "pt": ("Europe/Lisbon", "America/Sao_Paulo"),
    "pt-br": ("America/Sao_Paulo",),
    "nl": ("Europe/Amsterdam", "Europe/Brussels"),
    "pl": ("Europe/Warsaw",),
    "cs": ("Europe/Prague",),
    "sv": ("Europe/Stockholm",),
    "da": ("Europe/Copenhagen",),
    "fi": ("Europe/Helsinki",),
    "el": ("Europe/Athens",),
    "ro": ("Europe/Bucharest",),
    "uk": ("Europe/Kyiv",),
    "ru": ("Europe/Moscow",),
    "tr": ("Europe/Istanbul",),
    "he": ("Asia/Jerusalem",),
    "ar": ("Asia/Dubai", "Asia/Riyadh", "Africa/Cairo"),
    "fa": ("Asia/Tehran",),
    "hi": ("Asia/Kolkata",),
    "zh": ("Asia/Shanghai", "Asia/Hong_Kong", "Asia/Taipei"),
    "zh-hans": ("Asia/Shanghai",),
    "zh-hant": ("Asia/Taipei", "Asia/Hong_Kong"),
    "ja": ("Asia/Tokyo",),
    "ko": ("Asia/Seoul",),
    "vi": ("Asia/Ho_Chi_Minh",),
    "th": ("Asia/Bangkok",),
    "id": ("Asia/Jakarta",),
}


@dataclass(frozen=True)
class ZoneChoice:
    """The outcome of resolving a person's input: one zone, several to choose from, or none."""

    zone: Zone | None
    """The zone, when the input names exactly one."""
    candidates: tuple[str, ...] = ()
    """Zone names to offer as buttons when the input is ambiguous (IANA names or UTC±HH:MM)."""
    error: str | None = None
    """Why nothing matched."""
    abbreviation: ZoneAbbreviation | None = None
    """Set when the input was an abbreviation such as CET: the candidates are its zones."""


def _city_index() -> dict[str, list[str]]:
    """Map a folded city name ('sao paulo') to the zones named after it."""
    index: dict[str, list[str]] = {}
    for name in pytz.common_timezones:
        if "/" not in name or name.startswith("Etc/"):
            continue
        city = fold(name.rsplit("/", 1)[-1].replace("_", " "))
        index.setdefault(city, []).append(name)
    for city, name in CITY_ALIASES.items():
        if name not in index.setdefault(city, []):
            index[city].append(name)
    return index


_CITIES = _city_index()
_CITY_NAMES = list(_CITIES)
_COUNTRIES: dict[str, str] = {fold(name): code for code, name in pytz.country_names.items()}
_COUNTRIES.update({fold(name): code for name, code in COUNTRY_ALIASES.items()})
# "Korea (South)" is also "korea south"; "Britain (UK)" also "britain".
_COUNTRIES.update(
    {fold(name.split("(")[0]): code for code, name in pytz.country_names.items() if "(" in name}
)
_COUNTRY_NAMES = list(_COUNTRIES)


def _zone(name: str) -> Zone:
    return parse_zone(name)


def resolve_zone(text: str) -> ZoneChoice:
    """Resolve what a person typed as their zone (see the module docstring)."""
    query = " ".join(text.split())
    if not query:
        return ZoneChoice(None, error="empty")
    try:
        if parse_offset(query) is not None or "/" in query or query.upper() in {"UTC", "GMT"}:
            return ZoneChoice(parse_zone(query))
        if fold(query) in {"aoe", "anywhere on earth"}:
            return ZoneChoice(AOE_ZONE)
    except TimeError as exc:
        if "/" not in query:
            return ZoneChoice(None, error=str(exc))
        return ZoneChoice(None, candidates=_fuzzy(query), error=str(exc))
    abbreviation = lookup_abbreviation(query)
    if abbreviation is not None:
        return abbreviation_choice(abbreviation)
    if "," in query:
        city, _, country = query.rpartition(",")
        return _city_in_country(city, country) or resolve_zone(city)
    folded = fold(query)
    if folded in _CITIES:
        return _named(_CITIES[folded])
    code = _country_code(folded, exact=True)
    region = REGION_ZONES.get(folded)
    if code is not None and region is not None:  # Georgia: the country or the state
        both = _country_choice(code)
        return ZoneChoice(None, candidates=(*(both.candidates or (_label(both),)), region))
    if region is not None:
        return ZoneChoice(_zone(region))
    if code is not None:
        return _country_choice(code)
    close_country = _country_code(folded, exact=False)
    if close_country is not None and not _fuzzy_cities(folded):
        return _country_choice(close_country)
    candidates = _fuzzy(query)
    return ZoneChoice(None, candidates=candidates, error=f"no time zone called {query!r}")


def abbreviation_choice(abbreviation: ZoneAbbreviation) -> ZoneChoice:
    """Offer the zones an abbreviation is used for, and its fixed offset when it names one."""
    offset = abbreviation.offset_text()
    candidates = (*abbreviation.zones, *((offset,) if offset else ()))
    return ZoneChoice(None, candidates=candidates, abbreviation=abbreviation)


def _named(names: Sequence[str]) -> ZoneChoice:
    """One zone, or several when a city name is used by several zones."""
    return ZoneChoice(_zone(names[0]), candidates=tuple(names))


def _label(choice: ZoneChoice) -> str:
    return choice.zone.label if choice.zone is not None else ""


def _country_code(folded: str, *, exact: bool) -> str | None:
    """Return the ISO code of a country named (or coded) ``folded``."""
    if len(folded) == 2 and folded.upper() in pytz.country_timezones:
        return folded.upper()
    if folded in _COUNTRIES:
        return _COUNTRIES[folded]
    if exact or len(folded) < 4:
        return None
    best = process.extractOne(folded, _COUNTRY_NAMES, scorer=fuzz.ratio, score_cutoff=85)
    return _COUNTRIES[best[0]] if best else None


def _country_choice(code: str) -> ZoneChoice:
    zones = distinct_zones(pytz.country_timezones.get(code, ()))
    if len(zones) == 1:
        return ZoneChoice(_zone(zones[0]))
    return ZoneChoice(None, candidates=zones)


def _city_in_country(city_text: str, country_text: str) -> ZoneChoice | None:
    """Resolve "Berlin, Germany": the city's zone in that country, else the country's.

    The second part may be a state or province ("Austin, Texas"): its zone, unless the
    city names a zone of its own in that country.
    """
    city = fold(city_text)
    names = _CITIES.get(city) or [zone for close in _fuzzy_cities(city) for zone in _CITIES[close]]
    code = _country_code(fold(country_text), exact=False)
    in_country = pytz.country_timezones.get(code, ()) if code else ()
    matching = [name for name in names if name in in_country]
    if matching:
        return ZoneChoice(_zone(matching[0]))
    region = REGION_ZONES.get(fold(country_text))
    if region is not None:
        same_country = [z for z in names if _country_of(z) == _country_of(region)]
        return ZoneChoice(_zone(same_country[0] if same_country else region))
    if code is None:
        return None
    # A town the zone database does not name (Lyon, France): the country decides.
    country = _country_choice(code)
    if country.zone is not None or not city:
        return country
    return ZoneChoice(None, candidates=country.candidates)


def _country_of(zone: str) -> str | None:
    """Return the ISO code of the country a zone belongs to (its first, if several)."""
    return _ZONE_COUNTRY.get(zone)


_ZONE_COUNTRY: dict[str, str] = {
    zone: code for code, zones in pytz.country_timezones.items() for zone in zones
}

_WELL_KNOWN = frozenset(CITY_ALIASES.values()) | {
    zone for zones in LANGUAGE_ZONES.values() for zone in zones
}
"""Zones of big cities: a country's choice shows these rather than a small town's."""

_WINTER = dt.datetime(2026, 1, 15, 12, tzinfo=dt.UTC)
_SUMMER = dt.datetime(2026, 7, 15, 12, tzinfo=dt.UTC)


def distinct_zones(names: Sequence[str]) -> tuple[str, ...]:
    """Keep one zone per distinct pair of winter and summer offsets, the country's first.

    The United States has 29 zone names but eight different clocks; people choose a clock.
    """
    seen: dict[tuple[dt.timedelta, dt.timedelta], str] = {}
    for name in names:
        if name.startswith("Antarctica/"):
            continue
        offsets = _offsets(name)
        if offsets not in seen or (name in _WELL_KNOWN and seen[offsets] not in _WELL_KNOWN):
            seen[offsets] = name
    return tuple(name for _, name in sorted(seen.items(), reverse=True))  # east to west


def _offsets(name: str) -> tuple[dt.timedelta, dt.timedelta]:
    """Return a zone's UTC offsets in January and July 2026."""
    tz = pytz.timezone(name)
    winter = _WINTER.astimezone(tz).utcoffset() or dt.timedelta(0)
    summer = _SUMMER.astimezone(tz).utcoffset() or dt.timedelta(0)
    return winter, summer


def _fuzzy_cities(folded: str) -> list[str]:
    """Return up to three city names that look like ``folded`` (typos), best first."""
    if len(folded) < 4:
        return []
    found = process.extract(folded, _CITY_NAMES, scorer=fuzz.ratio, score_cutoff=80, limit=3)
    return [name for name, _, _ in found]


def _fuzzy(query: str) -> tuple[str, ...]:
    """Return up to five zone names that look like ``query``."""
    last = fold(query.rsplit("/", 1)[-1].replace("_", " "))
    names = [zone for city in _fuzzy_cities(last) for zone in _CITIES[city]]
    if "/" in query:
        found = process.extract(
            query, pytz.common_timezones, scorer=fuzz.ratio, score_cutoff=80, limit=3
        )
        names += [name for name, _, _ in found]
    return tuple(dict.fromkeys(names))[:5]


def zones_for_language(language_code: str | None) -> tuple[str, ...]:
    """Guess the zones a person may live in from Telegram's ``language_code`` (may be empty)."""
    if not language_code:
        return ()
    code = language_code.strip().lower().replace("_", "-")
    if code in LANGUAGE_ZONES:
        return LANGUAGE_ZONES[code]
    base, _, region = code.partition("-")
    if len(region) == 2 and region.upper() in pytz.country_timezones:
        zones = distinct_zones(pytz.country_timezones[region.upper()])
        if len(zones) <= 3:
            return zones
    return LANGUAGE_ZONES.get(base, ())


def zone_at(latitude: float, longitude: float) -> Zone | None:
    """Return the zone of a place on the map (offline, from embedded boundaries), or None.

    At sea the boundaries give ``Etc/GMT±N`` nautical zones; those are returned as fixed
    offsets, labelled ``UTC±HH:MM`` (the tz database's ``Etc`` signs are inverted).
    """
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    name = tzfpy.get_tz(longitude, latitude)
    if not name:
        return None
    if name.startswith("Etc/"):
        offset = _offsets(name)[0]
        return parse_zone(f"UTC{'+' if offset >= dt.timedelta(0) else '-'}{_hhmm(offset)}")
    try:
        return parse_zone(name)
    except TimeError:
        return None


def _hhmm(offset: dt.timedelta) -> str:
    minutes = abs(int(offset.total_seconds())) // 60
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def place_zones(text: str) -> tuple[Zone, ...]:
    """The zones a place named in a question means ("Berlin", "India", "PST"), at most three.

    Used to answer "when is the deadline in Berlin?": nothing when the words name no place.
    """
    choice = resolve_zone(text)
    if choice.zone is not None:
        return (choice.zone,)
    if choice.abbreviation is not None:
        return (_zone(choice.abbreviation.zones[0]),)
    if choice.error is None and choice.candidates:
        return tuple(_zone(name) for name in choice.candidates[:3])
    return ()
