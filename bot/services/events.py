"""The events as the bot sees them now: the config, plus the extensions recorded since.

Extensions come from two places: an organizer's ``/extend`` (recorded in the database)
and an edited YAML file (noticed on reload or restart by comparing each key date's
instant with the last one the bot acted on). Either way the key date keeps its history,
and every change is reported once as a :class:`DateChange`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import hashlib
import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path

from bot.domain.clock import Clock
from bot.domain.config import load_events, series_from_id
from bot.domain.model import Event, KeyDate
from bot.domain.series import Series, group_series, series_of, swap_series
from bot.domain.times import AOE_ZONE, iso_utc, parse_instant, parse_when
from bot.storage.database import Database

log = logging.getLogger(__name__)

_KNOWN_KEY = "keydate:{event}:{key_date}"
"""kv key of the instant the bot last acted on for a key date."""
_KV_KEY_LIMIT = 128
"""The kv table's key length (``String(128)``); ids may be 64 characters each."""


def known_key(event_id: str, key_date_id: str) -> str:
    """Return the kv key of a key date: readable, or a hash when two long ids don't fit."""
    key = _KNOWN_KEY.format(event=event_id, key_date=key_date_id)
    if len(key) <= _KV_KEY_LIMIT:
        return key
    return "keydate#" + hashlib.sha256(f"{event_id}:{key_date_id}".encode()).hexdigest()


@dataclass(frozen=True)
class DateChange:
    """A key date that moved: from when, to when, and who moved it (None: the config)."""

    event_id: str
    key_date_id: str
    previous_at: dt.datetime
    new_at: dt.datetime
    recorded_by: int | None = None


