"""What subscribers can do, between the handlers and storage: no Telegram, no SQL."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.domain.clock import Clock
from bot.domain.model import Event
from bot.domain.times import TimeError, Zone, parse_zone
from bot.render.html import esc
from bot.render.messages import NewsEntry, Reader
from bot.services.events import EventBook
from bot.storage.database import Database
from bot.storage.errors import is_storage_error
from bot.storage.models import ConfigNews, ReminderMode

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ChatInfo:
    """The chat an update came from, as the handlers saw it."""

    chat_id: int
    type: str
    title: str | None = None
    username: str | None = None
    first_name: str | None = None
    language_code: str | None = None

    @property
    def is_group(self) -> bool:
        """Whether this is a group or supergroup (short replies, admin-only changes)."""
        return self.type in {"group", "supergroup"}


class SubscriberService:
    """Subscriptions, time zones and reminder choices of the chats, for every event."""

    def __init__(self, db: Database, book: EventBook, clock: Clock) -> None:
        self.db = db
        self.book = book
        self.clock = clock

    @property
    def event(self) -> Event:
        """The event this bot speaks about, as it stands now (extensions applied)."""
        return self.book.primary

    async def seed_config_news(self) -> None:
        """Store the news written in each event's config (idempotent)."""
        for event in self.book.events:
            items = [ConfigNews(item.id, esc(item.text), None) for item in event.news]
            await self.db.news.ensure_config_news(event.id, items)

    async def seen(self, chat: ChatInfo) -> None:
        """Record (or refresh) a chat that wrote to the bot."""
        await self.db.chats.upsert_chat(
            chat.chat_id,
            chat.type,
            chat.title,
            chat.username,
            chat.first_name,
            language_code=chat.language_code,
        )

    async def zone_of(self, chat_id: int) -> Zone | None:
        """Return the chat's chosen zone, if it chose one that still exists."""
        stored = await self.db.chats.get_chat(chat_id)
        if stored is None or not stored.timezone:
            return None
        try:
            return parse_zone(stored.timezone)
        except TimeError:
            return None

    async def reader(self, chat: ChatInfo) -> Reader:
        """Return how this chat reads times: its zone, now, and whether it is a group.

        When storage fails the chat's zone is unknown for this answer (AoE and UTC are
        shown): what needs no database keeps being answered.
        """
        try:
            zone = await self.zone_of(chat.chat_id)
        except Exception as exc:
            if not is_storage_error(exc):
                raise
            log.warning("time zone of chat %d unknown (storage failing): %s", chat.chat_id, exc)
            zone = None
        return Reader(zone, self.clock.now(), chat.is_group)

    async def set_zone(self, chat: ChatInfo, zone: Zone) -> None:
        """Remember the chat's time zone."""
        await self.seen(chat)
        await self.db.chats.set_timezone(chat.chat_id, zone.label)

    async def first_time(self, chat_id: int, what: str) -> bool:
        """Whether this is the chat's first ``what`` (e.g. an offer shown once); records it.

        While storage fails the answer is False: an optional offer is skipped rather than
        turning an answer that needs no database into an error.
        """
        key = f"{what}:{chat_id}"
        try:
            if await self.db.kv.get(key) is not None:
                return False
            await self.db.kv.set(key, "1")
        except Exception as exc:
            if not is_storage_error(exc):
                raise
            log.warning(
                "skipping the %s offer to chat %d (storage failing): %s", what, chat_id, exc
            )
            return False
        return True

    async def is_subscribed(self, chat_id: int) -> bool:
        """Whether the chat is subscribed to the bot's event."""
        return await self.db.subscriptions.is_subscribed(self.event.id, chat_id)

    async def subscribe(self, chat: ChatInfo) -> bool:
        """Subscribe the chat; True when it was not subscribed before."""
        await self.seen(chat)
        return await self.db.subscriptions.subscribe(self.event.id, chat.chat_id)

    async def unsubscribe(self, chat: ChatInfo) -> bool:
        """Unsubscribe the chat (its row is kept); True when it was subscribed."""
        return await self.db.subscriptions.unsubscribe(self.event.id, chat.chat_id)

    async def reminder_choices(self, chat_id: int) -> tuple[bool, str, frozenset[str]]:
        """Return (subscribed, reminder mode, muted key-date ids)."""
        subscription = await self.db.subscriptions.get_subscription(self.event.id, chat_id)
        if subscription is None or not subscription.active:
            return False, "all", frozenset()
        muted = await self.db.subscriptions.muted_key_dates(self.event.id, chat_id)
        return True, subscription.reminders, muted

    async def set_mode(self, chat_id: int, mode: ReminderMode) -> None:
        """Choose all reminders, deadlines only, or none."""
        await self.db.subscriptions.set_reminder_mode(self.event.id, chat_id, mode)

    async def toggle_key_date(self, chat_id: int, key_date_id: str) -> bool:
        """Mute or unmute one key date's reminders; True when it is now muted."""
        if self.event.key_date(key_date_id) is None:
            raise KeyError(key_date_id)
        muted = await self.db.subscriptions.muted_key_dates(self.event.id, chat_id)
        if key_date_id in muted:
            await self.db.subscriptions.unmute_key_date(self.event.id, chat_id, key_date_id)
            return False
        await self.db.subscriptions.mute_key_date(self.event.id, chat_id, key_date_id)
        return True

    async def latest_news(self, limit: int = 5) -> list[NewsEntry]:
        """Return the newest announcements first; config news carries no date of its own."""
        items = await self.db.news.latest_news(self.event.id, limit, until=self.clock.now())
        return [
            NewsEntry(item.html, item.posted_at if item.source == "admin" else None)
            for item in items
        ]

    async def chat_left(self, chat_id: int, reason: str) -> None:
        """The bot was blocked or removed: keep everything, stop sending."""
        await self.db.chats.mark_inactive(chat_id, reason)

    async def chat_back(self, chat: ChatInfo) -> None:
        """The bot was unblocked or added back: reachable again."""
        await self.seen(chat)
        await self.db.chats.mark_active(chat.chat_id)
