"""The engine against the sandbox over HTTP, on SQLite and PostgreSQL: the happy paths."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.delivery import DeliveryEngine, Progress
from bot.domain.clock import FixedClock
from bot.sandbox.limits import Limits
from bot.storage import Database
from tests.delivery.conftest import EVENT, Gate, Rig

pytestmark = pytest.mark.sandbox(limits=Limits.scaled(10))


async def test_every_recipient_gets_exactly_one_message(rig: Rig) -> None:
    people = await rig.users(120)
    ids = [p.id for p in people]
    engine = rig.engine()
    await engine.start()
    broadcast_id = await engine.enqueue(EVENT, "news", "n1", 42, rig.rows(ids))
    broadcast = await engine.wait_finished(broadcast_id, timeout=20)

    assert rig.received(ids) == {c: 1 for c in ids}
    assert rig.sandbox.counters.total_429 == 0
    first = rig.sandbox.bot_messages(ids[0])[0]
    assert first.text == f"News for {ids[0]}"
    assert [e["type"] for e in first.entities] == ["bold"]
    rows = await rig.db.outbox.rows_for(broadcast_id)
    assert {r.status for r in rows} == {"sent"}
    assert all(r.message_id is not None and r.sent_at is not None for r in rows)
    assert broadcast.status == "done" and broadcast.report is not None
    report = broadcast.report
    assert (report["total"], report["delivered"], report["failed"]) == (120, 120, 0)
    started = dt.datetime.fromisoformat(report["started_at"])
    finished = dt.datetime.fromisoformat(report["finished_at"])
    assert report["duration_s"] == round((finished - started).total_seconds(), 3)


async def test_the_report_times_come_from_the_injected_clock(rig: Rig, db_url: str) -> None:
    ids = [p.id for p in await rig.users(5)]
    clock = FixedClock(dt.datetime(2026, 2, 1, 9, 0, tzinfo=dt.UTC))
    async with await Database.connect(db_url, clock) as db:
        gate = Gate(open_for=0)
        engine = DeliveryEngine(db, rig.bot, clock, idle_poll=0.2, renderer=gate, workers=1)
        await engine.start()
        try:
            broadcast_id = await engine.enqueue(EVENT, "news", "n1", 42, rig.rows(ids))
            await gate.until_held(1)  # started: the first row is at the door
            clock.advance(dt.timedelta(seconds=90))  # the clock, not the machine, says how long
            gate.opened.set()
            report = (await engine.wait_finished(broadcast_id, timeout=60)).report
        finally:
            await engine.stop(2)
    assert report is not None and report["delivered"] == 5
    assert report["started_at"] == "2026-02-01T09:00:00+00:00"
    assert report["finished_at"] == "2026-02-01T09:01:30+00:00"
    assert report["duration_s"] == 90


async def test_enqueue_is_idempotent(rig: Rig) -> None:
    ids = [p.id for p in await rig.users(30)]
    engine = rig.engine()
    first = await engine.enqueue(EVENT, "news", "n1", 42, rig.rows(ids))
    again = await engine.enqueue(EVENT, "news", "n1", 42, rig.rows(ids))
    assert again == first
    assert await rig.db.outbox.pending_count() == 30
    await engine.start()
    await engine.wait_finished(first, timeout=20)
    # After delivery too: the same keys add nothing and nobody hears twice.
    assert await engine.enqueue(EVENT, "news", "n1", 42, rig.rows(ids)) == first
    await engine.wait_idle(timeout=10)
    assert rig.received(ids) == {c: 1 for c in ids}
    broadcast = await rig.db.outbox.get_broadcast(first)
    assert broadcast is not None and broadcast.total == 30


async def test_renderer_computes_text_at_send_time(rig: Rig) -> None:
    ids = [p.id for p in await rig.users(4)]
    rendered: list[int] = []

    async def render(row: object) -> dict[str, str] | None:
        chat_id = row.chat_id
        rendered.append(chat_id)
        if chat_id == ids[0]:
            return None  # nothing to say any more: skipped
        return {"text": f"Due in <i>3 days</i>, {chat_id}", "parse_mode": "HTML"}

    engine = rig.engine(renderer=render)
    await engine.start()
    broadcast_id = await engine.enqueue(EVENT, "reminder", "r1", None, rig.rows(ids))
    broadcast = await engine.wait_finished(broadcast_id, timeout=20)
    assert sorted(rendered) == sorted(ids)
    assert rig.received(ids) == {ids[0]: 0, **{c: 1 for c in ids[1:]}}
    assert rig.sandbox.bot_messages(ids[1])[0].text == f"Due in 3 days, {ids[1]}"
    assert broadcast.report is not None and broadcast.report["skipped"] == 1


async def test_progress_callbacks_report_sensible_numbers(rig: Rig) -> None:
    ids = [p.id for p in await rig.users(300)]
    seen: list[Progress] = []
    engine = rig.engine()
    broadcast_id = await engine.enqueue(EVENT, "news", "n1", 42, rig.rows(ids))
    watcher = engine.watch(broadcast_id, seen.append, interval=0.2)
    await engine.start()
    await engine.wait_finished(broadcast_id, timeout=20)
    await watcher

    assert len(seen) >= 3
    assert [p.sent for p in seen] == sorted(p.sent for p in seen)
    assert all(p.total == 300 and p.sent + p.left <= 300 for p in seen)
    middle = [p for p in seen if 0 < p.sent < 300]
    assert middle and all(p.rate > 0 and p.eta_s is not None for p in middle)
    # The pace itself is a benchmark figure (bench/bench_delivery.py), not asserted here.
    last = seen[-1]
    assert last.finished and (last.sent, last.left, last.failed) == (300, 0, 0)
    assert last.report is not None and last.report["delivered"] == 300
    assert sum(p.finished for p in seen) == 1
