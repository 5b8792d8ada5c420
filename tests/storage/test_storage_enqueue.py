"""Enqueue inside the database: an audience becomes outbox rows, the payload stored once."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Table, func, select

from bot.domain.clock import FixedClock
from bot.storage import Database
from bot.storage.models import Audience, AudienceBroadcast
from bot.storage.schema import broadcast_parts, outbox

EVENT = "euromlsys2026"
SERIES = "euromlsys"  # subscriptions and audiences belong to the series


async def subscribe(db: Database, chat_ids: range | list[int]) -> None:
    for chat_id in chat_ids:
        await db.chats.upsert_chat(chat_id, "private")
        await db.subscriptions.subscribe(SERIES, chat_id)


async def count(db: Database, table: Table, **where: object) -> int:
    stmt = select(func.count()).select_from(table)
    for name, value in where.items():
        stmt = stmt.where(table.c[name] == value)
    async with db.engine.connect() as conn:
        return int((await conn.execute(stmt)).scalar_one())


async def test_audience_rows_are_written_in_chunks_and_once(db: Database) -> None:
    await subscribe(db, range(1, 12))
    await db.chats.upsert_chat(50, "private")
    await db.subscriptions.subscribe("mlsys", 50)  # another series: not in the audience
    await db.subscriptions.unsubscribe(SERIES, 5)
    await db.chats.mark_inactive(7, "blocked")
    parts = [{"text": "part one", "parse_mode": "HTML"}, {"text": "part two"}]
    audience = Audience(SERIES, extra_chats=(-100123, 3))
    created = await db.outbox.create_broadcast_to(
        AudienceBroadcast(EVENT, "news", "1", 99, audience, parts, "news:1:", part_suffix=True),
        chunk=3,
    )
    # 11 subscribers - 1 unsubscribed - 1 blocked = 9, plus the channel: 10 chats x 2 parts.
    assert created.inserted == 20
    assert await db.subscriptions.audience_size(audience) == 10
    assert await count(db, outbox, broadcast_id=created.broadcast_id) == 20
    assert await count(db, broadcast_parts, broadcast_id=created.broadcast_id) == 2
    assert await count(db, outbox, payload=None) == 20  # nobody carries a copy
    assert await db.outbox.has_key("news:1:-100123:1")
    assert await db.outbox.has_key("news:1:3:0") and not await db.outbox.has_key("news:1:5:0")
    again = await db.outbox.create_broadcast_to(
        AudienceBroadcast(EVENT, "news", "1", 99, audience, parts, "news:1:", part_suffix=True),
        chunk=4,
    )
    assert again == (created.broadcast_id, 0)
    broadcast = await db.outbox.get_broadcast(created.broadcast_id)
    assert broadcast is not None and broadcast.total == 20
    claimed = await db.outbox.claim_due(100)
    assert len(claimed) == 20
    texts = {(r.chat_id, r.idempotency_key.rsplit(":", 1)[1]): r.payload["text"] for r in claimed}
    assert texts[(3, "0")] == "part one" and texts[(-100123, "1")] == "part two"


async def test_reminder_audience_follows_modes_and_mutes(db: Database) -> None:
    await subscribe(db, range(1, 6))
    await db.subscriptions.set_reminder_mode(SERIES, 2, "off")
    await db.subscriptions.set_reminder_mode(SERIES, 3, "deadlines")
    await db.subscriptions.mute_key_date(SERIES, 4, "notification")
    payload = {"template": "reminder", "key_date": "notification"}
    created = await db.outbox.create_broadcast_to(
        AudienceBroadcast(
            EVENT,
            "reminder",
            "r1",
            None,
            Audience(SERIES, key_date_id="notification", kind="notification"),
            [payload],
            "reminder:r1:",
        )
    )
    rows = await db.outbox.rows_for(created.broadcast_id)
    assert [r.chat_id for r in rows] == [1, 5]
    assert [r.idempotency_key for r in rows] == ["reminder:r1:1", "reminder:r1:5"]
    assert all(r.payload == payload for r in rows)
    expected = await db.subscriptions.active_recipients(
        SERIES, key_date_id="notification", kind="notification"
    )
    assert [r.chat_id for r in expected] == [1, 5]


async def test_equal_payloads_of_plain_rows_are_stored_once(db: Database) -> None:
    await subscribe(db, range(1, 5))
    rows = [(c, f"k:{c}", {"text": "same"}) for c in range(1, 4)] + [(4, "k:4", {"text": "own"})]
    created = await db.outbox.create_broadcast(EVENT, "news", "2", None, rows)
    assert created.inserted == 4
    assert await count(db, broadcast_parts, broadcast_id=created.broadcast_id) == 2
    more = await db.outbox.create_broadcast(EVENT, "news", "2", None, [(5, "k:5", {"text": "own"})])
    assert more.inserted == 1
    assert await count(db, broadcast_parts, broadcast_id=created.broadcast_id) == 2
    texts = sorted(str(r.payload["text"]) for r in await db.outbox.rows_for(created.broadcast_id))
    assert texts == ["own", "own", "same", "same", "same"]


async def test_each_row_keeps_the_instant_telegram_accepted_it(
    db: Database, clock: FixedClock
) -> None:
    await subscribe(db, range(1, 4))
    created = await db.outbox.create_broadcast(
        EVENT, "news", "3", None, [(c, f"t:{c}", {"text": "x"}) for c in range(1, 4)]
    )
    rows = await db.outbox.claim_due(10)
    stamps = [clock.now() + dt.timedelta(milliseconds=n * 37) for n in range(3)]
    marked = await db.outbox.mark_sent_many(
        [(row.id, 100 + n, stamps[n]) for n, row in enumerate(rows)]
    )
    assert marked == 3
    stored = await db.outbox.rows_for(created.broadcast_id)
    assert [r.sent_at for r in stored] == stamps
    assert not await db.outbox.is_open(created.broadcast_id)
    assert not await db.outbox.has_pending()


async def test_claim_reads_the_due_index(db: Database) -> None:
    await subscribe(db, range(1, 4))
    await db.outbox.create_broadcast(
        EVENT, "news", "4", None, [(c, f"p:{c}", {"text": "x"}) for c in range(1, 4)]
    )
    plan = await db.outbox.explain_claim(8)
    assert "ix_outbox_due" in plan, plan
    assert "TEMP B-TREE" not in plan.upper() and "Sort" not in plan, plan
