"""Write an imported edition as this project's event file (YAML that ``check`` accepts).

Each key date's ``at`` is the tracker's wall time and zone in this project's notation,
seconds included, followed by a comment with what the tracker wrote and the exact UTC
instant. Were the notation to read only minutes (checked, not assumed), a tracker time
such as ``23:59:59`` is written ``23:59`` (59 s earlier, never later) and the comment
says so.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from functools import cache

import yaml

from bot.domain.config import load_event_text
from bot.domain.model import Event
from bot.domain.times import TimeError, iso_utc, parse_when
from bot.importers.model import ImportedDate, ImportedEdition

MARKER = "# Imported from "
"""How every imported file begins; the importer only ever overwrites such files."""

_PLAIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ,./:+()'&_-]*$")


@cache
def notation_reads_seconds() -> bool:
    """Whether this project's time notation keeps seconds (``2026-01-01 23:59:59 UTC``)."""
    try:
        return parse_when("2026-01-01 23:59:59 UTC", "deadline").at.second == 59
    except TimeError:
        return False


def at_notation(date: ImportedDate, *, seconds: bool | None = None) -> str:
    """Return the ``at`` text for a date: the tracker's wall time in its zone.

    With ``seconds`` false (the notation cannot say them) the seconds are dropped.
    """
    keep = notation_reads_seconds() if seconds is None else seconds
    wall = date.time.wall
    shown = f"{wall:%Y-%m-%d %H:%M:%S}" if keep and wall.second else f"{wall:%Y-%m-%d %H:%M}"
    return f"{shown} {date.time.zone.notation}"


def written_instant(date: ImportedDate, *, seconds: bool | None = None) -> dt.datetime:
    """Return the instant the written ``at`` means (the exact one, or the whole minute)."""
    keep = notation_reads_seconds() if seconds is None else seconds
    return date.time.at if keep else date.time.at.replace(second=0)


def _scalar(value: str | int) -> str:
    """Return a YAML scalar: plain when that reads back unchanged, else double-quoted."""
    if isinstance(value, int):
        return str(value)
    if _PLAIN.match(value) and ": " not in value and yaml.safe_load(value) == value:
        return value
    return json.dumps(value, ensure_ascii=False)


def event_yaml(edition: ImportedEdition, *, seconds: bool | None = None) -> str:
    """Return the event file of one edition."""
    origin = f"{edition.tracker} ({edition.source}, edition {edition.tracker_id})"
    lines = [
        f"{MARKER}{origin} by `deadline-bot import`.",
        "# Times are the tracker's, in its zone; re-import to update rather than edit.",
        f"id: {_scalar(edition.event_id)}",
        f"series: {_scalar(edition.series)}",
        f"year: {edition.year}",
        f"name: {_scalar(edition.name)}",
        f"short_name: {_scalar(edition.short_name)}",
        f"website: {_scalar(edition.website)}",
    ]
    if edition.summary:
        lines.append(f"summary: {_scalar(edition.summary)}")
    if edition.description:
        lines.append(f"description: {_scalar(edition.description)}")
    if edition.city and edition.country:
        lines += ["venue:", f"  city: {_scalar(edition.city)}"]
        lines.append(f"  country: {_scalar(edition.country)}")
    lines.append("key_dates:")
    for date in edition.dates:
        lines += [
            f"  - id: {_scalar(date.id)}",
            f"    title: {_scalar(date.title)}",
            f"    kind: {date.kind}",
            f"    at: {_scalar(at_notation(date, seconds=seconds))}"
            f"  # {_provenance(date, seconds)}",
        ]
    return "\n".join(lines) + "\n"


def _provenance(date: ImportedDate, seconds: bool | None) -> str:
    """Say what the tracker wrote and the exact instant it means."""
    time = date.time
    text = f"{date.origin}: '{time.written}' {time.zone.written} = {iso_utc(time.at)}"
    if written_instant(date, seconds=seconds) != time.at:
        text += " (seconds dropped: the time notation reads minutes)"
    return text


def edition_event(edition: ImportedEdition, source: str) -> Event:
    """Build the :class:`Event` of an edition exactly as ``check`` reads its file.

    Raises ``ConfigError`` if the written file would not pass ``check``.
    """
    return load_event_text(event_yaml(edition), source)
