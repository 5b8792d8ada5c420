"""What a reminder or a date notice says, computed as each row is sent, for its reader.

The outbox stores a broadcast's payload once; the delivery engine asks this renderer for
each row's text just before sending it, so a countdown says how long is really left in
the reader's own zone. The composition root hands :meth:`SendTimeRenderer.render` to the
engine when it builds it.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from typing import Any, Protocol

from bot.domain.model import Event, KeyDate
from bot.domain.outbox_keys import parse_key
from bot.domain.plan import Reminder, all_reminders, superseded_by
from bot.domain.times import parse_instant, stored_zone
from bot.domain.views import Reader
from bot.services.events import EventBook
from bot.storage.database import Database
from bot.storage.models import OutboxRow

log = logging.getLogger(__name__)


class ReminderTexts(Protocol):
    """The texts of what this service broadcasts, rendered for one reader."""

    def reminder(self, event: Event, kd: KeyDate, reader: Reader) -> str:
        """A reminder of ``kd``."""
        ...

    def date_moved(self, event: Event, kd: KeyDate, previous: dt.datetime, reader: Reader) -> str:
        """The notice that ``kd`` moved from ``previous``."""
        ...

    def new_edition(self, edition: Event, reader: Reader) -> str:
        """The announcement of a new edition."""
        ...


def reader_for(timezone: str | None, now: dt.datetime) -> Reader:
    """Return the reader of a chat whose stored zone is ``timezone`` (None: unknown)."""
    return Reader(stored_zone(timezone), now)


class SendTimeRenderer:
    """Renders reminders and date notices at send time (the engine's ``renderer``)."""

    def __init__(self, db: Database, book: EventBook, texts: ReminderTexts) -> None:
        self.db = db
        self.book = book
        self.texts = texts
        self._planned: dict[str, tuple[Event, list[Reminder]]] = {}
        """Per event id: the loaded event and its reminders (see :meth:`_reminders_of`)."""

    def _reminders_of(self, event: Event) -> list[Reminder]:
        """Return ``all_reminders([event])``, computed once per loaded event.

        Every row of a broadcast asks; the plan is a pure function of the (immutable)
        event, so it is kept until the book holds another object for that id (a reload or
        an extension).
        """
        planned = self._planned.get(event.id)
        if planned is None or planned[0] is not event:
            planned = (event, all_reminders([event]))
            self._planned[event.id] = planned
        return planned[1]

    def _reader(self, timezone: str | None) -> Reader:
        return reader_for(timezone, self.book.clock.now())

    async def render(self, row: OutboxRow) -> Mapping[str, Any] | None:
        """The delivery engine's renderer: write a reminder or a date notice for its reader.

        The payload is stored once per broadcast; the text is computed as each row is
        sent, in the reader's zone, so it says how long is really left. A reminder whose
        key date has moved since it was queued, or that no longer applies (see
        :func:`bot.domain.plan.valid_until`), is skipped (returns None); any other payload
        is sent as it is.
        """
        payload = row.payload
        template = payload.get("template")
        if template not in ("reminder", "date_moved"):
            return payload
        event = self.book.event(str(payload.get("event")))
        kd = event.key_date(str(payload.get("key_date"))) if event else None
        now = self.book.clock.now()
        queued_for = parse_instant(str(payload.get("key_date_at")))
        if template == "date_moved":
            if event is None or kd is None or kd.at != queued_for:
                return payload  # moved again since: the stored text is still true of then
            chat = await self.db.chats.get_chat(row.chat_id)
            previous = parse_instant(str(payload.get("previous_at")))
            reader = self._reader(chat.timezone if chat else None)
            return {**payload, "text": self.texts.date_moved(event, kd, previous, reader)}
        until = parse_instant(str(payload.get("until") or payload.get("key_date_at")))
        if event is None or kd is None or kd.at != queued_for or until <= now:
            return None
        if self._superseded(event, row.idempotency_key, now):
            return None
        chat = await self.db.chats.get_chat(row.chat_id)
        text = self.texts.reminder(event, kd, self._reader(chat.timezone if chat else None))
        return {**payload, "text": text}

    def _superseded(self, event: Event, key: str, now: dt.datetime) -> bool:
        """Whether the reminder of this row is superseded now by a later one of its date."""
        try:
            reminder_id = parse_key(key).ref.partition("@")[0]
        except ValueError:
            return False  # not a reminder key: nothing to supersede it
        reminders = self._reminders_of(event)
        reminder = next((r for r in reminders if r.id == reminder_id), None)
        by = None if reminder is None else superseded_by(reminder, reminders, now)
        if by is not None:
            log.debug("reminder %s skipped at send time: superseded by %s", reminder_id, by.id)
        return by is not None
