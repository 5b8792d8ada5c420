"""The reminder plan: a pure function of the events, the policy and the clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from bot.domain.model import Event, KeyDate
from bot.domain.policy import ReminderOffset, offsets_for
from bot.domain.times import start_of_day, to_zone


@dataclass(frozen=True)
class Reminder:
    """One reminder: which key date, how long before, and when it fires."""

    id: str
    """Stable: ``<event>:<key date>:<offset>``, e.g. ``euromlsys2026:paper:7d``."""
    event_id: str
    key_date_id: str
    offset: ReminderOffset
    fire_at: dt.datetime
    """When it fires, aware UTC."""
    key_date_at: dt.datetime
    """The key date's instant at planning time (it moves when a date is extended)."""
    kind: str
    """The key date's kind: deadline, notification or event."""
    valid_until: dt.datetime
    """Until when it is still worth sending (see :func:`valid_until`); after, it is skipped."""


def reminder_id(event: Event, key_date: KeyDate, offset: ReminderOffset) -> str:
    """Return the stable id of a reminder."""
    return f"{event.id}:{key_date.id}:{offset.label}"


def valid_until(key_date: KeyDate, offset: ReminderOffset) -> dt.datetime:
    """Return the instant after which a reminder no longer applies.

    A reminder announces a time still ahead, so it applies until the key date's instant.
    The one exception is a reminder *at* a notification or an event (an 'on the day' of
    a date written without a time, or of one at 00:00; a zero offset): "decisions are due
    today", sent at the start of that day where the date is read. It applies until that
    day ends there. (A zero offset on a deadline is refused when the config is loaded.)
    """
    if key_date.kind != "deadline" and offset.before <= dt.timedelta(0):
        local_day = to_zone(key_date.at, key_date.zone).date()
        return start_of_day(local_day + dt.timedelta(days=1), key_date.zone)
    return key_date.at


def all_reminders(events: Iterable[Event]) -> list[Reminder]:
    """Return every reminder of every key date, past or future, in firing order."""
    reminders = [
        Reminder(
            id=reminder_id(event, kd, offset),
            event_id=event.id,
            key_date_id=kd.id,
            offset=offset,
            fire_at=kd.at - offset.before,
            key_date_at=kd.at,
            kind=kd.kind,
            valid_until=valid_until(kd, offset),
        )
        for event in events
        for kd in event.key_dates
        for offset in offsets_for(event, kd)
    ]
    return sorted(reminders, key=lambda r: (r.fire_at, r.id))


def plan(
    events: Iterable[Event], now: dt.datetime, until: dt.datetime | None = None
) -> list[Reminder]:
    """Return the reminders still to fire after ``now`` (and not after ``until``)."""
    return [
        r
        for r in all_reminders(events)
        if r.fire_at > now and (until is None or r.fire_at <= until)
    ]


def overdue(events: Iterable[Event], now: dt.datetime) -> list[Reminder]:
    """Return, per key date, the latest reminder whose time has come and that still applies.

    After downtime these are the ones to catch up on (the outbox says which already went
    out). An older reminder of the same date is superseded: its text would say the same
    thing ("2 days left"), so people get one message, not a pile.
    """
    latest: dict[tuple[str, str], Reminder] = {}
    for reminder in all_reminders(events):  # in firing order: later ones replace earlier
        if reminder.fire_at <= now < reminder.valid_until:
            latest[(reminder.event_id, reminder.key_date_id)] = reminder
    return sorted(latest.values(), key=lambda r: (r.fire_at, r.id))
