"""What subscribers can do, between the handlers and storage: no Telegram, no SQL."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.domain.clock import Clock
from bot.domain.model import Event
from bot.domain.reminding import ReminderMode
from bot.domain.series import Series, leading_year, parse_choice, series_of
from bot.domain.times import Zone, stored_zone
from bot.domain.views import NewsEntry, Reader
from bot.services.events import EventBook
from bot.storage.database import Database
from bot.storage.errors import is_storage_error
from bot.storage.models import ConfigNews

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


@dataclass(frozen=True)
class Target:
    """What a command is about: a series and one of its editions, or a question to ask.

    ``series`` is None when the chat must choose (it follows several and chose none);
    ``missing`` names a word that is no event, ``no_year`` a year the series lacks.
    """

    series: Series | None
    edition: Event | None
    rest: tuple[str, ...] = ()
    """The command's words after the event (e.g. the words of ``/scope mlsys words``)."""
    missing: str | None = None
    no_year: int | None = None
    named: bool = False
    """True when the command named the event itself."""


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

    async def seed_config_news(self, as_html: Callable[[str], str]) -> None:
        """Store the news written in each event's config (idempotent), as HTML by ``as_html``."""
        for event in self.book.events:
            items = [ConfigNews(item.id, as_html(item.text), None) for item in event.news]
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
        return stored_zone(stored.timezone if stored else None)

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
        """Remember the chat's time zone (with the chat row, in one unit of work)."""
        async with self.db.unit_of_work():
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

    # -- which series a command is about -------------------------------------------------

    def _series_id(self, series: str | None) -> str:
        return series if series is not None else series_of(self.event)

    async def default_series(self, chat_id: int) -> Series | None:
        """The chat's default: the only series, else the only one it follows, else its choice."""
        catalog = self.book.catalog
        if len(catalog) == 1:
            return catalog[0]
        try:
            following = await self.db.subscriptions.followed(chat_id)
            chosen = await self.db.subscriptions.default_series(chat_id)
        except Exception as exc:
            if not is_storage_error(exc):
                raise
            log.warning("default event of chat %d unknown (storage failing): %s", chat_id, exc)
            return None  # the handler asks; a command naming its event still works
        followed = [s for s in catalog if s.id in following]
        if len(followed) == 1:
            return followed[0]
        return next((s for s in catalog if s.id == chosen), None)

    async def target(self, chat_id: int, words: Sequence[str] = ()) -> Target:
        """Read an optional event (``mlsys``, ``euromlsys 2026``, ``2026``) from ``words``.

        Without one, the chat's default series; when it has none, a target without a
        series (the handler asks with buttons). The edition is the series' current one,
        or the one of the year named.
        """
        catalog = self.book.catalog
        choice, rest = parse_choice(catalog, words)
        year: int | None
        series: Series | None
        if choice is not None:
            series, year, named = choice.series, choice.year, True
        else:
            year, rest = leading_year(words)
            series, named = await self.default_series(chat_id), False
        if series is None:
            return Target(None, None, tuple(rest))
        if year is None:
            return Target(series, series.current(self.clock.now()), tuple(rest), named=named)
        edition = series.edition(year)
        if edition is None:
            return Target(series, None, tuple(rest), no_year=year, named=named)
        return Target(series, edition, tuple(rest), named=True)

    async def choose(self, chat: ChatInfo, series_id: str) -> bool:
        """Remember the series the chat talks about; False for an unknown series.

        Best effort: when storage fails the answer is still given, only not remembered.
        """
        if self.book.series(series_id) is None:
            return False
        try:
            await self.seen(chat)
            return await self.db.subscriptions.choose_series(chat.chat_id, series_id)
        except Exception as exc:
            if not is_storage_error(exc):
                raise
            log.warning("choice of chat %d not kept (storage failing): %s", chat.chat_id, exc)
            return False

    async def following(self, chat_id: int) -> list[str]:
        """The ids of the series the chat follows."""
        return await self.db.subscriptions.followed(chat_id)

    async def followed_series(self, chat_id: int) -> list[Series]:
        """The series the chat follows, in the bot's order (none while storage fails)."""
        try:
            following = set(await self.following(chat_id))
        except Exception as exc:
            if not is_storage_error(exc):
                raise
            log.warning("series of chat %d unknown (storage failing): %s", chat_id, exc)
            return []
        return [s for s in self.book.catalog if s.id in following]

    # -- subscriptions (to a series; default: the bot's first) ------------------------------

    async def is_subscribed(self, chat_id: int, series: str | None = None) -> bool:
        """Whether the chat follows the series."""
        return await self.db.subscriptions.is_subscribed(self._series_id(series), chat_id)

    async def subscribe(
        self, chat: ChatInfo, series: str | None = None, *, choose: bool = False
    ) -> bool:
        """Subscribe the chat to the series; True when it was not subscribed before.

        ``choose``: also make it the series the chat talks about (``/follow``). One unit
        of work: the chat row, the subscription and the choice are all written, or none.
        """
        sid = self._series_id(series)
        async with self.db.unit_of_work():
            await self.seen(chat)
            was_new = await self.db.subscriptions.subscribe(sid, chat.chat_id)
            if choose:
                await self.db.subscriptions.choose_series(chat.chat_id, sid)
            return was_new

    async def unsubscribe(self, chat: ChatInfo, series: str | None = None) -> bool:
        """Unsubscribe the chat (its row is kept); True when it was subscribed."""
        return await self.db.subscriptions.unsubscribe(self._series_id(series), chat.chat_id)

    async def reminder_choices(
        self, chat_id: int, series: str | None = None
    ) -> tuple[bool, ReminderMode, frozenset[str]]:
        """Return (subscribed, reminder mode, muted key-date ids)."""
        sid = self._series_id(series)
        subscription = await self.db.subscriptions.get_subscription(sid, chat_id)
        if subscription is None or not subscription.active:
            return False, "all", frozenset()
        muted = await self.db.subscriptions.muted_key_dates(sid, chat_id)
        return True, subscription.reminders, muted

    async def set_mode(self, chat_id: int, mode: ReminderMode, series: str | None = None) -> None:
        """Choose all reminders, deadlines only, or none."""
        await self.db.subscriptions.set_reminder_mode(self._series_id(series), chat_id, mode)

    async def toggle_key_date(
        self, chat_id: int, key_date_id: str, series: str | None = None
    ) -> bool:
        """Mute or unmute one key date's reminders (in every edition); True when now muted."""
        sid = self._series_id(series)
        found = self.book.series(sid)
        if found is None or all(e.key_date(key_date_id) is None for e in found.editions):
            raise KeyError(key_date_id)
        muted = await self.db.subscriptions.muted_key_dates(sid, chat_id)
        if key_date_id in muted:
            await self.db.subscriptions.unmute_key_date(sid, chat_id, key_date_id)
            return False
        await self.db.subscriptions.mute_key_date(sid, chat_id, key_date_id)
        return True

    async def latest_news(self, limit: int = 5, series: str | None = None) -> list[NewsEntry]:
        """Return the series' newest announcements first (every edition's)."""
        found = self.book.series(self._series_id(series))
        editions = found.editions if found is not None else (self.event,)
        items = [
            item
            for edition in editions
            for item in await self.db.news.latest_news(edition.id, limit, until=self.clock.now())
        ]
        items.sort(key=lambda item: (item.posted_at, item.id), reverse=True)
        return [
            NewsEntry(item.html, item.posted_at if item.source == "admin" else None)
            for item in items[:limit]
        ]

    async def chat_left(self, chat_id: int, reason: str) -> None:
        """The bot was blocked or removed: keep everything, stop sending."""
        await self.db.chats.mark_inactive(chat_id, reason)

    async def chat_back(self, chat: ChatInfo) -> None:
        """The bot was unblocked or added back: reachable again (one unit of work)."""
        async with self.db.unit_of_work():
            await self.seen(chat)
            await self.db.chats.mark_active(chat.chat_id)
