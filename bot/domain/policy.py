"""The reminder policy: how long before each key date people are reminded.

Defaults by kind: a deadline 7 days, 3 days, 1 day and 3 hours before; a notification on
the day (at the start of that day in the zone it was written in, AoE for a bare date); an
event 7 days and 1 day before it starts. An event's ``reminders`` section overrides a
kind; a key date's own ``reminders`` overrides everything (``[]``: none).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass

from bot.domain.model import Event, KeyDate
from bot.domain.times import KeyDateKind, start_of_day, to_zone

ON_THE_DAY = "on the day"
"""The offset that means: at the start of the key date's day, in its own zone."""

DEFAULT_POLICY: Mapping[KeyDateKind, tuple[str, ...]] = {
    "deadline": ("7d", "3d", "1d", "3h"),
    "notification": (ON_THE_DAY,),
    "event": ("7d", "1d"),
}
"""Reminder offsets by kind of key date, when the config says nothing."""

_PART = re.compile(r"(\d+)\s*([wdhm])", re.IGNORECASE)
_WHOLE = re.compile(r"^\s*(?:\d+\s*[wdhm]\s*)+$", re.IGNORECASE)
_UNIT_SECONDS = {"w": 7 * 86400, "d": 86400, "h": 3600, "m": 60}


@dataclass(frozen=True, order=True)
class ReminderOffset:
    """How long before a key date a reminder fires, and the label used in its id."""

    before: dt.timedelta
    """The span between the reminder and the key date's instant (never negative)."""
    label: str
    """Canonical text: ``7d``, ``1d12h``, ``3h``, ``on-the-day``; part of reminder ids."""


def is_all_day(key_date: KeyDate) -> bool:
    """Whether a key date is a whole day (the event day, written as a bare date)."""
    return key_date.kind == "event" and key_date.date_only


def parse_offset(text: str, key_date: KeyDate) -> ReminderOffset:
    """Parse ``7d``, ``3h``, ``1d 12h``, ``30m``, ``2w`` or ``on the day`` for a key date.

    'on the day' is the start of the key date's day in its own zone (its real midnight,
    see :func:`~bot.domain.times.start_of_day`): zero for a whole day, the elapsed time
    since that midnight for a timed one, also across a DST switch that day.
    Raises ``ValueError`` otherwise.
    """
    cleaned = text.strip().lower()
    if cleaned == ON_THE_DAY:
        if is_all_day(key_date):
            return ReminderOffset(dt.timedelta(0), "on-the-day")
        local_day = to_zone(key_date.at, key_date.zone).date()
        since_midnight = key_date.at - start_of_day(local_day, key_date.zone)  # elapsed time
        return ReminderOffset(since_midnight, "on-the-day")
    if not _WHOLE.match(cleaned):
        raise ValueError(f"{text!r} is not a reminder offset; write e.g. '7d', '3h', '1d 12h'")
    seconds = sum(int(n) * _UNIT_SECONDS[unit] for n, unit in _PART.findall(cleaned))
    return ReminderOffset(dt.timedelta(seconds=seconds), canonical_label(seconds))


def canonical_label(seconds: int) -> str:
    """Return ``1d12h`` for 36 hours: the same offset always gets the same label."""
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts) or "0m"


def offsets_for(event: Event, key_date: KeyDate) -> tuple[ReminderOffset, ...]:
    """Return the reminder offsets of a key date, the earliest reminder first."""
    if key_date.reminders is not None:
        texts = key_date.reminders
    else:
        texts = dict(event.reminder_policy).get(key_date.kind, DEFAULT_POLICY[key_date.kind])
    offsets = {parse_offset(text, key_date) for text in texts}
    return tuple(sorted(offsets, reverse=True))
