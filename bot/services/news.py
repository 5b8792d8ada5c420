"""Organizer news: drafts per admin, one confirmation, a broadcast through the outbox.

A draft belongs to the admin who wrote it; two admins never share one. Confirming takes
the draft out atomically, so a second press of the Send button finds nothing and sends
nothing; the broadcast's rows are keyed ``news:<news id>:<chat>:<part>``
(:mod:`bot.domain.outbox_keys`), so even a repeated enqueue adds nothing. The post's text
comes from the :class:`NewsTexts` the composition root passes in.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from bot.delivery import DeliveryEngine
from bot.domain.clock import Clock
from bot.domain.model import Event
from bot.domain.outbox_keys import news_prefix
from bot.domain.series import series_of
from bot.domain.views import BroadcastView, DeliveryEstimate
from bot.storage.database import Database
from bot.storage.models import Audience, AudienceBroadcast

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Draft:
    """An announcement waiting for its author's confirmation."""

    id: str
    author_id: int
    html: str
    """The announcement body as Telegram HTML (from the message's entities, or escaped)."""
    send_at: dt.datetime | None = None
    """When to send it (``/post at …``); None: at once."""
    series: str | None = None
    """The series it goes to (its followers); None: the bot's first."""


@dataclass(frozen=True)
class Posted:
    """A confirmed announcement: the stored news item and its broadcast."""

    news_id: int
    broadcast_id: int
    recipients: int
    send_at: dt.datetime | None = None
    """When it goes out, for a scheduled post."""


class NewsTexts(Protocol):
    """How a news post reads when it is broadcast."""

    def news_parts(self, event: Event, html: str) -> list[str]:
        """The post as the messages it is sent in."""
        ...


class NewsService:
    """Drafts, confirmation and broadcast of organizer news."""

    def __init__(
        self, db: Database, engine: DeliveryEngine, clock: Clock, texts: NewsTexts
    ) -> None:
        self.db = db
        self.engine = engine
        self.clock = clock
        self.texts = texts
        self._drafts: dict[int, Draft] = {}

    def draft(
        self,
        author_id: int,
        html: str,
        send_at: dt.datetime | None = None,
        series: str | None = None,
    ) -> Draft:
        """Start (or replace) this admin's draft for the followers of ``series``."""
        draft = Draft(secrets.token_hex(6), author_id, html, send_at, series)
        self._drafts[author_id] = draft
        return draft

    def current(self, author_id: int) -> Draft | None:
        """Return this admin's draft, if any."""
        return self._drafts.get(author_id)

    def discard(self, author_id: int, draft_id: str) -> bool:
        """Drop this admin's draft (Cancel); True if it was there."""
        draft = self._drafts.get(author_id)
        if draft is None or draft.id != draft_id:
            return False
        del self._drafts[author_id]
        return True

    async def audience(self, event: Event) -> int:
        """Return how many chats a news item would reach now (one count in the database)."""
        return await self.db.subscriptions.audience_size(Audience(series_of(event)))

    def estimate(self, event: Event, html: str, audience: int) -> DeliveryEstimate:
        """How long a post to ``audience`` chats takes, free or paid, and the paid cost."""
        parts = len(self.texts.news_parts(event, html))
        return DeliveryEstimate.of(audience * parts, self.engine.limiter.limits)

    async def confirm(
        self,
        event: Event,
        author_id: int,
        draft_id: str,
        *,
        channel_id: int | None = None,
        paid: bool = False,
    ) -> Posted | None:
        """Publish this admin's draft once; None when it is gone (already sent or cancelled).

        ``paid``: as a paid broadcast (the organizer opted in on the preview).
        """
        draft = self._drafts.get(author_id)
        if draft is None or draft.id != draft_id:
            return None
        del self._drafts[author_id]  # taken before any await: a second press finds nothing
        return await self.publish(
            event, draft.html, author_id, channel_id=channel_id, send_at=draft.send_at, paid=paid
        )

    async def publish(
        self,
        event: Event,
        html: str,
        author_id: int | None,
        *,
        channel_id: int | None = None,
        send_at: dt.datetime | None = None,
        paid: bool = False,
    ) -> Posted:
        """Store the news item and enqueue one row per recipient (and part).

        The rows are written inside the database, the text stored once per part.
        ``channel_id`` is the event's announcement channel, which gets the post too.
        ``paid``: a paid broadcast (``allow_paid_broadcast``: faster, costs Stars).
        With ``send_at`` the rows wait in the outbox until then: a scheduled post survives
        restarts and ``/cancel`` stops it; the recipients are those subscribed now.
        One unit of work: a crash leaves the item, its rows and its audit entry, or none.
        """
        async with self.db.unit_of_work():  # the item, its rows and the audit: all or none
            item = await self.db.news.add_news(
                event.id, html, posted_by=author_id, source="admin", posted_at=send_at
            )
            parts = self.texts.news_parts(event, html)
            audience = Audience(
                series_of(event), extra_chats=() if channel_id is None else (channel_id,)
            )
            created = await self.engine.enqueue_to(
                AudienceBroadcast(
                    event.id,
                    "news",
                    str(item.id),
                    author_id,
                    audience,
                    [{"text": p, "parse_mode": "HTML", "disable_preview": False} for p in parts],
                    news_prefix(item.id),
                    part_suffix=True,
                    not_before=send_at,
                    paid=paid,
                )
            )
            broadcast = created.broadcast_id
            recipients = created.inserted // len(parts)
            log.info("news %d: broadcast %d to %d chat(s)", item.id, broadcast, recipients)
            detail = {"news": item.id, "broadcast": broadcast, "chats": recipients, "paid": paid}
            await self.db.audit.record(author_id, "post", detail)
        return Posted(item.id, broadcast, recipients, send_at)

    async def broadcasts(self, editions: Sequence[Event], limit: int = 10) -> list[BroadcastView]:
        """Return the latest broadcasts of these editions (a series'), newest first."""
        found = [
            b for e in editions for b in await self.db.outbox.list_broadcasts(limit, event_id=e.id)
        ]
        found.sort(key=lambda b: (b.created_at, b.id), reverse=True)
        return [
            BroadcastView(
                b.id,
                b.kind,
                b.ref,
                b.status,
                b.total,
                int((b.report or {}).get("delivered", 0)),
                b.created_at,
                b.report is not None,
            )
            for b in found[:limit]
        ]

    async def edition_of(self, broadcast_id: int) -> str | None:
        """The edition (event id) a broadcast belongs to, or None for an unknown id."""
        broadcast = await self.db.outbox.get_broadcast(broadcast_id)
        return None if broadcast is None else broadcast.event_id

    async def cancel(self, author_id: int | None, broadcast_id: int) -> int:
        """Cancel a running broadcast; return how many messages will not be sent."""
        count = await self.engine.cancel(broadcast_id)
        await self.db.audit.record(author_id, "cancel", {"broadcast": broadcast_id, "rows": count})
        return count
