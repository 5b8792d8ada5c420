"""The event model: frozen, typed facts about one workshop, every instant aware UTC."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

from bot.domain.times import KeyDateKind, Zone


@dataclass(frozen=True)
class PastTime:
    """An earlier time of a key date, before it was extended."""

    as_written: str
    """The earlier time as the organizers wrote it."""
    at: dt.datetime
    """Its instant, aware UTC."""


@dataclass(frozen=True)
class KeyDate:
    """A date that matters: a deadline, a notification or the event itself."""

    id: str
    """Unique within its event; part of reminder ids (``<event>:<id>:<offset>``)."""
    title: str
    """E.g. 'Paper submission deadline'."""
    kind: KeyDateKind
    """deadline, notification or event."""
    as_written: str
    """The time as the organizers wrote it, e.g. '2026-02-15 23:59 AoE'."""
    at: dt.datetime
    """The instant, aware UTC."""
    zone: Zone
    """The zone the time was written in (AoE for a bare deadline date)."""
    date_only: bool = False
    """True when only a date was written (for an event: an all-day date)."""
    note: str | None = None
    """A few words shown beside the date."""
    url: str | None = None
    """Where to act on this date."""
    history: tuple[PastTime, ...] = ()
    """Earlier times, oldest first, when the date was extended."""
    reminders: tuple[str, ...] | None = None
    """Reminder offsets for this date only ('7d', '3h', 'on the day'); None: the policy's."""
    aliases: tuple[str, ...] = ()
    """What people call it besides its title ('camera-ready', 'CR'), as written in the YAML;
    the defaults by kind and title are in :mod:`bot.domain.aliases`."""

    def extended_to(self, as_written: str, at: dt.datetime, zone: Zone) -> KeyDate:
        """Return this date moved to a new time, the current one kept in its history."""
        past = (*self.history, PastTime(self.as_written, self.at))
        return replace(self, as_written=as_written, at=at, zone=zone, history=past)


@dataclass(frozen=True)
class Venue:
    """Where and how the event takes place."""

    city: str
    country: str
    timezone: Zone | None = None
    """The venue's zone, when the config names it."""
    format: str | None = None
    """E.g. 'full-day workshop'."""


@dataclass(frozen=True)
class Topics:
    """The call's topics of interest."""

    items: tuple[str, ...]
    intro: str | None = None
    """The call's sentence before the list."""
    open_ended: bool = True
    """True when the call says the list is not exhaustive ('not limited to')."""
    keywords: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """(topic, its keywords) pairs: the organizers' words that mean this topic too."""


@dataclass(frozen=True)
class Publication:
    """Where accepted papers appear."""

    note: str
    """The call's words."""
    venue: str | None = None
    opt_out: bool = False
    """Whether authors may opt out."""


@dataclass(frozen=True)
class Contact:
    """A person to contact and their role."""

    role: str
    name: str
    affiliation: str | None = None
    email: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class NewsItem:
    """An announcement published with the config."""

    id: str
    text: str
    """Plain text; escaped whenever it is rendered."""
    date: str | None = None


@dataclass(frozen=True)
class Event:
    """One workshop or conference, as loaded and validated from YAML."""

    id: str
    name: str
    short_name: str
    website: str
    key_dates: tuple[KeyDate, ...]
    source: str
    """The file the event was loaded from (for messages, never shown to subscribers)."""
    series: str = ""
    """The series this edition belongs to; empty only for events built by hand in tests."""
    year: int | None = None
    """The edition's year, when written or readable from the id."""
    edition: int | None = None
    colocated_with: str | None = None
    submission_url: str | None = None
    summary: str | None = None
    description: str | None = None
    venue: Venue | None = None
    topics: Topics | None = None
    publication: Publication | None = None
    committee: tuple[tuple[str, str], ...] = ()
    """(committee name, its list or status) pairs."""
    contacts: tuple[Contact, ...] = ()
    contact_note: str | None = None
    social: tuple[tuple[str, str], ...] = ()
    """(network, handle) pairs, e.g. ('twitter', '@euromlsys')."""
    news: tuple[NewsItem, ...] = ()
    admins: frozenset[int] = field(default_factory=frozenset)
    announcement_channel: str | int | None = None
    reminder_policy: tuple[tuple[KeyDateKind, tuple[str, ...]], ...] = ()
    """Per-kind reminder offsets that override the defaults."""

    def key_date(self, key_date_id: str) -> KeyDate | None:
        """Return the key date with this id, if any."""
        return next((kd for kd in self.key_dates if kd.id == key_date_id), None)

    def dates_in_order(self) -> tuple[KeyDate, ...]:
        """Return the key dates by instant."""
        return tuple(sorted(self.key_dates, key=lambda kd: kd.at))

    def next_date(self, now: dt.datetime) -> KeyDate | None:
        """Return the first key date still ahead of ``now``, if any."""
        return next((kd for kd in self.dates_in_order() if kd.at > now), None)

    def with_key_date(self, key_date: KeyDate) -> Event:
        """Return the event with one key date replaced (same id)."""
        dates = tuple(key_date if kd.id == key_date.id else kd for kd in self.key_dates)
        return replace(self, key_dates=dates)
