"""Cancel, stop and resume: what is left behind is exactly what was not sent."""

from __future__ import annotations

import asyncio
import time

import pytest

from bot.delivery import DeliveryLimits
from bot.sandbox.limits import Limits
from tests.delivery.conftest import EVENT, Rig, make_bot

pytestmark = pytest.mark.sandbox(limits=Limits.real())


async def test_cancel_mid_broadcast_cancels_the_rest(rig: Rig) -> None:
    ids = [p.id for p in await rig.users(100)]
    bot = await make_bot(rig.sandbox, DeliveryLimits.telegram())
    try:
        engine = rig.engine(bot=bot)
        await engine.start()
        broadcast_id = await engine.enqueue(EVENT, "news", "n1", 42, rig.rows(ids))
        await asyncio.sleep(1.0)
        cancelled = await engine.cancel(broadcast_id)
        broadcast = await engine.wait_finished(broadcast_id, timeout=10)
        await engine.stop(2)
    finally:
        await bot.shutdown()

    rows = await rig.db.outbox.rows_for(broadcast_id)
    by_status = {s: sum(r.status == s for r in rows) for s in {r.status for r in rows}}
    assert set(by_status) == {"sent", "cancelled"}
    assert 10 < by_status["sent"] < 70 and by_status["cancelled"] == cancelled
    got = rig.received(ids)
    assert {c for c, n in got.items() if n} == {r.chat_id for r in rows if r.status == "sent"}
    assert max(got.values()) == 1
    assert broadcast.status == "cancelled" and broadcast.report is not None
    assert broadcast.report["cancelled"] == cancelled
    assert broadcast.report["delivered"] == by_status["sent"]


async def test_stop_leaves_pending_rows_that_a_new_engine_resumes(rig: Rig) -> None:
    ids = [p.id for p in await rig.users(80)]
    bot = await make_bot(rig.sandbox, DeliveryLimits.telegram())
    try:
        engine = rig.engine(bot=bot)
        await engine.start()
        broadcast_id = await engine.enqueue(EVENT, "news", "n1", 42, rig.rows(ids))
        await asyncio.sleep(1.0)
        began = time.monotonic()
        await engine.stop(grace=2.0)
        assert time.monotonic() - began < 2.5
        rows = await rig.db.outbox.rows_for(broadcast_id)
        statuses = {r.status for r in rows}
        assert statuses == {"sent", "pending"}
        sent_before = {r.chat_id for r in rows if r.status == "sent"}
        assert {c for c, n in rig.received(ids).items() if n} == sent_before

        again = rig.engine(bot=bot)
        await again.start()
        broadcast = await again.wait_finished(broadcast_id, timeout=20)
    finally:
        await bot.shutdown()
    assert rig.received(ids) == {c: 1 for c in ids}
    assert broadcast.report is not None and broadcast.report["delivered"] == 80
    assert rig.sandbox.counters.total_429 == 0
