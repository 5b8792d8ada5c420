"""Time-zone abbreviations people write (PST, CET, IST …) and the zones they mean.

An abbreviation is not a zone: "PST" is the winter name of the Pacific clock, and people
who write it in July usually mean PDT. So a config refuses them with a hint (write the
IANA name, or a fixed ``UTC±H`` offset), and the chat offers the zones people mean as
choices. ``UTC``, ``GMT`` and ``AoE`` are real fixed zones and are not listed here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ZoneAbbreviation:
    """One abbreviation, the zones it is used for, and the fixed offset it names."""

    abbreviation: str
    """As usually written, upper case (``"PST"``)."""
    zones: tuple[str, ...]
    """IANA zone names people mean by it, the most likely first."""
    utc_offset_minutes: int | None
    """The fixed UTC offset it names, or ``None`` when it names several (IST, CST)."""

    def offset_text(self) -> str | None:
        """Return the fixed offset as ``UTC-08:00``, or ``None`` when ambiguous."""
        if self.utc_offset_minutes is None:
            return None
        sign = "-" if self.utc_offset_minutes < 0 else "+"
        hours, minutes = divmod(abs(self.utc_offset_minutes), 60)
        return f"UTC{sign}{hours:02d}:{minutes:02d}"

    def hint(self) -> str:
        """Say what to write instead, e.g. 'write America/Los_Angeles, or UTC-08:00 …'."""
        names = " or ".join(self.zones[:3])
        offset = self.offset_text()
        if offset is None:
            return f"{self.abbreviation} is ambiguous: write a zone name such as {names}"
        return f"{self.abbreviation}: write {names}, or {offset} for a fixed offset"


def _entry(abbreviation: str, minutes: int | None, *zones: str) -> ZoneAbbreviation:
    return ZoneAbbreviation(abbreviation, tuple(zones), minutes)


_EUROPE_CENTRAL = (
    "Europe/Berlin",
    "Europe/Paris",
    "Europe/Rome",
    "Europe/Madrid",
    "Europe/Amsterdam",
    "Europe/Zurich",
    "Europe/Stockholm",
    "Europe/Warsaw",
)
_EUROPE_EASTERN = ("Europe/Athens", "Europe/Helsinki", "Europe/Bucharest", "Europe/Kyiv")
_EUROPE_WESTERN = ("Europe/Lisbon", "Atlantic/Canary")

_TABLE: tuple[ZoneAbbreviation, ...] = (
    # North America
    _entry("EST", -5 * 60, "America/New_York", "America/Toronto"),
    _entry("EDT", -4 * 60, "America/New_York", "America/Toronto"),
    _entry("ET", None, "America/New_York", "America/Toronto"),
    _entry("CDT", -5 * 60, "America/Chicago", "America/Mexico_City"),
    _entry("CT", None, "America/Chicago"),
    _entry("MST", -7 * 60, "America/Denver", "America/Phoenix", "America/Edmonton"),
    _entry("MDT", -6 * 60, "America/Denver", "America/Edmonton"),
    _entry("MT", None, "America/Denver", "America/Phoenix"),
    _entry("PST", -8 * 60, "America/Los_Angeles", "America/Vancouver"),
    _entry("PDT", -7 * 60, "America/Los_Angeles", "America/Vancouver"),
    _entry("PT", None, "America/Los_Angeles", "America/Vancouver"),
    _entry("AKST", -9 * 60, "America/Anchorage"),
    _entry("AKDT", -8 * 60, "America/Anchorage"),
    _entry("HST", -10 * 60, "Pacific/Honolulu"),
    # Ambiguous across continents: Central (US) or China Standard Time.
    _entry("CST", None, "America/Chicago", "Asia/Shanghai", "America/Mexico_City"),
    # Europe
    _entry("CET", 1 * 60, *_EUROPE_CENTRAL),
    _entry("CEST", 2 * 60, *_EUROPE_CENTRAL),
    _entry("MET", 1 * 60, *_EUROPE_CENTRAL),
    _entry("EET", 2 * 60, *_EUROPE_EASTERN),
    _entry("EEST", 3 * 60, *_EUROPE_EASTERN),
    _entry("WET", 0, *_EUROPE_WESTERN),
    _entry("WEST", 1 * 60, *_EUROPE_WESTERN),
    _entry("BST", 1 * 60, "Europe/London"),
    _entry("IST", None, "Asia/Kolkata", "Europe/Dublin", "Asia/Jerusalem"),
    _entry("MSK", 3 * 60, "Europe/Moscow"),
    # Asia and Oceania
    _entry("JST", 9 * 60, "Asia/Tokyo"),
    _entry("KST", 9 * 60, "Asia/Seoul"),
    _entry("HKT", 8 * 60, "Asia/Hong_Kong"),
    _entry("SGT", 8 * 60, "Asia/Singapore"),
    _entry("PKT", 5 * 60, "Asia/Karachi"),
    _entry("ICT", 7 * 60, "Asia/Bangkok", "Asia/Ho_Chi_Minh"),
    _entry("WIB", 7 * 60, "Asia/Jakarta"),
    _entry("AEST", 10 * 60, "Australia/Sydney", "Australia/Melbourne", "Australia/Brisbane"),
    _entry("AEDT", 11 * 60, "Australia/Sydney", "Australia/Melbourne"),
    _entry("ACST", 9 * 60 + 30, "Australia/Adelaide", "Australia/Darwin"),
    _entry("ACDT", 10 * 60 + 30, "Australia/Adelaide"),
    _entry("AWST", 8 * 60, "Australia/Perth"),
    _entry("NZST", 12 * 60, "Pacific/Auckland"),
    _entry("NZDT", 13 * 60, "Pacific/Auckland"),
    # South America and Africa
    _entry("BRT", -3 * 60, "America/Sao_Paulo"),
    _entry("ART", -3 * 60, "America/Argentina/Buenos_Aires"),
    _entry("SAST", 2 * 60, "Africa/Johannesburg"),
    _entry("WAT", 1 * 60, "Africa/Lagos"),
    _entry("EAT", 3 * 60, "Africa/Nairobi"),
)

ABBREVIATIONS: dict[str, ZoneAbbreviation] = {entry.abbreviation: entry for entry in _TABLE}
"""Every known abbreviation, keyed by its upper-case spelling."""


def lookup_abbreviation(text: str) -> ZoneAbbreviation | None:
    """Return the abbreviation ``text`` spells (any case, surrounding space ignored)."""
    return ABBREVIATIONS.get(text.strip().upper())
