import asyncio
import datetime as dt

import pytest
from sqlalchemy import text
from sqlalchemy.exc import StatementError

from bot.domain.clock import FixedClock
from bot.storage import ConfigNews, Database

EVENT = "euromlsys2026"
IST = dt.timezone(dt.timedelta(hours=5, minutes=30))
AOE = dt.timezone(dt.timedelta(hours=-12))


async def test_news(db: Database, clock: FixedClock) -> None:
    first = await db.news.add_news(EVENT, "<b>Call for papers</b>", posted_by=42)
    clock.advance(dt.timedelta(days=1))
    second = await db.news.add_news(EVENT, "Keynote announced")
    await db.news.add_news("other", "elsewhere")
    latest = await db.news.latest_news(EVENT, 5)
    assert [n.id for n in latest] == [second.id, first.id]
    assert (latest[1].posted_by, latest[1].source, latest[1].posted_at) == (
        42,
        "admin",
        first.posted_at,
    )
    assert await db.news.latest_news(EVENT, 1) == [second]


async def test_config_news_seed_is_idempotent(db: Database) -> None:
    t = dt.datetime(2025, 12, 1, 10, 0, tzinfo=dt.UTC)
    items = [
        ConfigNews("cfp", "CfP is out", t),
        ConfigNews("site", "Site is up", t + dt.timedelta(days=1)),
    ]
    assert await db.news.ensure_config_news(EVENT, items) == 2
    assert await db.news.ensure_config_news(EVENT, items) == 0
    edited = [ConfigNews("cfp", "CfP is out (updated)", t.astimezone(AOE)), items[1]]
    assert await db.news.ensure_config_news(EVENT, edited) == 1
    assert await db.news.ensure_config_news(EVENT, edited) == 0  # same instant, other zone
    assert await db.news.ensure_config_news(EVENT, []) == 0
    news = await db.news.latest_news(EVENT, 10)
    assert [(n.source_key, n.html, n.source) for n in news] == [
        ("site", "Site is up", "config"),
        ("cfp", "CfP is out (updated)", "config"),
    ]
    assert await db.news.ensure_config_news("other", items) == 2  # keys are per event


async def test_extensions(db: Database, clock: FixedClock) -> None:
    before = dt.datetime(2026, 2, 15, 23, 59, tzinfo=AOE)
    after = dt.datetime(2026, 2, 22, 23, 59, tzinfo=AOE)
    first = await db.extensions.record_extension(
        EVENT, "submission", before, after, "22 Feb 2026 23:59 AoE", recorded_by=42
    )
    clock.advance(dt.timedelta(days=1))
    final = after + dt.timedelta(days=3)
    second = await db.extensions.record_extension(
        EVENT, "submission", after, final, "25 Feb 2026 23:59 AoE"
    )
    await db.extensions.record_extension(EVENT, "camera-ready", before, after, "later")
    assert first.previous_at == before and first.previous_at.tzinfo is dt.UTC
    assert [e.id for e in await db.extensions.extensions_for(EVENT, "submission")] == [
        first.id,
        second.id,
    ]
    assert len(await db.extensions.extensions_for(EVENT)) == 3
    assert (second.new_at, second.recorded_by) == (final, None)
    assert await db.extensions.extensions_for("other") == []


async def test_audit(db: Database, clock: FixedClock) -> None:
    await db.audit.record(42, "news.post", {"news_id": 1, "recipients": 120})
    clock.advance(dt.timedelta(seconds=1))
    await db.audit.record(7, "admin.denied", "not an organizer", "denied")
    clock.advance(dt.timedelta(seconds=1))
    await db.audit.record(None, "migrate", "schema 2")
    entries = await db.audit.latest(10)
    assert [e.action for e in entries] == ["migrate", "admin.denied", "news.post"]
    assert entries[2].detail == '{"news_id":1,"recipients":120}'
    assert (entries[1].outcome, entries[0].user_id) == ("denied", None)
    assert [e.action for e in await db.audit.latest(10, user_id=42)] == ["news.post"]
    assert [e.user_id for e in await db.audit.latest(10, action="admin.denied")] == [7]
    assert len(await db.audit.latest(1)) == 1


async def test_kv(db: Database, clock: FixedClock) -> None:
    assert await db.kv.get("webhook_secret") is None
    await db.kv.set("webhook_secret", "one")
    await db.kv.set("webhook_secret", "two")
    assert await db.kv.get("webhook_secret") == "two"
    assert await db.kv.setdefault("webhook_secret", "three") == "two"
    results = await asyncio.gather(*(db.kv.setdefault("generated", f"v{i}") for i in range(5)))
    assert len(set(results)) == 1 and await db.kv.get("generated") == results[0]


async def test_timestamps_come_back_aware_utc(db: Database, clock: FixedClock) -> None:
    local = dt.datetime(2026, 2, 16, 5, 29, tzinfo=IST)  # 23:59 UTC the day before
    ext = await db.extensions.record_extension(EVENT, "x", local, local, "as written")
    [stored] = await db.extensions.extensions_for(EVENT)
    for value in (ext.previous_at, stored.previous_at, stored.recorded_at):
        assert value.tzinfo is dt.UTC
    assert stored.previous_at == local
    assert stored.previous_at.replace(tzinfo=None) == dt.datetime(2026, 2, 15, 23, 59)
    chat = await db.chats.upsert_chat(1, "private")
    assert chat.first_seen.tzinfo is dt.UTC and chat.first_seen == clock.now()
    async with db.engine.connect() as conn:
        raw = (await conn.execute(text("SELECT previous_at FROM extensions"))).scalar_one()
    if db.dialect == "sqlite":
        assert raw == "2026-02-15 23:59:00.000000"  # UTC text, sorts in time order
    else:
        assert raw == local  # timestamptz: an instant


async def test_naive_datetimes_are_refused(db: Database) -> None:
    naive = dt.datetime(2026, 2, 15, 23, 59)
    with pytest.raises(StatementError, match="naive datetime"):
        await db.extensions.record_extension(EVENT, "x", naive, naive, "naive")
    assert await db.extensions.extensions_for(EVENT) == []


async def test_config_news_without_date_keeps_first_seed_time(
    db: Database, clock: FixedClock
) -> None:
    seeded_at = clock.now()
    assert await db.news.ensure_config_news(EVENT, [ConfigNews("welcome", "Hi")]) == 1
    clock.advance(dt.timedelta(days=2))  # a restart, later
    assert await db.news.ensure_config_news(EVENT, [ConfigNews("welcome", "Hi")]) == 0
    assert await db.news.ensure_config_news(EVENT, [ConfigNews("welcome", "Hello")]) == 1
    [item] = await db.news.latest_news(EVENT)
    assert (item.html, item.posted_at) == ("Hello", seeded_at)
