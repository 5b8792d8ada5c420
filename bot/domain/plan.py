"""The reminder plan: a pure function of the events, the policy and the clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from bot.domain.model import Event, KeyDate
from bot.domain.policy import ReminderOffset, offsets_for
from bot.domain.times import countdown, start_of_day, to_zone


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
    return sorted(reminders, key=firing_order)


def plan(
    events: Iterable[Event], now: dt.datetime, until: dt.datetime | None = None
) -> list[Reminder]:
    """Return the reminders still to fire after ``now`` (and not after ``until``)."""
    return [
        r
        for r in all_reminders(events)
        if r.fire_at > now and (until is None or r.fire_at <= until)
    ]


def firing_order(reminder: Reminder) -> tuple[dt.datetime, str]:
    """Sort key: when a reminder fires, then its id (for reminders at the same instant)."""
    return (reminder.fire_at, reminder.id)


KeyDateAt = tuple[str, str, dt.datetime]
"""A key date at one instant: (event id, key date id, instant); an extension makes another."""


def _by_key_date(reminders: Iterable[Reminder]) -> dict[KeyDateAt, list[Reminder]]:
    """Group reminders by key date (event, key date, instant), each group in firing order."""
    groups: dict[KeyDateAt, list[Reminder]] = {}
    for reminder in sorted(reminders, key=firing_order):
        key = (reminder.event_id, reminder.key_date_id, reminder.key_date_at)
        groups.setdefault(key, []).append(reminder)
    return groups


def reads_alike(reminder: Reminder, now: dt.datetime) -> bool:
    """Whether a text sent at ``now`` would count down like ``reminder``'s at its own time.

    Texts are rendered when sent and say how long is left (rounded as people read it), so
    a reminder sent at ``now`` reads like this one ("due in 3 hours") when the two
    countdowns to the key date are the same.
    """
    return countdown(reminder.key_date_at, now) == countdown(reminder.key_date_at, reminder.fire_at)


def superseded_by(
    reminder: Reminder, reminders: Iterable[Reminder], now: dt.datetime
) -> Reminder | None:
    """Return the later reminder of the same key date that makes ``reminder`` redundant now.

    That is the latest one of its key date (same event, key date and instant) whose time
    has come after ``reminder``'s; failing that, the next one ahead when a text sent now
    would read like it (:func:`reads_alike`): it comes in a moment and says the same.
    None when ``reminder`` is still the one to send.
    """
    key = (reminder.event_id, reminder.key_date_id, reminder.key_date_at)
    later = sorted(
        (
            r
            for r in reminders
            if (r.event_id, r.key_date_id, r.key_date_at) == key
            and firing_order(r) > firing_order(reminder)
        ),
        key=firing_order,
    )
    due = [r for r in later if r.fire_at <= now]
    if due:
        return due[-1]
    ahead = later[0] if later else None
    return ahead if ahead is not None and reads_alike(ahead, now) else None


@dataclass(frozen=True)
class Superseded:
    """A reminder whose time came but that is never sent: a later one says it."""

    reminder: Reminder
    by: Reminder
    """The reminder of the same key date that supersedes it (due, or due in a moment)."""


@dataclass(frozen=True)
class CatchUp:
    """What a start does with the reminders whose time came while the bot was down."""

    send: tuple[Reminder, ...]
    """At most one per key date: the latest due, if it still applies and nothing supersedes it."""
    superseded: tuple[Superseded, ...]
    """The others due of those key dates: recorded as done, never sent."""


def to_catch_up(reminders: Iterable[Reminder], now: dt.datetime) -> CatchUp:
    """Decide, per key date, which reminder whose time has come is sent at ``now``.

    Of the reminders of one key date (same event, key date and instant) whose time has
    come, only the latest is sent, and only while it still applies (:func:`valid_until`)
    and the next one of that date is not about to say the same (:func:`superseded_by`);
    the earlier ones are superseded. A key date whose latest due reminder no longer
    applies (it has passed) gets nothing, and nothing of it is recorded.
    """
    send: list[Reminder] = []
    superseded: list[Superseded] = []
    for group in _by_key_date(reminders).values():
        missed = [r for r in group if r.fire_at <= now]
        if not missed or now >= missed[-1].valid_until:
            continue
        for reminder in missed:
            by = superseded_by(reminder, group, now)
            if by is None:
                send.append(reminder)
                continue
            while (later := superseded_by(by, group, now)) is not None:
                by = later  # the one that is finally sent (or comes in a moment)
            superseded.append(Superseded(reminder, by))
    return CatchUp(
        tuple(sorted(send, key=firing_order)),
        tuple(sorted(superseded, key=lambda s: firing_order(s.reminder))),
    )
