"""Flood limits (429 + retry_after), counters, and injected faults, seen through PTB."""

from __future__ import annotations

import asyncio

import pytest
from telegram import Bot
from telegram.error import NetworkError, RetryAfter, TimedOut
from telegram.request import HTTPXRequest

from bot.sandbox import Limits, Sandbox, User
from bot.sandbox.limits import RateLimiter

# PTB 22 warns about RetryAfter.retry_after becoming a timedelta one day.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


async def test_hundred_sends_to_one_chat_draw_429(
    tg_bot: Bot, sandbox: Sandbox, sandbox_user: User
) -> None:
    accepted = 0
    retry_afters: list[int] = []
    for i in range(100):
        try:
            await tg_bot.send_message(sandbox_user.id, f"spam {i}")
            accepted += 1
        except RetryAfter as exc:
            assert isinstance(exc.retry_after, int)
            retry_afters.append(exc.retry_after)
    # Burst of 3 plus ~1/s refill; generous upper bound for a slow, loaded machine.
    assert 3 <= accepted <= 12
    assert len(retry_afters) == 100 - accepted
    assert all(r >= 1 for r in retry_afters)
    assert sandbox.counters.too_many_requests[sandbox_user.id] == len(retry_afters)
    assert sandbox.counters.total_429 == len(retry_afters)
    assert sandbox.counters.sends[sandbox_user.id] == accepted
    assert sandbox.counters.requests["sendMessage"] == 100
    assert sandbox.last_error is not None
    assert sandbox.last_error["description"].startswith("Too Many Requests: retry after ")
    assert sandbox.last_error["parameters"]["retry_after"] >= 1
    assert len(sandbox.bot_messages(sandbox_user.id)) == accepted


def test_token_buckets_with_a_fake_clock() -> None:
    clock = [0.0]
    limiter = RateLimiter(Limits.real(), clock=lambda: clock[0])
    assert [limiter.take(1, 10, False).retry_after for _ in range(4)] == [0, 0, 0, 1]
    clock[0] += 1.0
    assert limiter.take(1, 10, False).retry_after == 0
    # A group: 20 per minute (burst 20) on top of 1/s per chat.
    sent = 0
    for _ in range(60):
        clock[0] += 1.0
        if limiter.take(1, -5, True).retry_after == 0:
            sent += 1
    assert 39 <= sent <= 41  # burst 20 + 20 refilled over the minute
    assert limiter.take(1, -5, True).retry_after >= 1
    # Overall: 30/s across chats.
    clock[0] += 100.0
    results = [limiter.take(2, chat, False).retry_after for chat in range(40)]
    assert results.count(0) == 30
    limiter.configure(Limits.scaled(10))
    assert [limiter.take(1, 10, False).retry_after for _ in range(31)].count(0) == 30
    limiter.configure(Limits.off())
    assert all(limiter.take(1, 10, False).retry_after == 0 for _ in range(1000))


def test_limit_presets() -> None:
    x10 = Limits.preset("x10")
    assert (x10.overall_per_s, x10.per_chat_per_s, x10.per_group_per_min) == (300, 10, 200)
    assert not Limits.preset("off").enabled
    with pytest.raises(ValueError):
        Limits.preset("fast")


async def test_edits_count_against_the_chat_limit(
    tg_bot: Bot, sandbox: Sandbox, sandbox_user: User
) -> None:
    msg = await tg_bot.send_message(sandbox_user.id, "0")
    with pytest.raises(RetryAfter):
        for i in range(1, 10):
            await tg_bot.edit_message_text(
                str(i), chat_id=sandbox_user.id, message_id=msg.message_id
            )
    assert sandbox.counters.too_many_requests[sandbox_user.id] == 1


