import asyncio
import datetime as dt

import pytest

from bot.domain.clock import FixedClock
from bot.storage import Broadcast, Database, NewOutboxRow

EVENT = "euromlsys2026"
REMINDER = f"{EVENT}:submission:P3D"


def reminder_rows(chat_ids: range | list[int]) -> list[NewOutboxRow]:
    return [
        NewOutboxRow(
            c, f"reminder:{REMINDER}:{c}", {"text": f"Due soon, {c} ✓", "parse_mode": "HTML"}
        )
        for c in chat_ids
    ]


async def add_chats(db: Database, chat_ids: range | list[int]) -> None:
    for chat_id in chat_ids:
        await db.chats.upsert_chat(chat_id, "private")


async def test_repeated_create_never_duplicates(db: Database, clock: FixedClock) -> None:
    await add_chats(db, range(1, 5))
    first = await db.outbox.create_broadcast(
        EVENT, "reminder", REMINDER, None, reminder_rows(range(1, 4))
    )
    assert first.inserted == 3
    again = await db.outbox.create_broadcast(
        EVENT, "reminder", REMINDER, None, reminder_rows(range(1, 4))
    )
    assert again == (first.broadcast_id, 0)
    grown = await db.outbox.create_broadcast(
        EVENT, "reminder", REMINDER, None, reminder_rows(range(1, 5))
    )
    assert grown == (first.broadcast_id, 1)
    broadcast = await db.outbox.get_broadcast(first.broadcast_id)
    assert broadcast is not None
    assert (broadcast.total, broadcast.status, broadcast.kind) == (4, "pending", "reminder")
    # A key already used by another broadcast is skipped too.
    other = await db.outbox.create_broadcast(EVENT, "news", "9", 77, reminder_rows([1]))
    assert other.broadcast_id != first.broadcast_id and other.inserted == 0
    assert await db.outbox.pending_count() == 4

    rows = await db.outbox.rows_for(first.broadcast_id)
    assert rows[0].payload == {"text": "Due soon, 1 ✓", "parse_mode": "HTML"}
    assert rows[0].created_at == clock.now() and rows[0].attempts == 0

    with pytest.raises(ValueError, match="repeat"):
        await db.outbox.create_broadcast(EVENT, "news", "10", None, reminder_rows([1, 1]))


async def test_concurrent_creates_never_duplicate(db_url: str, clock: FixedClock) -> None:
    dbs = [await Database.connect(db_url, clock) for _ in range(3)]
    try:
        await dbs[0].migrate()
        await add_chats(dbs[0], range(60))
        rows = reminder_rows(range(60))
        calls = [
            db.outbox.create_broadcast(EVENT, "reminder", REMINDER, None, rows[i % 3 :])
            for i, db in enumerate(dbs * 3)
        ]
        results = await asyncio.gather(*calls)
        assert {r.broadcast_id for r in results} == {results[0].broadcast_id}
        assert sum(r.inserted for r in results) == 60
        assert len(await dbs[1].outbox.rows_for(results[0].broadcast_id)) == 60
        broadcast = await dbs[2].outbox.get_broadcast(results[0].broadcast_id)
        assert broadcast is not None and broadcast.total == 60
    finally:
        for db in dbs:
            await db.close()


async def test_claim_due_respects_time_limit_and_order(db: Database, clock: FixedClock) -> None:
    await add_chats(db, range(1, 6))
    t0 = clock.now()
    later = (t0 + dt.timedelta(hours=1)).astimezone(dt.timezone(dt.timedelta(hours=5, minutes=30)))
    await db.outbox.create_broadcast(EVENT, "news", "2", None, [(5, "n2:5", {})], not_before=later)
    await db.outbox.create_broadcast(
        EVENT, "news", "1", None, [(c, f"n1:{c}", {}) for c in range(1, 5)]
    )

    assert await db.outbox.next_due_at() == t0
    first = await db.outbox.claim_due(3, t0)
    assert [r.idempotency_key for r in first] == ["n1:1", "n1:2", "n1:3"]
    assert all(r.status == "sending" and r.attempts == 1 and r.claimed_at == t0 for r in first)
    assert [r.idempotency_key for r in await db.outbox.claim_due(3, t0)] == ["n1:4"]
    assert await db.outbox.claim_due(3, t0) == []
    assert await db.outbox.next_due_at() == later  # aware, compared as an instant
    [late] = await db.outbox.claim_due(3, t0 + dt.timedelta(hours=1))
    assert late.idempotency_key == "n2:5"
    assert await db.outbox.claim_due(0) == []


