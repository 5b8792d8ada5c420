"""Reminders: schedule the plan, fire through the outbox, catch up after downtime, follow moves.

- A reminder's id is ``<event>:<key date>:<offset>``; its broadcast ref adds the key
  date's instant (``…@2026-02-16T11:59:00Z``), and each recipient's idempotency key is
  ``reminder:<ref>:<chat>`` (:mod:`bot.domain.outbox_keys`). Restarts, reloads and
  catch-up therefore never send a reminder twice, while an extended date gets its
  reminders again for the new instant.
- The text is rendered when the row is sent, so it says how long is really left, by
  the :class:`ReminderTexts` the composition root passes in.
- A reminder applies until its key date's instant; a reminder at a whole day (a
  notification's "due today") until that day ends where it is read
  (:func:`bot.domain.plan.valid_until`). Scheduling, firing, sending and catch-up all
  ask the same question, so nothing planned is silently dropped.
- At start, of the reminders of one key date whose time came while the bot was down,
  only the latest is sent, if it still applies and the next one is not about to say the
  same (:func:`bot.domain.plan.to_catch_up`). The others are superseded: recorded as an
  empty, cancelled broadcast (so, like a sent one, they count as done and take no rows
  later) and their pending rows cancelled; a row of one that is sent after all is skipped
  at send time (:func:`bot.domain.plan.superseded_by`).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol

from bot.domain.model import Event, KeyDate
from bot.domain.outbox_keys import (
    edition_key,
    extension_prefix,
    is_reminder_ref_of,
    moved_ref,
    reminder_prefix,
    reminder_ref,
)
from bot.domain.plan import Reminder, all_reminders, plan, superseded_by, to_catch_up
from bot.domain.series import new_editions, series_of
from bot.domain.times import iso_utc
from bot.domain.views import Reader
from bot.services.events import DateChange, EventBook
from bot.services.send_time import ReminderTexts, reader_for
from bot.storage.database import Database
from bot.storage.models import Audience, AudienceBroadcast, CreatedBroadcast, Recipient

log = logging.getLogger(__name__)


class Scheduler(Protocol):
    """Runs a callback at an instant, under a fixed id (a new one replaces the old)."""

    def schedule(
        self, job_id: str, at: dt.datetime, callback: Callable[[], Awaitable[None]]
    ) -> None:
        """Run ``callback`` at ``at`` (aware UTC); replace any job with the same id."""
        ...

    def cancel_all(self, prefix: str) -> int:
        """Remove every job whose id starts with ``prefix``; return how many."""
        ...


class Enqueuer(Protocol):
    """The delivery engine's way in: write a broadcast to an audience in the outbox."""

    async def enqueue_to(self, order: AudienceBroadcast) -> CreatedBroadcast:
        """Write the rows in one transaction; return the broadcast id and rows written."""
        ...

    def wake(self) -> None:
        """Look for new rows now (they were written by a unit of work of their own)."""
        ...


JOB_PREFIX = "reminder:"


def broadcast_ref(reminder: Reminder) -> str:
    """Return the broadcast ref of a reminder for its key date's current instant."""
    return reminder_ref(reminder.id, reminder.key_date_at)


