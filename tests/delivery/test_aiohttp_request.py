"""The bot's aiohttp request backend under faults: nothing lost, duplicates only in flight.

The running bot sends through :class:`bot.delivery.http.AiohttpRequest`; these repeat the
fault tests' promises with it: 429 storms, 5xx, lost answers, timeouts, dropped connections.
"""

from __future__ import annotations

from typing import Any

import pytest
from telegram.ext import ExtBot

from bot.delivery import DeliveryLimits, PriorityRateLimiter
from bot.delivery.http import AiohttpRequest
from bot.sandbox.faults import FaultRule
from bot.sandbox.limits import Limits
from bot.sandbox.server import Sandbox
from tests.delivery.conftest import EVENT, Rig

pytestmark = pytest.mark.sandbox(limits=Limits.scaled(10, "sliding"))


async def aiohttp_bot(
    sandbox: Sandbox, limits: DeliveryLimits, read_timeout: float = 5.0
) -> ExtBot[Any]:
    bot: ExtBot[Any] = ExtBot(
        sandbox.token,
        base_url=sandbox.base_url,
        request=AiohttpRequest(32, read_timeout=read_timeout),
        rate_limiter=PriorityRateLimiter(limits),
    )
    await bot.initialize()
    return bot


async def test_faults_through_aiohttp_lose_nothing(rig: Rig) -> None:
    ids = [p.id for p in await rig.users(60)]
    bot = await aiohttp_bot(rig.sandbox, DeliveryLimits.scaled(10), read_timeout=0.5)
    try:
        rig.sandbox.faults.random(0.2, status=502, method="sendMessage", phase="before")
        rig.sandbox.faults.reseed(3)
        lost = rig.sandbox.faults.add(FaultRule("drop", "after", method="sendMessage", remaining=2))
        rig.sandbox.faults.drop_next(2, method="sendMessage", phase="before")
        slow = rig.sandbox.faults.delay_next(1.5, 2, method="sendMessage", phase="before")
        engine = rig.engine(bot=bot)
        await engine.start()
        broadcast_id = await engine.enqueue(EVENT, "news", "n1", 42, rig.rows(ids))
        report = (await engine.wait_finished(broadcast_id, timeout=60)).report
        await engine.stop(3)
    finally:
        await bot.shutdown()
    got = rig.received(ids)
    assert all(n >= 1 for n in got.values()), "someone was missed"
    # Only an accepted message whose answer was lost (or came too late) can repeat.
    assert sum(n - 1 for n in got.values()) <= lost.hits + slow.hits
    assert rig.sandbox.counters.faults["error"] > 0
    assert report is not None and report["delivered"] == 60


@pytest.mark.sandbox(limits=Limits.real("sliding"))
async def test_an_unpaced_bot_obeys_429_through_aiohttp(rig: Rig) -> None:
    ids = [p.id for p in await rig.users(40)]
    bot = await aiohttp_bot(rig.sandbox, DeliveryLimits.off())
    try:
        engine = rig.engine(bot=bot, workers=16)
        await engine.start()
        broadcast_id = await engine.enqueue(EVENT, "news", "n1", 42, rig.rows(ids))
        broadcast = await engine.wait_finished(broadcast_id, timeout=60)
        await engine.stop(2)
    finally:
        await bot.shutdown()
    assert rig.sandbox.counters.total_429 > 0
    assert rig.received(ids) == {c: 1 for c in ids}
    assert broadcast.report is not None and broadcast.report["delivered"] == 40
