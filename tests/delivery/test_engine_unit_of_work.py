"""Enqueueing inside a unit of work: the rows commit with it, the workers wake after it."""

from __future__ import annotations

import pytest

from bot.storage.models import Audience, AudienceBroadcast
from tests.delivery.conftest import EVENT, Rig

PART = {"text": "<b>News</b>", "parse_mode": "HTML"}


async def test_rows_enqueued_in_a_unit_are_sent_once_it_commits(rig: Rig) -> None:
    """Only a wake makes this engine look for rows, and it comes after the commit."""
    people = await rig.users(3)
    ids = [p.id for p in people]
    for chat_id in ids:
        await rig.db.subscriptions.subscribe("euromlsys", chat_id)
    engine = rig.engine(idle_poll=3600)
    await engine.start()
    async with rig.db.unit_of_work():
        created = await engine.enqueue_to(
            AudienceBroadcast(EVENT, "news", "n1", 42, Audience("euromlsys"), [PART], "news:n1:")
        )
        await rig.db.audit.record(42, "post", {"broadcast": created.broadcast_id})
        assert await rig.db.outbox.pending_count() == 3  # visible inside the unit
    finished = await engine.wait_finished(created.broadcast_id, timeout=30)
    assert finished.status == "done"
    assert rig.received(ids) == {c: 1 for c in ids}


async def test_rows_enqueued_in_a_unit_that_fails_are_never_written(rig: Rig) -> None:
    ids = [p.id for p in await rig.users(2)]
    engine = rig.engine()
    await engine.start()
    with pytest.raises(RuntimeError):
        async with rig.db.unit_of_work():
            await engine.enqueue(EVENT, "news", "n2", 42, rig.rows(ids, ref="n2"))
            raise RuntimeError("the audit could not be written")
    await engine.wait_idle(timeout=30)
    assert await rig.db.outbox.find_broadcast(EVENT, "news", "n2") is None
    assert rig.received(ids) == {c: 0 for c in ids}
