"""What organizers can do: reload, extend, audit (news and stats join them). No Telegram here."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.domain.config import ConfigError
from bot.domain.times import TimeError, iso_utc
from bot.render.messages import AuditView, StatsView
from bot.services.events import DateChange
from bot.services.reminders import ReminderService
from bot.storage.database import Database

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    """The result of an admin action: whether it worked and what to tell the organizer."""

    ok: bool
    message: str
    changes: tuple[DateChange, ...] = ()


class AdminService:
    """Organizer actions, each checked against the admin list and recorded in the audit."""

    def __init__(self, db: Database, reminders: ReminderService, admin_ids: frozenset[int]):
        self.db = db
        self.reminders = reminders
        self.admin_ids = admin_ids

    def is_admin(self, user_id: int | None) -> bool:
        """Whether this Telegram user id may use admin commands."""
        return user_id is not None and user_id in self.admin_ids

    async def refuse(self, user_id: int | None, action: str) -> None:
        """Log and audit an admin command tried by someone who is not an admin."""
        log.warning("refused admin command %s from user %s", action, user_id)
        await self.db.audit.record(user_id, action, "not an admin", outcome="refused")

    async def reload(self, user_id: int | None) -> Outcome:
        """Re-read the config; a broken one changes nothing and says why."""
        try:
            changes = await self.reminders.reload()
        except ConfigError as exc:
            await self.db.audit.record(user_id, "reload", exc.report(), outcome="failed")
            return Outcome(False, exc.report())
        detail = {"moved": [f"{c.event_id}:{c.key_date_id}" for c in changes]}
        await self.db.audit.record(user_id, "reload", detail)
        return Outcome(True, "", tuple(changes))

    async def extend(self, user_id: int | None, key_date_id: str, written: str) -> Outcome:
        """Extend a key date of the bot's event, announce it once and reschedule."""
        event = self.reminders.book.primary
        detail = {"key_date": key_date_id, "to": written}
        try:
            change = await self.reminders.extend(event.id, key_date_id, written, user_id)
        except KeyError:
            ids = ", ".join(kd.id for kd in event.key_dates)
            await self.db.audit.record(user_id, "extend", detail, outcome="failed")
            return Outcome(False, f"There is no key date {key_date_id!r}; the ids are: {ids}.")
        except (TimeError, ValueError) as exc:
            await self.db.audit.record(user_id, "extend", detail, outcome="failed")
            return Outcome(False, str(exc))
        await self.db.audit.record(user_id, "extend", detail)
        return Outcome(True, "", (change,))

    async def stats(self) -> StatsView:
        """Return the figures of /stats."""
        event = self.reminders.book.primary
        counts = await self.db.subscriptions.stats(event.id)
        upcoming = self.reminders.upcoming()
        return StatsView(
            active=counts.active,
            inactive=counts.inactive,
            unreachable=counts.unreachable,
            by_mode=dict(counts.by_mode),
            by_timezone=dict(counts.by_timezone),
            scheduled=len(upcoming),
            next_reminder=f"{upcoming[0].id} at {iso_utc(upcoming[0].fire_at)}"
            if upcoming
            else None,
            pending=await self.db.outbox.pending_count(),
        )

    async def audit_log(self, limit: int = 15) -> list[AuditView]:
        """Return the latest admin actions, newest first, with names where the bot knows them."""
        entries = await self.db.audit.latest(limit)
        names: dict[int, str | None] = {}
        for user_id in {e.user_id for e in entries if e.user_id is not None}:
            chat = await self.db.chats.get_chat(user_id)  # a person's private chat has their id
            names[user_id] = _name(chat.first_name, chat.username) if chat else None
        return [
            AuditView(e.at, e.user_id, e.action, e.detail, e.outcome, names.get(e.user_id or 0))
            for e in entries
        ]


def _name(first_name: str | None, username: str | None) -> str | None:
    """Return a display name: Olivia (@olivia_chair), Olivia, @olivia_chair, or None."""
    if first_name and username:
        return f"{first_name} (@{username})"
    return first_name or (f"@{username}" if username else None)
