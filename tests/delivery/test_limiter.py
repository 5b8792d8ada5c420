"""The shared limiter: pacing arithmetic, priorities, and replies while a broadcast runs."""

from __future__ import annotations

import asyncio
import datetime as dt
import statistics
import time
from typing import Any

import pytest

from bot.delivery import DeliveryLimits, PriorityRateLimiter
from bot.delivery.limiter import chat_key, is_paced
from bot.delivery.pace import Pace
from bot.sandbox.limits import Limits
from tests.delivery.conftest import EVENT, Rig


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    """Pacing does not depend on the database: SQLite only."""
    return sqlite_url


def test_pace_allows_a_burst_then_the_rate() -> None:
    pace = Pace(per_s=1.0, burst=3.0, margin=0.05)
    t = 0.0
    sends = []
    for _ in range(6):
        t += pace.delay(t)
        pace.take(t)
        sends.append(round(t, 3))
    # Two at once, the third after the margin, then one a second plus the margin.
    assert sends == [0.0, 0.0, 0.05, 1.05, 2.05, 3.05]
    assert pace.idle(10.0)


def test_pace_never_beats_the_sandbox_bucket_even_with_jitter() -> None:
    from bot.sandbox.limits import RateLimiter

    clock = FakeTime()
    server = RateLimiter(Limits.real(), clock=clock)
    pace = Pace(per_s=1.0, burst=3.0, margin=0.05)
    t = 0.0
    for n in range(50):
        t += pace.delay(t)
        pace.take(t)
        clock.now = t + (0.04 if n % 2 == 0 else 0.0)  # arrivals up to 40 ms late
        assert server.check(1, 42, False) == 0, f"send {n} would be a 429"


def test_limits_presets() -> None:
    real = DeliveryLimits.telegram()
    assert (real.overall_per_s, real.per_chat_per_s, real.per_group_per_min) == (28, 1, 20)
    x10 = DeliveryLimits.scaled(10)
    assert (x10.overall_per_s, x10.per_chat_burst, x10.per_group_per_min) == (280, 30, 200)
    assert not DeliveryLimits.off().enabled


def test_what_is_paced() -> None:
    assert is_paced("sendMessage") and is_paced("editMessageText") and is_paced("copyMessage")
    assert not is_paced("sendChatAction") and not is_paced("answerCallbackQuery")
    assert chat_key(5) == (5, False) and chat_key(-100123) == (-100123, True)
    assert chat_key("-42") == (-42, True) and chat_key("@channel") == ("@channel", True)
    assert chat_key(None) == (None, False)


async def test_interactive_requests_jump_ahead_of_bulk() -> None:
    limiter = PriorityRateLimiter(
        DeliveryLimits(overall_per_s=20, overall_burst=1, per_chat_burst=100, per_chat_per_s=100)
    )
    order: list[str] = []

    async def request(name: str, chat: int, bulk: bool) -> None:
        await limiter.acquire(chat, bulk=bulk)
        order.append(name)

    bulk = [asyncio.create_task(request(f"b{n}", n, True)) for n in range(10)]
    await asyncio.sleep(0.12)  # a couple of bulk slots go
    await request("reply", 99, False)
    await asyncio.gather(*bulk)
    await limiter.shutdown()
    assert order.index("reply") <= 4
    assert limiter.stats.interactive == 1 and limiter.stats.bulk == 10
    assert limiter.stats.max_interactive_wait < 1.0  # the promise: about a second at most


async def test_requests_to_one_chat_keep_their_order_and_pace() -> None:
    limiter = PriorityRateLimiter(DeliveryLimits.scaled(10))  # 10/s per chat, burst 30
    stamps: list[tuple[int, float]] = []

    async def request(n: int) -> None:
        await limiter.acquire(7, bulk=n % 2 == 0)
        stamps.append((n, time.monotonic()))

    tasks = []
    for n in range(40):
        tasks.append(asyncio.create_task(request(n)))
        await asyncio.sleep(0)
    await asyncio.gather(*tasks)
    await limiter.shutdown()
    assert [n for n, _ in stamps] == list(range(40))
    span = stamps[-1][1] - stamps[0][1]
    # 30 at once, then 10 more at 10/s: never faster than that (a loaded machine may be slower).
    assert 0.9 < span < 5.0


async def test_retry_after_pauses_everyone_and_retries() -> None:
    from telegram.error import RetryAfter

    limiter = PriorityRateLimiter(DeliveryLimits.off(), interactive_retries=2)
    calls: list[float] = []

    async def flaky() -> Any:
        calls.append(time.monotonic())
        if len(calls) == 1:
            raise RetryAfter(dt.timedelta(seconds=1))
        return True

    began = time.monotonic()
    assert await limiter.process_request(flaky, (), {}, "sendMessage", {"chat_id": 1}, None)
    assert calls[1] - began >= 1.0 and limiter.stats.retry_after == 1

    async def always() -> Any:
        raise RetryAfter(dt.timedelta(seconds=1))

    with pytest.raises(RetryAfter):
        await limiter.process_request(
            always, (), {}, "sendMessage", {"chat_id": 1}, {"max_retries": 0}
        )
    assert limiter.paused_for > 0.9  # the next request, any request, waits too


@pytest.mark.sandbox(limits=Limits.real())
async def test_replies_stay_fast_while_a_broadcast_runs(rig: Rig) -> None:
    # Telegram's real limits: the broadcast takes ~4.5 s at 28 msg/s; a person gets a reply
    # every 0.5 s meanwhile (five people, so no chat goes over 1 msg/s).
    ids = [p.id for p in await rig.users(120)]
    people = [p.id for p in await rig.users(5, "Asker")]
    bot = rig.bot
    await bot.shutdown()
    from tests.delivery.conftest import make_bot

    rig.bot = bot = await make_bot(rig.sandbox, DeliveryLimits.telegram())
    engine = rig.engine(bot=bot)
    await engine.start()
    broadcast_id = await engine.enqueue(EVENT, "news", "n1", 42, rig.rows(ids))
    await asyncio.sleep(0.5)
    latencies = []
    for n in range(10):
        sent = time.monotonic()
        await bot.send_message(people[n % 5], f"reply {n}")
        latencies.append(time.monotonic() - sent)
        await asyncio.sleep(max(0.0, 0.5 - (time.monotonic() - sent)))
    await engine.wait_finished(broadcast_id, timeout=20)

    assert rig.sandbox.counters.total_429 == 0
    assert rig.received(ids) == {c: 1 for c in ids}
    # The promise (p95 ≤ 1.5 s) with room for a loaded machine; the pace and the typical
    # latency are measured in bench/bench_delivery.py, not asserted here.
    p95 = statistics.quantiles(latencies, n=20)[-1]
    assert p95 <= 1.5, latencies
