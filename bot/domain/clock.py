"""The one clock of the program: every "now" comes from here and is aware UTC."""

from __future__ import annotations

import datetime as dt
from typing import Protocol

UTC = dt.UTC


class Clock(Protocol):
    """Something that tells the current instant."""

    def now(self) -> dt.datetime:
        """Return the current instant as an aware UTC datetime."""
        ...


class SystemClock:
    """The wall clock of the machine."""

    def now(self) -> dt.datetime:
        """Return the machine's current time, aware UTC."""
        return dt.datetime.now(UTC)


class FixedClock:
    """A clock that says what it is told; tests move it by hand."""

    def __init__(self, at: dt.datetime) -> None:
        self._at = ensure_utc(at)

    def now(self) -> dt.datetime:
        """Return the instant the clock was set to."""
        return self._at

    def set(self, at: dt.datetime) -> None:
        """Jump to another instant."""
        self._at = ensure_utc(at)

    def advance(self, delta: dt.timedelta) -> None:
        """Move forward (or back, with a negative delta)."""
        self._at = self._at + delta


class OffsetClock:
    """The system clock shifted so that it started at a chosen instant (``--now``).

    Time keeps flowing, so jobs scheduled a few seconds ahead still fire.
    """

    def __init__(self, start: dt.datetime, base: Clock | None = None) -> None:
        self._base = base or SystemClock()
        self._offset = ensure_utc(start) - self._base.now()

    def now(self) -> dt.datetime:
        """Return the shifted current instant."""
        return self._base.now() + self._offset


def ensure_utc(value: dt.datetime) -> dt.datetime:
    """Return ``value`` as aware UTC; a naive value is refused, never guessed."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime {value.isoformat()} has no time zone")
    return value.astimezone(UTC)
