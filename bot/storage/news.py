"""News for an event: posted by organizers, or seeded from the event's config."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import cast

from sqlalchemy import insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.clock import Clock, ensure_utc
from bot.storage._sql import instant, opt_int, opt_str, upsert_insert
from bot.storage.models import ConfigNews, NewsItem, NewsSource
from bot.storage.schema import NEWS_SOURCES, news
from bot.storage.unit import Connections


def news_from_row(row: RowMapping) -> NewsItem:
    """Build a :class:`NewsItem` from a ``news`` row."""
    return NewsItem(
        id=int(row["id"]),
        event_id=str(row["event_id"]),
        html=str(row["html"]),
        posted_at=instant(row["posted_at"]),
        posted_by=opt_int(row["posted_by"]),
        source=cast(NewsSource, row["source"]),
        source_key=opt_str(row["source_key"]),
    )


class NewsRepository:
    """Reads and writes ``news``."""

    def __init__(self, engine: AsyncEngine, clock: Clock) -> None:
        self._engine = engine
        self._conns = Connections(engine)
        self._clock = clock

    async def add_news(
        self,
        event_id: str,
        html: str,
        *,
        posted_by: int | None = None,
        source: NewsSource = "admin",
        posted_at: dt.datetime | None = None,
    ) -> NewsItem:
        """Store a news item (HTML already escaped and validated by the caller)."""
        if source not in NEWS_SOURCES:
            raise ValueError(f"news source must be one of {NEWS_SOURCES}, not {source!r}")
        stmt = (
            insert(news)
            .values(
                event_id=event_id,
                html=html,
                posted_at=posted_at if posted_at is not None else self._clock.now(),
                posted_by=posted_by,
                source=source,
                source_key=None,
            )
            .returning(*news.c)
        )
        async with self._conns.write() as conn:
            row = (await conn.execute(stmt)).mappings().one()
        return news_from_row(row)

    async def latest_news(
        self, event_id: str, limit: int = 5, *, until: dt.datetime | None = None
    ) -> list[NewsItem]:
        """Return the event's newest news first (only those posted by ``until``, if given)."""
        stmt = select(news).where(news.c.event_id == event_id)
        if until is not None:
            stmt = stmt.where(news.c.posted_at <= until)
        stmt = stmt.order_by(news.c.posted_at.desc(), news.c.id.desc()).limit(limit)
        async with self._conns.read() as conn:
            rows = (await conn.execute(stmt)).mappings().all()
        return [news_from_row(r) for r in rows]

    async def ensure_config_news(self, event_id: str, items: Iterable[ConfigNews]) -> int:
        """Seed news written in the config; returns how many rows were added or changed.

        Idempotent: items are matched by ``key``; a changed text or date updates the
        stored item (an item without a date keeps the instant it was first seeded);
        items removed from the config stay in the database.
        """
        wanted = {item.key: item for item in items}
        if not wanted:
            return 0
        changed = 0
        async with self._conns.write() as conn:
            existing = {
                str(r["source_key"]): r
                for r in (
                    await conn.execute(
                        select(news).where(
                            news.c.event_id == event_id, news.c.source_key.in_(list(wanted))
                        )
                    )
                ).mappings()
            }
            now = self._clock.now()
            for key, item in wanted.items():
                row = existing.get(key)
                posted_at = ensure_utc(item.posted_at) if item.posted_at is not None else None
                if row is None:
                    # Another process may seed at the same moment: let its row win.
                    added = await conn.execute(
                        upsert_insert(self._engine, news)
                        .values(
                            event_id=event_id,
                            html=item.html,
                            posted_at=posted_at or now,
                            posted_by=None,
                            source="config",
                            source_key=key,
                        )
                        .on_conflict_do_nothing()
                        .returning(news.c.id)
                    )
                    changed += len(added.all())
                    continue
                stored_at = instant(row["posted_at"])
                new_at = stored_at if posted_at is None else posted_at
                if row["html"] != item.html or stored_at != new_at:
                    await conn.execute(
                        update(news)
                        .where(news.c.id == row["id"])
                        .values(html=item.html, posted_at=new_at)
                    )
                    changed += 1
        return changed