class ReminderService:
    """Plans, schedules and fires reminders; announces moved dates once."""

    def __init__(
        self,
        db: Database,
        book: EventBook,
        outbox: Enqueuer,
        scheduler: Scheduler,
        texts: ReminderTexts,
    ) -> None:
        self.db = db
        self.book = book
        self.outbox = outbox
        self.scheduler = scheduler
        self.texts = texts
        self.announced_last: list[Event] = []
        """The editions the last start or reload announced."""

    # -- scheduling ----------------------------------------------------------------------

    def reschedule(self, now: dt.datetime | None = None) -> list[Reminder]:
        """Replace every scheduled reminder with the plan after ``now``; return what is planned.

        ``now`` defaults to the clock; the start passes the instant its catch-up looked at,
        so a reminder due in between is scheduled (and runs at once), not lost.
        """
        self.scheduler.cancel_all(JOB_PREFIX)
        upcoming = plan(self.book.events, self.book.clock.now() if now is None else now)
        for reminder in upcoming:
            self.scheduler.schedule(
                JOB_PREFIX + reminder.id, reminder.fire_at, self._firing(reminder.id)
            )
        log.info("scheduled %d reminder(s)", len(upcoming))
        return upcoming

    def upcoming(self) -> list[Reminder]:
        """Return the reminders still to fire, soonest first."""
        return plan(self.book.events, self.book.clock.now())

    def _firing(self, reminder_id: str) -> Callable[[], Awaitable[None]]:
        async def fire() -> None:
            await self.fire(reminder_id)

        return fire

    async def start(self) -> None:
        """Apply recorded changes, catch up on what downtime missed, schedule the rest."""
        await self.book.adopt_keys()
        changes = await self.book.refresh()
        await self.announce(changes)
        await self.announce_editions()
        now = self.book.clock.now()
        await self.catch_up(now)
        self.reschedule(now)
        self.log_edition_status()

    def log_edition_status(self) -> None:
        """Say in the run log when an event has no key date ahead: what is over, what is left."""
        now = self.book.clock.now()
        for event in self.book.events:
            if not event.key_dates or event.next_date(now) is not None:
                continue
            last = event.dates_in_order()[-1]
            log.warning(
                "%s is over: every key date has passed (the last, %s, at %s); no reminder is"
                " left, subscribers get only news and reminders for dates added later",
                event.id,
                last.id,
                iso_utc(last.at),
            )

    async def reload(self, only: Sequence[str] | None = None) -> list[DateChange]:
        """Re-read the config, announce moved dates and new editions, reschedule.

        ``only``: take up these series' files alone. A reload that changes nothing sends
        nothing.
        """
        changes = await self.book.reload(only)
        await self.book.adopt_keys()
        await self.announce(changes)
        await self.announce_editions()
        self.reschedule()
        return changes

    async def announce_editions(self) -> list[int]:
        """Announce each newly loaded edition to its series' followers, once.

        An edition is new when the bot never loaded it; it is announced when its series
        had an edition before and it is the newest, with a key date ahead (else it is
        only recorded; see :func:`~bot.domain.series.new_editions`). The ledger row and
        the outbox rows are one transaction. Returns the broadcast ids.
        """
        now = self.book.clock.now()
        sent = []
        self.announced_last = []
        for series in self.book.catalog:
            known = await self.db.editions.known(series.id)
            chosen, others = new_editions(series, known, now)
            for edition in others:
                await self.db.editions.record(edition.id, series.id, edition.year)
            if chosen is None:
                continue
            made = await self.db.editions.announce(
                chosen.id, series.id, chosen.year, self._edition_rows(chosen)
            )
            if made is not None:
                log.info(
                    "new edition %s: broadcast %d to %d chat(s)",
                    chosen.id,
                    made.broadcast_id,
                    made.inserted,
                )
                self.db.after_commit(self.outbox.wake)
                sent.append(made.broadcast_id)
                self.announced_last.append(chosen)
        return sent

    def _edition_rows(
        self, edition: Event
    ) -> Callable[[list[Recipient]], list[tuple[int, str, dict[str, Any]]]]:
        def rows(recipients: list[Recipient]) -> list[tuple[int, str, dict[str, Any]]]:
            return [
                (
                    r.chat_id,
                    edition_key(edition.id, r.chat_id),
                    {
                        "text": self.texts.new_edition(edition, self._reader(r.timezone)),
                        "disable_preview": True,
                    },
                )
                for r in recipients
            ]

        return rows

    async def extend(
        self, event_id: str, key_date_id: str, written: str, recorded_by: int | None
    ) -> DateChange:
        """Record an organizer's extension, announce it once, and reschedule.

        One unit of work (joining the caller's): the extension, its notice's rows and the
        mark "acted on" are written together; the reminders are rescheduled after commit.
        """
        async with self.db.unit_of_work() as uow:
            change = await self.book.extend(event_id, key_date_id, written, recorded_by)
            await self.announce([change])
            uow.after_commit(self.reschedule)
        return change

    # -- firing ----------------------------------------------------------------------------

    async def fire(self, reminder_id: str) -> int | None:
        """Enqueue a reminder for its recipients now; None when it no longer applies.

        A reminder superseded by a later one of its date (:func:`superseded_by`: a job
        that ran late) is recorded as such instead.
        """
        reminders = all_reminders(self.book.events)
        reminder = next((r for r in reminders if r.id == reminder_id), None)
        now = self.book.clock.now()
        if reminder is None or reminder.valid_until <= now:
            log.info("reminder %s skipped: its key date is gone or has passed", reminder_id)
            return None
        event = self.book.event(reminder.event_id)
        assert event is not None
        by = superseded_by(reminder, reminders, now)
        if by is not None:  # a late job: a later reminder of its date is due, or says the same
            await self._supersede(reminder, by)
            return None
        ref = broadcast_ref(reminder)
        payload = {
            "template": "reminder",
            "event": event.id,
            "key_date": reminder.key_date_id,
            "key_date_at": iso_utc(reminder.key_date_at),
            "until": iso_utc(reminder.valid_until),
            "text": self._text(event, reminder, None),  # rendered again per reader
            "disable_preview": True,
        }
        audience = Audience(series_of(event), key_date_id=reminder.key_date_id, kind=reminder.kind)
        created = await self.outbox.enqueue_to(
            AudienceBroadcast(
                event.id, "reminder", ref, None, audience, [payload], reminder_prefix(ref)
            )
        )
        log.info(
            "reminder %s: broadcast %d to %d chat(s)", ref, created.broadcast_id, created.inserted
        )
        return created.broadcast_id

    async def catch_up(self, now: dt.datetime | None = None) -> list[str]:
        """Send what downtime missed, one reminder per key date; return the ids sent.

        The rule is :func:`bot.domain.plan.to_catch_up`: the superseded reminders are
        recorded first (their pending rows cancelled), then the latest of each date is
        fired unless it went out before.
        """
        now = self.book.clock.now() if now is None else now
        todo = to_catch_up(all_reminders(self.book.events), now)
        for old in todo.superseded:
            await self._supersede(old.reminder, old.by)
        fired = []
        for reminder in todo.send:
            ref = broadcast_ref(reminder)
            if await self.db.outbox.find_broadcast(reminder.event_id, "reminder", ref):
                continue
            log.info("catching up reminder %s (due %s)", reminder.id, iso_utc(reminder.fire_at))
            if await self.fire(reminder.id) is not None:
                fired.append(reminder.id)
        return fired

    async def _supersede(self, reminder: Reminder, by: Reminder) -> None:
        """Record ``reminder`` as done without a message: a later one of its date says it.

        The ledger is the broadcast of ``(event, "reminder", ref)`` (what catch-up and the
        outbox keys look up): an empty one is created and cancelled, so it takes no rows
        later; an existing one still pending is cancelled. One unit of work.
        """
        ref = broadcast_ref(reminder)
        async with self.db.unit_of_work():
            found = await self.db.outbox.find_broadcast(reminder.event_id, "reminder", ref)
            if found is not None and found.status not in ("pending", "running"):
                return  # sent, cancelled or superseded before: nothing to record
            if found is None:
                made = await self.db.outbox.create_broadcast(
                    reminder.event_id, "reminder", ref, None, []
                )
                broadcast_id = made.broadcast_id
            else:
                broadcast_id = found.id
            cancelled = await self.db.outbox.cancel_broadcast(broadcast_id)
        log.info(
            "reminder %s not sent: superseded by %s (%d pending row(s) cancelled)",
            reminder.id,
            by.id,
            cancelled,
        )

    async def announce(self, changes: list[DateChange]) -> None:
        """Tell subscribers once about each moved key date still ahead; drop stale reminders.

        Each change is one unit of work: its stale reminders cancelled, its notice's rows
        and the record that it was acted on commit together, so a crash loses no notice.
        """
        now = self.book.clock.now()
        for change in changes:
            async with self.db.unit_of_work():  # the notice and "acted on": both or none
                await self.book.acted_on(change)
                event = self.book.event(change.event_id)
                kd = event.key_date(change.key_date_id) if event else None
                if event is None or kd is None:
                    continue
                await self._cancel_stale(event, kd, change.previous_at)
                if kd.at <= now:
                    continue
                ref = moved_ref(kd.id, kd.at)
                payload = {
                    "template": "date_moved",
                    "event": event.id,
                    "key_date": kd.id,
                    "key_date_at": iso_utc(kd.at),
                    "previous_at": iso_utc(change.previous_at),
                    "text": self.texts.date_moved(
                        event, kd, change.previous_at, self._reader(None)
                    ),
                    "disable_preview": True,
                }
                await self.outbox.enqueue_to(
                    AudienceBroadcast(
                        event.id,
                        "extension",
                        ref,
                        change.recorded_by,
                        Audience(series_of(event)),
                        [payload],
                        extension_prefix(event.id, ref),
                    )
                )

    async def _cancel_stale(self, event: Event, kd: KeyDate, previous_at: dt.datetime) -> None:
        """Cancel reminder broadcasts still pending for a key date's old instant."""
        for broadcast in await self.db.outbox.unfinished_broadcasts(event.id, "reminder"):
            if is_reminder_ref_of(broadcast.ref, event.id, kd.id, previous_at):
                cancelled = await self.db.outbox.cancel_broadcast(broadcast.id)
                log.info("reminder %s obsolete: %d row(s) cancelled", broadcast.ref, cancelled)

    # -- rendering at send time -------------------------------------------------------------

    def _reader(self, timezone: str | None) -> Reader:
        return reader_for(timezone, self.book.clock.now())

    def _text(self, event: Event, reminder: Reminder, timezone: str | None) -> str:
        kd = event.key_date(reminder.key_date_id)
        assert kd is not None
        return self.texts.reminder(event, kd, self._reader(timezone))
