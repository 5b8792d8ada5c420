"""What organizers can do: reload, extend, audit (news and stats join them). No Telegram here."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from bot.domain.config import ConfigError
from bot.domain.model import Event
from bot.domain.series import Series, group_series, new_editions, series_of
from bot.domain.times import TimeError
from bot.domain.views import AuditView, StatsView
from bot.services.events import DateChange
from bot.services.reminders import ReminderService
from bot.storage.database import Database

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    """The result of an admin action: whether it worked, and if not, why."""

    ok: bool
    error: str = ""
    """Why it failed, as the config's or the time parser's report says."""
    unknown_key_date: str | None = None
    """The key date asked for, when the edition has none by that id (``key_dates`` has)."""
    key_dates: tuple[str, ...] = ()
    changes: tuple[DateChange, ...] = ()
    editions: tuple[str, ...] = ()
    """New editions announced by a reload (their ids)."""
    series: tuple[str, ...] = ()
    """The series whose files a reload re-read (empty: every file)."""


class AdminService:
    """Organizer actions, each checked against the admin list and recorded in the audit."""

    def __init__(self, db: Database, reminders: ReminderService, admin_ids: frozenset[int]):
        self.db = db
        self.reminders = reminders
        self.admin_ids = admin_ids

    def is_admin(self, user_id: int | None, series: str | None = None) -> bool:
        """Whether this user may use admin commands (for ``series``: of that series).

        ``ADMIN_IDS`` administer every series; an edition file's ``admins`` only theirs.
        Without ``series``: whether the user administers any.
        """
        if user_id is None:
            return False
        if user_id in self.admin_ids:
            return True
        catalog = self.reminders.book.catalog
        if series is None:
            return any(user_id in s.admins for s in catalog)
        found = self.reminders.book.series(series)
        return found is not None and user_id in found.admins

    def series_of_admin(self, user_id: int | None) -> list[Series]:
        """The series this user administers, in the bot's order."""
        return [s for s in self.reminders.book.catalog if self.is_admin(user_id, s.id)]

    async def preview_editions(self) -> list[tuple[Event, int]]:
        """Re-read the config (changing nothing) and return each edition a reload announces.

        With how many followers would get it now. A broken config raises ConfigError.
        """
        book = self.reminders.book
        loaded = await asyncio.to_thread(book.config_loader, book.config_path)
        found = []
        for series in group_series(loaded):
            known = await self.db.editions.known(series.id)
            chosen, _ = new_editions(series, known, book.clock.now())
            if chosen is not None:
                followers = await self.db.subscriptions.active_recipients(series.id)
                found.append((chosen, len(followers)))
        return found

    async def refuse(self, user_id: int | None, action: str, why: str = "not an admin") -> None:
        """Log and audit an admin command refused (not an admin, or not of that series)."""
        log.warning("refused admin command %s from user %s: %s", action, user_id, why)
        await self.db.audit.record(user_id, action, why, outcome="refused")

    def is_bot_admin(self, user_id: int | None) -> bool:
        """Whether this user administers the whole bot (``ADMIN_IDS``), not one series."""
        return user_id is not None and user_id in self.admin_ids

    async def reload(self, user_id: int | None, series: Sequence[str] | None = None) -> Outcome:
        """Re-read the config (``series``: only these series' files; None: every file).

        A broken config changes nothing and says why. The caller checks that the user
        administers ``series`` (every series, for None).
        """
        try:
            changes = await self.reminders.reload(series)
        except ConfigError as exc:
            await self.db.audit.record(user_id, "reload", exc.report(), outcome="failed")
            return Outcome(False, exc.report())
        announced = [e.id for e in self.reminders.announced_last]
        detail: dict[str, object] = {
            "moved": [f"{c.event_id}:{c.key_date_id}" for c in changes],
            "new": announced,
        }
        if series is not None:
            detail["series"] = list(series)
        await self.db.audit.record(user_id, "reload", detail)
        return Outcome(
            True, changes=tuple(changes), editions=tuple(announced), series=tuple(series or ())
        )

    async def extend(
        self, user_id: int | None, key_date_id: str, written: str, event: Event | None = None
    ) -> Outcome:
        """Extend a key date of an edition (default: the bot's), announce it once, reschedule."""
        event = event or self.reminders.book.primary
        detail = {"key_date": key_date_id, "to": written}
        try:
            async with self.db.unit_of_work():  # the extension, its notice and the audit
                change = await self.reminders.extend(event.id, key_date_id, written, user_id)
                await self.db.audit.record(user_id, "extend", detail)
        except KeyError:
            await self.db.audit.record(user_id, "extend", detail, outcome="failed")
            ids = tuple(kd.id for kd in event.key_dates)
            return Outcome(False, unknown_key_date=key_date_id, key_dates=ids)
        except (TimeError, ValueError) as exc:
            await self.db.audit.record(user_id, "extend", detail, outcome="failed")
            return Outcome(False, str(exc))
        return Outcome(True, changes=(change,))

    async def stats(self, series: str | None = None) -> StatsView:
        """Return the figures of /stats for a series (default: the bot's first)."""
        sid = series or series_of(self.reminders.book.primary)
        counts = await self.db.subscriptions.stats(sid)
        found = self.reminders.book.series(sid)
        ids = {e.id for e in found.editions} if found else set()
        upcoming = [r for r in self.reminders.upcoming() if r.event_id in ids]
        return StatsView.of(counts, upcoming, await self.db.outbox.pending_count())

    async def audit_log(self, limit: int = 15) -> list[AuditView]:
        """Return the latest admin actions, newest first, with names where the bot knows them."""
        entries = await self.db.audit.latest(limit)
        names: dict[int, tuple[str | None, str | None]] = {}
        for user_id in {e.user_id for e in entries if e.user_id is not None}:
            chat = await self.db.chats.get_chat(user_id)  # a person's private chat has their id
            names[user_id] = (chat.first_name, chat.username) if chat else (None, None)
        return [
            AuditView(
                e.at,
                e.user_id,
                e.action,
                e.detail,
                e.outcome,
                *names.get(e.user_id or 0, (None, None)),
            )
            for e in entries
        ]
