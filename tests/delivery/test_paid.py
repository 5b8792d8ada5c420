"""Paid broadcasts in the engine: allow_paid_broadcast on every row, more workers meanwhile."""

from __future__ import annotations

import asyncio

import pytest

from bot.delivery import DeliveryEngine
from bot.sandbox.limits import Limits
from tests.delivery.conftest import EVENT, Rig

pytestmark = pytest.mark.sandbox(limits=Limits.scaled(10, "sliding"))


async def most_in_flight(engine: DeliveryEngine, broadcast_id: int) -> int:
    """Watch the engine until the broadcast is finished; return the most sends at once."""
    task = asyncio.create_task(engine.wait_finished(broadcast_id, timeout=60))
    most = 0
    while not task.done():
        most = max(most, len(engine._rows.in_flight))
        await asyncio.sleep(0.01)
    await task
    return most


async def test_paid_rows_carry_the_flag_and_paid_workers_join_only_then(rig: Rig) -> None:
    ids = [p.id for p in await rig.users(24)]
    # Every answer takes 0.2 s, so sends overlap exactly as far as there are workers.
    rig.sandbox.faults.delay_next(0.2, 10_000, method="sendMessage", phase="before")
    engine = rig.engine(workers=1, paid_workers=5)
    await engine.start()
    free = await engine.enqueue(EVENT, "news", "free", 42, rig.rows(ids[:12], ref="f"))
    assert await most_in_flight(engine, free) == 1
    paid = await engine.enqueue(EVENT, "news", "paid", 42, rig.rows(ids[12:], ref="p"), paid=True)
    assert await most_in_flight(engine, paid) > 1
    await engine.stop(2)
    assert sum(rig.sandbox.counters.paid.values()) == 12
    assert {c: rig.sandbox.counters.paid[c] for c in ids[12:]} == {c: 1 for c in ids[12:]}
    assert rig.received(ids) == {c: 1 for c in ids}
    broadcast = await rig.db.outbox.get_broadcast(paid)
    assert broadcast is not None and broadcast.paid and broadcast.report is not None
    assert broadcast.report["delivered"] == 12