class EventBook:
    """Holds the current events; reloads the config and applies recorded extensions."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        config_path: Path,
        events: tuple[Event, ...] | None = None,
        loader: Callable[[Path], tuple[Event, ...]] = load_events,
    ) -> None:
        self.db = db
        self.clock = clock
        self.config_path = config_path
        self._loader = loader
        self._config = events if events is not None else loader(config_path)
        self._events = self._config
        self._catalog: tuple[tuple[Event, ...], tuple[Series, ...]] | None = None
        """The events :attr:`catalog` was grouped from, and the grouping."""

    @property
    def events(self) -> tuple[Event, ...]:
        """Every event, with recorded extensions applied."""
        return self._events

    @property
    def config_loader(self) -> Callable[[Path], tuple[Event, ...]]:
        """How the config is read (for a preview that changes nothing)."""
        return self._loader

    @property
    def catalog(self) -> tuple[Series, ...]:
        """Every series the bot carries, each with its editions (extensions applied).

        Grouped once per set of events (a refresh or reload replaces the tuple), not on
        every question that asks for a series or the current edition.
        """
        if self._catalog is None or self._catalog[0] is not self._events:
            self._catalog = (self._events, group_series(self._events))
        return self._catalog[1]

    def series(self, series_id: str) -> Series | None:
        """Return the series with this id."""
        return next((s for s in self.catalog if s.id == series_id), None)

    def current(self, series_id: str) -> Event | None:
        """Return the series' current edition (next key date ahead, else the latest)."""
        found = self.series(series_id)
        return None if found is None else found.current(self.clock.now())

    @property
    def primary(self) -> Event:
        """The edition the bot speaks about by default: the first series' current one."""
        return self.catalog[0].current(self.clock.now())

    async def adopt_keys(self) -> int:
        """Move subscriptions kept under an edition's id (or its id's series) to its series.

        Migration 3 moved ``euromlsys2026`` rows to ``euromlsys`` by the id's rule; a file
        that names its series otherwise (``series: mlsys-europe``) gets them here. Keys
        that a loaded series uses are never taken. Idempotent; returns how many moved.
        """
        carried = {s.id for s in self.catalog}
        moved = 0
        for event in self._config:
            target = series_of(event)
            for legacy in {event.id, series_from_id(event.id)} - carried - {target}:
                moved += await self.db.subscriptions.merge_series(legacy, target)
        return moved

    def event(self, event_id: str) -> Event | None:
        """Return the event with this id."""
        return next((e for e in self._events if e.id == event_id), None)

    async def refresh(self) -> list[DateChange]:
        """Apply the database's extensions; return the key dates that moved since last time.

        A move noticed here (an edited config, or an extension recorded by another
        instance) is returned until :meth:`acted_on` records it, which the announcement
        does in its own unit of work: a crash in between loses no notice. Inside a unit
        that rolls back, the events in memory go back to what they were.
        """
        merged = []
        for event in self._config:
            recorded = await self.db.extensions.extensions_for(event.id)
            dates = []
            for kd in event.key_dates:
                for ext in (e for e in recorded if e.key_date_id == kd.id):
                    if ext.new_at > kd.at:
                        kd = _extended(kd, ext.new_as_written, ext.new_at)
                dates.append(kd)
            merged.append(dataclasses.replace(event, key_dates=tuple(dates)))
        before = self._events

        def restore() -> None:
            self._events = before

        self._events = tuple(merged)
        self.db.after_rollback(restore)
        return await self._changes()

    async def reload(self, only: Collection[str] | None = None) -> list[DateChange]:
        """Re-read the config (a broken one raises and changes nothing), then refresh.

        ``only``: take up the files of these series alone; the others stay as loaded
        (:func:`~bot.domain.series.swap_series`). Reading and validating run in a worker
        thread, so that a slow disk or a hostile file never stops the event loop.
        """
        loaded = await asyncio.to_thread(self._loader, self.config_path)
        self._config = loaded if only is None else swap_series(self._config, loaded, only)
        return await self.refresh()

    async def extend(
        self, event_id: str, key_date_id: str, written: str, recorded_by: int | None
    ) -> DateChange:
        """Record an extension from an organizer (``/extend paper 2026-02-22 23:59 AoE``).

        Raises ``KeyError`` for an unknown key date and ``ValueError`` (a ``TimeError``)
        for a time that does not parse or is not later than the current one.
        """
        event = self.event(event_id)
        kd = event.key_date(key_date_id) if event else None
        if event is None or kd is None:
            raise KeyError(key_date_id)
        zone = kd.zone if kd.kind != "deadline" else AOE_ZONE
        when = parse_when(written, kd.kind, date_zone=zone)
        if when.at <= kd.at:
            raise ValueError(
                f"{written!r} is not later than the current {kd.as_written!r};"
                " an extension moves a date later"
            )
        await self.db.extensions.record_extension(
            event_id, key_date_id, kd.at, when.at, when.as_written, recorded_by=recorded_by
        )
        changes = await self.refresh()
        change = next((c for c in changes if c.key_date_id == key_date_id), None)
        return change or DateChange(event_id, key_date_id, kd.at, when.at, recorded_by)

    async def acted_on(self, change: DateChange) -> None:
        """Record that a move was announced: the next refresh no longer reports it."""
        await self.db.kv.set(known_key(change.event_id, change.key_date_id), iso_utc(change.new_at))

    async def _changes(self) -> list[DateChange]:
        """Compare each key date with the instant last acted on; remember first sightings."""
        changes = []
        for event in self._events:
            for kd in event.key_dates:
                key = known_key(event.id, kd.id)
                known = await self.db.kv.get(key)
                current = iso_utc(kd.at)
                if known == current:
                    continue
                if known is None:  # a key date seen for the first time: nothing moved
                    await self.db.kv.set(key, current)
                    continue
                previous = parse_instant(known)
                log.info("key date %s:%s moved from %s to %s", event.id, kd.id, known, current)
                changes.append(DateChange(event.id, kd.id, previous, kd.at))
        return changes


def _extended(kd: KeyDate, written: str, at: dt.datetime) -> KeyDate:
    """Return ``kd`` moved to ``at`` (as written), its current time kept in the history."""
    return kd.extended_to(written, at, parse_when(written, kd.kind).zone)