@pytest.mark.sandbox(limits=Limits.off())
async def test_errors_5xx(tg_bot: Bot, sandbox: Sandbox, sandbox_user: User) -> None:
    sandbox.faults.fail_next(1, status=500)
    with pytest.raises(NetworkError, match="Internal Server Error"):
        await tg_bot.send_message(sandbox_user.id, "a")
    sandbox.faults.fail_next(1, status=502, method="sendMessage")
    await tg_bot.get_me()  # other methods are not affected
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await tg_bot.send_message(sandbox_user.id, "b")
    assert sandbox.bot_messages(sandbox_user.id) == []  # "before": nothing recorded
    await tg_bot.send_message(sandbox_user.id, "c")
    assert sandbox.counters.faults["error"] == 2
    assert sandbox.counters.statuses[500] == 1 and sandbox.counters.statuses[502] == 1


@pytest.mark.sandbox(limits=Limits.off())
async def test_fault_after_recording_loses_only_the_answer(
    tg_bot: Bot, sandbox: Sandbox, sandbox_user: User
) -> None:
    sandbox.faults.fail_next(1, status=500, phase="after")
    with pytest.raises(NetworkError):
        await tg_bot.send_message(sandbox_user.id, "accepted")
    assert [m.text for m in sandbox.bot_messages(sandbox_user.id)] == ["accepted"]
    sandbox.faults.drop_next(1, phase="after")
    with pytest.raises(NetworkError):
        await tg_bot.send_message(sandbox_user.id, "also accepted")
    assert len(sandbox.bot_messages(sandbox_user.id)) == 2
    assert sandbox.counters.sends[sandbox_user.id] == 2


@pytest.mark.sandbox(limits=Limits.off())
async def test_dropped_connection_before(tg_bot: Bot, sandbox: Sandbox, sandbox_user: User) -> None:
    sandbox.faults.drop_next(1)
    with pytest.raises(NetworkError) as caught:
        await tg_bot.send_message(sandbox_user.id, "lost")
    assert not isinstance(caught.value, TimedOut)
    assert sandbox.bot_messages(sandbox_user.id) == []
    assert sandbox.counters.faults["drop"] == 1
    await tg_bot.send_message(sandbox_user.id, "fine")


@pytest.mark.sandbox(limits=Limits.off())
async def test_slow_answer_times_out(sandbox: Sandbox, sandbox_user: User) -> None:
    request = HTTPXRequest(read_timeout=0.2)
    async with Bot(sandbox.token, base_url=sandbox.base_url, request=request) as bot:
        sandbox.faults.delay_next(1.5, method="sendMessage", phase="after")
        with pytest.raises(TimedOut):
            await bot.send_message(sandbox_user.id, "slow")
        # The message was recorded although the client gave up waiting.
        await sandbox.wait_for_message(sandbox_user.id, timeout=5)
        sandbox.faults.delay_next(0.05)
        await bot.send_message(sandbox_user.id, "a little late")


@pytest.mark.sandbox(limits=Limits.off(), seed=7)
async def test_probabilistic_faults_are_reproducible(sandbox: Sandbox) -> None:
    def pattern() -> list[bool]:
        sandbox.faults.clear()
        sandbox.faults.reseed(7)
        sandbox.faults.random(0.3, method="getMe")
        return [sandbox.faults.pick("getMe") is not None for _ in range(200)]

    first, second = pattern(), pattern()
    assert first == second
    assert 30 <= sum(first) <= 90
    assert sandbox.faults.pick("sendMessage") is None


@pytest.mark.sandbox(limits=Limits.off())
async def test_concurrent_sends_with_random_faults_lose_nothing_recorded(
    sandbox: Sandbox, sandbox_user: User
) -> None:
    sandbox.faults.random(0.2, "error", status=502, method="sendMessage", phase="after")
    request = HTTPXRequest(connection_pool_size=16)
    async with Bot(sandbox.token, base_url=sandbox.base_url, request=request) as bot:

        async def send(i: int) -> bool:
            try:
                await bot.send_message(sandbox_user.id, f"n{i}")
            except NetworkError:
                return False
            return True

        results = await asyncio.gather(*(send(i) for i in range(50)))
    assert len(sandbox.bot_messages(sandbox_user.id)) == 50  # all recorded
    assert results.count(False) == sandbox.counters.faults["error"] > 0
