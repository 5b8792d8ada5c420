"""The shared limiter: pacing arithmetic, priorities, and replies while a broadcast runs."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import warnings
from typing import Any

import pytest
from telegram.error import RetryAfter

from bot.delivery import DeliveryLimits, PriorityRateLimiter
from bot.delivery.limiter import PAUSE_SLACK, chat_key, is_paced, retry_after_seconds
from bot.delivery.pace import Pace
from bot.sandbox.limits import Limits
from tests.delivery.conftest import EVENT, Rig
from tests.virtual_time import run_virtual


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    """Pacing does not depend on the database: SQLite only."""
    return sqlite_url


@pytest.mark.parametrize("as_timedelta", ["0", "1"])
def test_retry_after_is_read_as_seconds_in_either_form(
    monkeypatch: pytest.MonkeyPatch, as_timedelta: str
) -> None:
    # PTB_TIMEDELTA=1 makes RetryAfter.retry_after a timedelta (PTB's future default).
    monkeypatch.setenv("PTB_TIMEDELTA", as_timedelta)
    whole, fraction = RetryAfter(7), RetryAfter(dt.timedelta(seconds=2.5))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # and PTB's deprecation warning does not leak out
        assert retry_after_seconds(whole) == 7.0
        assert retry_after_seconds(fraction) == 2.5


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
        assert server.take(1, 42, False).retry_after == 0, f"send {n} would be a 429"


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


def test_interactive_requests_jump_ahead_of_bulk() -> None:
    # Virtual time: 20 slots a second, one every 0.05 s; the reply asks at 0.12 s.
    limiter = PriorityRateLimiter(
        DeliveryLimits(overall_per_s=20, overall_burst=1, per_chat_burst=100, per_chat_per_s=100)
    )
    order: list[tuple[str, float]] = []

    async def request(name: str, chat: int, bulk: bool) -> None:
        await limiter.acquire(chat, bulk=bulk)
        order.append((name, asyncio.get_running_loop().time()))

    async def main() -> None:
        bulk = [asyncio.create_task(request(f"b{n}", n, True)) for n in range(10)]
        await asyncio.sleep(0.12)  # b0, b1 and b2 have gone (0, 0.05, 0.10)
        await request("reply", 99, False)
        await asyncio.gather(*bulk)
        await limiter.shutdown()

    run_virtual(main())
    names = [name for name, _ in order]
    assert names[:4] == ["b0", "b1", "b2", "reply"]  # the next slot, ahead of 7 bulk waiters
    assert limiter.stats.interactive == 1 and limiter.stats.bulk == 10
    # It waited for one slot only (0.12 → 0.15, less the pace's few ms of slack for a
    # late timer), never behind the broadcast.
    assert 0.02 <= limiter.stats.max_interactive_wait <= 0.03 + 1e-3
    stamps = [at for _, at in order]
    slack = DeliveryLimits().overall_slack_s  # a grant may come that much before its slot
    assert all(0.05 - slack - 1e-3 <= b - a <= 0.05 + 1e-3 for a, b in itertools.pairwise(stamps))


def test_requests_to_one_chat_keep_their_order_and_pace() -> None:
    limiter = PriorityRateLimiter(DeliveryLimits.scaled(10))  # 10/s per chat, burst 30
    stamps: list[tuple[int, float]] = []
    broadcast: list[float] = []

    async def request(n: int) -> None:
        await limiter.acquire(7, bulk=False)
        stamps.append((n, asyncio.get_running_loop().time()))

    async def bulk() -> None:
        await limiter.acquire(8, bulk=True)
        broadcast.append(asyncio.get_running_loop().time())

    async def main() -> None:
        tasks = []
        for n in range(40):
            tasks.append(asyncio.create_task(request(n)))
            tasks.append(asyncio.create_task(bulk()))
            await asyncio.sleep(0)
        await asyncio.gather(*tasks)
        await limiter.shutdown()

    run_virtual(main())
    assert [n for n, _ in stamps] == list(range(40))
    gaps = [b - a for (_, a), (_, b) in itertools.pairwise(stamps)]
    # Replies: the chat's burst as fast as the overall pace lets it (280/s, no overall
    # burst), the last of it after the margin, then one per 1/10 s.
    overall = 1 / DeliveryLimits.scaled(10).overall_per_s
    assert all(gap <= overall + 1e-3 for gap in gaps[:29])
    assert gaps[29] == pytest.approx(0.05, abs=0.005)
    assert gaps[30:] == pytest.approx([0.1] * 9, abs=1e-3)
    # A broadcast's messages to one chat use no burst: the interval and 10 % more, each.
    interval = 1 / DeliveryLimits.scaled(10).per_chat_per_s
    assert len(broadcast) == 40
    assert all(b - a >= interval * 1.1 - 1e-6 for a, b in itertools.pairwise(broadcast))


def test_retry_after_pauses_everyone_and_retries() -> None:
    from telegram.error import RetryAfter

    limiter = PriorityRateLimiter(DeliveryLimits.off(), interactive_retries=2)
    calls: list[float] = []

    async def flaky() -> Any:
        calls.append(asyncio.get_running_loop().time())
        if len(calls) == 1:
            raise RetryAfter(dt.timedelta(seconds=1))
        return True

    async def always() -> Any:
        raise RetryAfter(dt.timedelta(seconds=1))

    async def main() -> float:
        assert await limiter.process_request(flaky, (), {}, "sendMessage", {"chat_id": 1}, None)
        with pytest.raises(RetryAfter):
            await limiter.process_request(
                always, (), {}, "sendMessage", {"chat_id": 1}, {"max_retries": 0}
            )
        return limiter.paused_for

    paused_for = run_virtual(main())
    # The retry went exactly retry_after (plus the slack) after the 429.
    assert calls[1] - calls[0] == pytest.approx(1.0 + PAUSE_SLACK, abs=1e-3)
    assert limiter.stats.retry_after == 2
    assert paused_for == pytest.approx(1.0 + PAUSE_SLACK, abs=1e-3)  # the next request waits


def test_a_reply_waits_at_most_one_slot_behind_a_running_broadcast() -> None:
    # Telegram's real limits on virtual time: 120 broadcast messages to 120 chats, and a
    # reply every 0.5 s from five people (no chat over 1 msg/s) while it runs.
    limiter = PriorityRateLimiter(DeliveryLimits.telegram())
    waits: list[float] = []
    granted: list[float] = []

    async def broadcast(chat: int) -> None:
        await limiter.acquire(chat, bulk=True)
        granted.append(asyncio.get_running_loop().time())

    async def main() -> None:
        loop = asyncio.get_running_loop()
        tasks = [asyncio.create_task(broadcast(1000 + n)) for n in range(120)]
        await asyncio.sleep(0.5)
        for n in range(10):
            asked = loop.time()
            await limiter.acquire(n % 5, bulk=False)
            waits.append(loop.time() - asked)
            await asyncio.sleep(0.5 - (loop.time() - asked))
        await asyncio.gather(*tasks)
        await limiter.shutdown()

    run_virtual(main())
    limits = DeliveryLimits.telegram()
    slot = 1 / limits.overall_per_s
    assert len(granted) == 120
    assert max(waits) <= slot + 1e-3, waits  # the promise: never behind the broadcast
    # The broadcast kept the pace: past the first burst, one message per slot at most.
    later = sorted(granted)[int(limits.overall_burst) :]
    assert all(b - a >= slot - 1e-3 for a, b in itertools.pairwise(later))


@pytest.mark.sandbox(limits=Limits.real())
async def test_replies_and_a_broadcast_share_the_limits_without_a_429(rig: Rig) -> None:
    # Telegram's real limits over HTTP: a broadcast to 120 people while five others get a
    # reply each; nobody is refused, nobody hears twice. (Latency figures: bench/.)
    ids = [p.id for p in await rig.users(120)]
    people = [p.id for p in await rig.users(5, "Asker")]
    bot = rig.bot
    await bot.shutdown()
    from tests.delivery.conftest import make_bot

    rig.bot = bot = await make_bot(rig.sandbox, DeliveryLimits.telegram())
    engine = rig.engine(bot=bot)
    await engine.start()
    broadcast_id = await engine.enqueue(EVENT, "news", "n1", 42, rig.rows(ids))
    for n, person in enumerate(people):
        await bot.send_message(person, f"reply {n}")
    await engine.wait_finished(broadcast_id, timeout=60)

    assert rig.sandbox.counters.total_429 == 0
    assert rig.received(ids) == {c: 1 for c in ids}
    assert rig.received(people) == {c: 1 for c in people}
