"""Cancel, stop and resume: what is left behind is exactly what was not sent."""

from __future__ import annotations

import pytest

from bot.delivery import DeliveryLimits
from bot.sandbox.limits import Limits
from tests.delivery.conftest import EVENT, Gate, Rig, make_bot

pytestmark = pytest.mark.sandbox(limits=Limits.real())


async def test_cancel_mid_broadcast_cancels_the_rest(rig: Rig) -> None:
    ids = [p.id for p in await rig.users(100)]
    gate = Gate(open_for=10)
    bot = await make_bot(rig.sandbox, DeliveryLimits.telegram())
    try:
        engine = rig.engine(bot=bot, renderer=gate, workers=8)
        await engine.start()
        broadcast_id = await engine.enqueue(EVENT, "news", "n1", 42, rig.rows(ids))
        await gate.until_held(8)  # 10 through; every worker holds one more at the door
        cancelled = await engine.cancel(broadcast_id)
        gate.opened.set()  # the 8 in flight go; nothing else may
        broadcast = await engine.wait_finished(broadcast_id, timeout=60)
        await engine.stop(2)
    finally:
        await bot.shutdown()

    rows = await rig.db.outbox.rows_for(broadcast_id)
    by_status = {s: sum(r.status == s for r in rows) for s in {r.status for r in rows}}
    assert by_status == {"sent": 18, "cancelled": 82} and cancelled == 82
    got = rig.received(ids)
    assert {c for c, n in got.items() if n} == {r.chat_id for r in rows if r.status == "sent"}
    assert max(got.values()) == 1
    assert broadcast.status == "cancelled" and broadcast.report is not None
    assert broadcast.report["cancelled"] == cancelled
    assert broadcast.report["delivered"] == 18


async def test_stop_leaves_pending_rows_that_a_new_engine_resumes(rig: Rig) -> None:
    ids = [p.id for p in await rig.users(80)]
    gate = Gate(open_for=10)
    bot = await make_bot(rig.sandbox, DeliveryLimits.telegram())
    try:
        engine = rig.engine(bot=bot, renderer=gate, workers=8)
        await engine.start()
        broadcast_id = await engine.enqueue(EVENT, "news", "n1", 42, rig.rows(ids))
        await gate.until_held(8)
        # The held rows never left. A stop puts them back to pending when its grace period
        # allows the writes; on a busy machine some may stay "sending", which the next
        # start puts back the same way (as after a crash).
        await engine.stop(grace=1.0)
        rows = await rig.db.outbox.rows_for(broadcast_id)
        assert {r.status for r in rows} <= {"sent", "pending", "sending"}
        sent_before = {r.chat_id for r in rows if r.status == "sent"}
        assert len(sent_before) == 10
        assert {c for c, n in rig.received(ids).items() if n} == sent_before
        gate.opened.set()

        again = rig.engine(bot=bot)
        await again.start()
        broadcast = await again.wait_finished(broadcast_id, timeout=20)
    finally:
        await bot.shutdown()
    assert rig.received(ids) == {c: 1 for c in ids}
    assert broadcast.report is not None and broadcast.report["delivered"] == 80
    assert rig.sandbox.counters.total_429 == 0
