"""The sandbox's flood models (bucket, sliding, fixed) and paid broadcasts, on a fake clock."""

from __future__ import annotations

import pytest
from telegram import Bot

from bot.domain.pace import FixedWindow, Gcra, SlidingWindow
from bot.sandbox import Limits, Sandbox, User
from bot.sandbox.limits import RateLimiter


class Ticks:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.at = 1000.0

    def __call__(self) -> float:
        return self.at


def test_sliding_model_allows_thirty_in_any_second_and_no_burst() -> None:
    clock = Ticks()
    limiter = RateLimiter(Limits.real("sliding"), clock=clock)
    # 30 different chats at once pass; the 31st in the same second does not.
    assert [limiter.take(1, chat, False).retry_after for chat in range(30)] == [0] * 30
    assert limiter.take(1, 99, False).retry_after == 1
    clock.at += 0.999  # the window still holds all 30
    assert limiter.take(1, 98, False).retry_after == 1
    clock.at += 0.002
    assert limiter.take(1, 97, False).retry_after == 0
    # Per chat: one in any second, a second send 0.9 s later is refused.
    clock.at += 5
    assert limiter.take(1, 7, False).retry_after == 0
    clock.at += 0.9
    assert limiter.take(1, 7, False).retry_after == 1
    clock.at += 0.1
    assert limiter.take(1, 7, False).retry_after == 0


def test_sliding_model_punishes_a_burst_on_top_of_a_steady_pace() -> None:
    """Today's bucket tolerates 10 at once plus 28/s; the sliding window does not."""
    for model, expect_429 in (("bucket", False), ("sliding", True)):
        clock = Ticks()
        limiter = RateLimiter(Limits.real(model), clock=clock)
        refused = sum(limiter.take(1, chat, False).retry_after != 0 for chat in range(10))
        for n in range(28):
            clock.at += 1 / 28
            refused += limiter.take(1, 100 + n, False).retry_after != 0
        assert (refused > 0) is expect_429, model


def test_fixed_model_counts_each_wall_second() -> None:
    clock = Ticks()
    clock.at = 2000.5
    limiter = RateLimiter(Limits.real("fixed"), clock=clock)
    assert [limiter.take(1, chat, False).retry_after for chat in range(30)] == [0] * 30
    assert limiter.take(1, 30, False).retry_after == 1  # until 2001.0
    clock.at = 2001.0  # a new window: 30 more at once (what a sliding window refuses)
    assert [limiter.take(1, chat, False).retry_after for chat in range(100, 130)] == [0] * 30


def test_group_limits_per_model() -> None:
    for model in ("bucket", "sliding", "fixed"):
        clock = Ticks()
        clock.at = 5999.0  # then 6000 … 6059: one fixed minute
        limiter = RateLimiter(Limits.real(model), clock=clock)
        sent = 0
        for _ in range(60):
            clock.at += 1.0
            sent += limiter.take(1, -5, True).retry_after == 0
        assert (sent <= 41) if model == "bucket" else (sent == 20), (model, sent)


def test_paid_broadcast_is_free_under_the_free_limit_and_charged_above() -> None:
    clock = Ticks()
    limiter = RateLimiter(Limits.real("sliding"), clock=clock)
    verdicts = [limiter.take(1, chat, False, paid=True) for chat in range(1000)]
    assert all(v.retry_after == 0 for v in verdicts)
    assert sum(v.charged for v in verdicts) == 970  # the first 30 fit the free limit
    assert limiter.take(1, 5000, False, paid=True).retry_after == 1  # 1,000/s is the cap
    # The free limit is left to the bot's other messages (replies are not starved).
    assert limiter.take(1, 5001, False).retry_after == 0


def test_presets_with_models() -> None:
    assert Limits.preset("real:sliding").model == "sliding"
    assert Limits.preset("x10:fixed").overall_per_s == 300
    assert Limits.preset("real").model == "bucket"
    for bad in ("real:leaky", "fast", "x"):
        with pytest.raises(ValueError):
            Limits.preset(bad)
    with pytest.raises(ValueError, match="flood model"):
        Limits(model="leaky")  # type: ignore[arg-type]


def test_paces_are_the_same_rules_on_both_sides() -> None:
    gcra = Gcra(2.0, burst=3)
    assert [gcra.delay(0.0) for _ in range(1)] == [0.0]
    for _ in range(3):
        assert gcra.delay(0.0) == 0.0
        gcra.take(0.0)
    assert gcra.delay(0.0) == pytest.approx(0.5)
    gcra.push(10.0)  # a pause: then one at a time, no burst
    assert gcra.delay(10.0) == 0.0
    gcra.take(10.0)
    assert gcra.delay(10.0) == pytest.approx(0.5)
    window = SlidingWindow(2, 1.0)
    window.take(0.0)
    window.take(0.5)
    assert window.delay(0.6) == pytest.approx(0.4)
    fixed = FixedWindow(1, 1.0)
    fixed.take(0.9)
    assert fixed.delay(0.95) == pytest.approx(0.05)
    assert fixed.idle(1.0)


@pytest.mark.sandbox(limits=Limits.real("sliding"))
async def test_allow_paid_broadcast_over_http(
    tg_bot: Bot, sandbox: Sandbox, sandbox_user: User
) -> None:
    others = [sandbox.create_user(f"Reader {n}") for n in range(40)]
    for person in others:
        await tg_bot.send_message(person.id, "paid news", allow_paid_broadcast=True)
    assert sandbox.counters.total_429 == 0
    assert sum(sandbox.counters.paid.values()) == 40
    charged = sum(sandbox.counters.charged.values())
    assert charged >= 10  # 40 sends, at most 30 free in the second they took
    assert sandbox.counters.snapshot()["stars"] == pytest.approx(charged * 0.1)