async def test_row_lifecycle(db: Database, clock: FixedClock) -> None:
    await add_chats(db, range(1, 5))
    created = await db.outbox.create_broadcast(
        EVENT, "news", "1", 99, [(c, f"n:{c}", {"text": "x"}) for c in range(1, 5)]
    )
    bid = created.broadcast_id
    assert await db.outbox.start_broadcast(bid)
    assert not await db.outbox.start_broadcast(bid)
    rows = {r.chat_id: r for r in await db.outbox.claim_due(10)}

    assert await db.outbox.mark_sent(rows[1].id, 1001)
    assert not await db.outbox.mark_sent(rows[1].id, 1001)
    retry_at = clock.now() + dt.timedelta(seconds=30)
    assert await db.outbox.mark_failed(
        rows[2].id, "429: retry after 30", final=False, next_attempt_at=retry_at
    )
    assert await db.outbox.mark_failed(rows[3].id, "400: bad request", final=True)
    assert await db.outbox.mark_blocked(rows[4].id, "403: bot was blocked by the user")
    assert not await db.outbox.mark_blocked(rows[4].id, "again")

    chat = await db.chats.get_chat(4)
    assert chat is not None and (chat.active, chat.inactive_reason) == (False, "blocked")
    assert await db.outbox.claim_due(10) == []  # the retry is not due yet
    clock.advance(dt.timedelta(seconds=30))
    [retry] = await db.outbox.claim_due(10)
    assert (retry.chat_id, retry.attempts, retry.last_error) == (2, 2, "429: retry after 30")
    await db.outbox.mark_sent(retry.id, 1002, clock.now())

    by_chat = {r.chat_id: r for r in await db.outbox.rows_for(bid)}
    assert by_chat[1].message_id == 1001 and by_chat[1].sent_at is not None
    assert by_chat[2].status == "sent" and by_chat[2].last_error is None
    assert (by_chat[3].status, by_chat[4].status) == ("failed", "blocked")

    progress = await db.outbox.broadcast_progress(bid)
    assert progress is not None and progress.finished
    assert progress.by_status == {"sent": 2, "failed": 1, "blocked": 1}
    assert (progress.total, progress.status, progress.count("sent")) == (4, "running", 2)
    assert await db.outbox.finish_broadcast(bid, {"sent": 2, "failed": 1, "blocked": 1})
    broadcast = await db.outbox.get_broadcast(bid)
    assert broadcast is not None
    assert (broadcast.status, broadcast.finished_at, broadcast.created_by) == (
        "done",
        clock.now(),
        99,
    )
    assert broadcast.report == {"sent": 2, "failed": 1, "blocked": 1}
    assert await db.outbox.broadcast_progress(12345) is None


async def test_rows_of_inactive_chats_are_skipped(db: Database) -> None:
    await add_chats(db, [1, 2])
    await db.outbox.create_broadcast(EVENT, "news", "1", None, [(1, "a:1", {}), (2, "a:2", {})])
    await db.chats.mark_inactive(2, "deactivated")
    [row] = await db.outbox.claim_due(10)
    assert row.chat_id == 1
    [_, skipped] = await db.outbox.rows_for(row.broadcast_id)
    assert (skipped.status, skipped.last_error) == ("skipped", "chat inactive")
    assert await db.outbox.mark_skipped(row.id, "nothing to say")


async def test_finished_broadcast_reopens_for_new_rows(db: Database) -> None:
    await add_chats(db, [1, 2])
    created = await db.outbox.create_broadcast(
        EVENT, "reminder", REMINDER, None, reminder_rows([1])
    )
    [row] = await db.outbox.claim_due(5)
    await db.outbox.mark_sent(row.id, 1)
    await db.outbox.finish_broadcast(created.broadcast_id, {"sent": 1})
    again = await db.outbox.create_broadcast(
        EVENT, "reminder", REMINDER, None, reminder_rows([1, 2])
    )
    assert again == (created.broadcast_id, 1)
    broadcast = await db.outbox.get_broadcast(created.broadcast_id)
    assert broadcast is not None
    assert (broadcast.status, broadcast.total, broadcast.finished_at) == ("pending", 2, None)


async def test_release_stale_sending(db: Database, clock: FixedClock) -> None:
    await add_chats(db, [1, 2])
    await db.outbox.create_broadcast(EVENT, "news", "1", None, [(1, "a:1", {})])
    await db.outbox.claim_due(5)
    clock.advance(dt.timedelta(minutes=10))
    await db.outbox.create_broadcast(EVENT, "news", "2", None, [(2, "a:2", {})])
    await db.outbox.claim_due(5)
    assert await db.outbox.release_stale_sending(claimed_before=clock.now()) == 1
    assert await db.outbox.pending_count() == 1
    assert await db.outbox.release_stale_sending() == 1
    assert await db.outbox.pending_count() == 2
    assert [r.attempts for r in await db.outbox.claim_due(5)] == [2, 2]


async def test_cancel_broadcast(db: Database) -> None:
    await add_chats(db, range(1, 5))
    created = await db.outbox.create_broadcast(
        EVENT, "news", "1", None, [(c, f"n:{c}", {}) for c in range(1, 5)]
    )
    [in_flight] = await db.outbox.claim_due(1)
    assert await db.outbox.cancel_broadcast(created.broadcast_id) == 3
    assert await db.outbox.claim_due(10) == []
    assert await db.outbox.mark_sent(in_flight.id, 5)  # in flight rows finish
    progress = await db.outbox.broadcast_progress(created.broadcast_id)
    assert progress is not None
    assert (progress.status, dict(progress.by_status)) == ("cancelled", {"cancelled": 3, "sent": 1})
    again = await db.outbox.create_broadcast(EVENT, "news", "1", None, [(5, "n:5", {})])
    assert again == (created.broadcast_id, 0)
    await db.outbox.finish_broadcast(created.broadcast_id, {"cancelled": 3})
    broadcast = await db.outbox.get_broadcast(created.broadcast_id)
    assert broadcast is not None and broadcast.status == "cancelled"


async def test_keys_and_listing(db: Database, clock: FixedClock) -> None:
    await add_chats(db, [1, 2])
    await db.outbox.create_broadcast(EVENT, "reminder", REMINDER, None, reminder_rows([1, 2]))
    clock.advance(dt.timedelta(minutes=1))
    await db.outbox.create_broadcast(EVENT, "news", "1", None, [(1, "news:50%_off:1", {})])
    await db.outbox.create_broadcast("other", "news", "1", None, [(1, "News:x:1", {})])

    assert await db.outbox.has_key(f"reminder:{REMINDER}:1")
    assert not await db.outbox.has_key(f"reminder:{REMINDER}:3")
    assert await db.outbox.has_key(f"reminder:{REMINDER}:2")
    assert await db.outbox.has_key("news:50%_off:1") and not await db.outbox.has_key("news:x:1")

    listed = await db.outbox.list_broadcasts(10)
    assert [(b.event_id, b.kind) for b in listed] == [
        ("other", "news"),
        (EVENT, "news"),
        (EVENT, "reminder"),
    ]
    assert [b.kind for b in await db.outbox.list_broadcasts(10, event_id=EVENT)] == [
        "news",
        "reminder",
    ]
    assert len(await db.outbox.list_broadcasts(1)) == 1
    assert await db.outbox.pending_count() == 4


async def test_concurrent_claimers_never_share_a_row(db_url: str, clock: FixedClock) -> None:
    workers = [await Database.connect(db_url, clock) for _ in range(4)]
    try:
        await workers[0].migrate()
        await add_chats(workers[0], range(150))
        created = await workers[0].outbox.create_broadcast(
            EVENT, "reminder", REMINDER, None, reminder_rows(range(150))
        )
        assert created.inserted == 150

        async def drain(db: Database) -> list[int]:
            got: list[int] = []
            while rows := await db.outbox.claim_due(7):
                got.extend(r.id for r in rows)
                await asyncio.sleep(0)
            return got

        # Two coroutines per engine, four engines: eight claims in flight at once. Each of
        # the first eight gets rows of its own whatever the order (150 rows, 8 x 7 asked),
        # so the work is shared without depending on who the scheduler favours.
        first = await asyncio.gather(*(db.outbox.claim_due(7) for db in workers * 2))
        assert [len(rows) for rows in first] == [7] * 8
        results = [[r.id for r in rows] for rows in first]
        results += await asyncio.gather(*(drain(db) for db in workers * 2))
        claimed = [row_id for got in results for row_id in got]
        assert len(claimed) == len(set(claimed)) == 150
        progress = await workers[1].outbox.broadcast_progress(created.broadcast_id)
        assert progress is not None and progress.by_status == {"sending": 150}
    finally:
        for db in workers:
            await db.close()


async def test_mark_sent_many_is_one_group_commit(db: Database, clock: FixedClock) -> None:
    await add_chats(db, range(1, 6))
    created = await db.outbox.create_broadcast(
        EVENT, "news", "many", None, [(c, f"m:{c}", {"text": "x"}) for c in range(1, 6)]
    )
    rows = await db.outbox.claim_due(10)
    first = [(r.id, 500 + r.chat_id) for r in rows[:3]]
    assert await db.outbox.mark_sent_many(first, clock.now()) == 3
    assert await db.outbox.mark_sent_many(first, clock.now()) == 0  # already sent: unchanged
    assert await db.outbox.mark_sent_many([]) == 0
    by_status = {
        r.chat_id: (r.status, r.message_id) for r in await db.outbox.rows_for(created.broadcast_id)
    }
    assert [by_status[r.chat_id] for r in rows[:3]] == [("sent", 500 + r.chat_id) for r in rows[:3]]
    assert {by_status[r.chat_id][0] for r in rows[3:]} == {"sending"}


async def test_unfinished_broadcasts_are_those_without_a_report(db: Database) -> None:
    await add_chats(db, [1, 2])
    done = await db.outbox.create_broadcast(EVENT, "news", "1", None, [(1, "n:1", {})])
    await db.outbox.finish_broadcast(done.broadcast_id, {"delivered": 1})
    cancelled = await db.outbox.create_broadcast(EVENT, "news", "2", None, [(1, "n:2", {})])
    await db.outbox.cancel_broadcast(cancelled.broadcast_id)
    reminder = await db.outbox.create_broadcast(
        EVENT, "reminder", REMINDER, None, reminder_rows([1, 2])
    )
    await db.outbox.create_broadcast("other", "reminder", "x", None, [(2, "r:x:2", {})])

    def ids(found: list[Broadcast]) -> list[int]:
        return [b.id for b in found]

    assert len(await db.outbox.unfinished_broadcasts()) == 3  # cancelled, not yet reported
    assert ids(await db.outbox.unfinished_broadcasts(EVENT, "reminder")) == [reminder.broadcast_id]
    assert ids(await db.outbox.unfinished_broadcasts(EVENT)) == [
        cancelled.broadcast_id,
        reminder.broadcast_id,
    ]
