"""The engine's overall pace against every flood model, a 429's pause and the adaptation.

Pure arithmetic on an injected clock: the sender's GCRA (bot.delivery.pace) against the
sandbox's flood models (bot.sandbox.limits), which share bot.domain.pace.
"""

from __future__ import annotations

import random

import pytest

from bot.delivery import DeliveryLimits, PriorityRateLimiter
from bot.delivery.pace import AdaptivePace
from bot.sandbox.limits import FLOOD_MODELS, Limits, RateLimiter


class Ticks:
    def __init__(self, at: float = 500.0) -> None:
        self.at = at

    def __call__(self) -> float:
        return self.at


def departures(pace: AdaptivePace, count: int, start: float) -> list[float]:
    """When ``count`` back-to-back sends leave under ``pace`` (each as soon as allowed)."""
    at, out = start, []
    for _ in range(count):
        at += pace.delay(at)
        pace.take(at)
        out.append(at)
    return out


def busiest_second(times: list[float]) -> int:
    best, start = 0, 0
    for end, at in enumerate(times):
        while at - times[start] >= 1.0:
            start += 1
        best = max(best, end - start + 1)
    return best


@pytest.mark.parametrize("model", FLOOD_MODELS)
def test_the_default_pace_draws_no_429_from_any_flood_model_even_with_jitter(model: str) -> None:
    lim = DeliveryLimits.telegram()
    pace = AdaptivePace(lim.overall_per_s, lim.overall_burst, lim.overall_slack_s)
    leave = departures(pace, 1000, 100.0)
    assert busiest_second(leave) <= 29  # every 1-second window under the limit of 30
    clock = Ticks()
    receiver = RateLimiter(Limits.real(model), clock=clock)  # type: ignore[arg-type]
    rng = random.Random(7)
    arrivals = sorted(t + rng.uniform(0.0, 0.03) for t in leave)  # up to 30 ms of jitter
    for chat, at in enumerate(arrivals):
        clock.at = at
        assert receiver.take(1, chat, False).retry_after == 0, f"send {chat} at {at:.3f} drew a 429"
    assert 1000 / (leave[-1] - leave[0]) > 27.5  # and the pace stays near 28/s


def test_the_old_burst_on_top_of_the_pace_was_punished_by_a_sliding_window() -> None:
    old = AdaptivePace(28.0, 10.0)  # the former default: burst 10 on top of 28/s
    leave = departures(old, 60, 100.0)
    assert busiest_second(leave) > 30


def test_a_429_moves_the_pace_past_the_pause_then_slows_and_probes_back() -> None:
    pace = AdaptivePace(28.0, 1.0, 0.005, backoff=0.8, floor=0.5, probe_s=5.0, step=0.02)
    sent = departures(pace, 28, 0.0)
    pace.punish(sent[-1], until=sent[-1] + 1.1)
    after = departures(pace, 3, sent[-1])
    assert after[0] >= sent[-1] + 1.1 - 0.006  # nothing during the pause
    assert after[1] - after[0] == pytest.approx(1 / (28 * 0.8))  # one at a time, slower
    # Quiet seconds later the rate climbs back, never above the ceiling.
    later = departures(pace, 28 * 60, after[-1] + 0.1)
    assert pace.rate == pytest.approx(28.0)
    assert busiest_second(later) <= 29


def test_limiter_pause_pushes_both_overall_paces_and_adapts_the_one_that_drew_it() -> None:
    clock = Ticks(10.0)
    limiter = PriorityRateLimiter(DeliveryLimits.telegram(), monotonic=clock)
    limiter.pause(2.0)
    assert limiter.overall_rate == pytest.approx(28.0 * 0.8)
    assert limiter.paused_for == pytest.approx(2.1)
    fixed = PriorityRateLimiter(DeliveryLimits(adapt=False), monotonic=clock)
    fixed.pause(1.0)
    assert fixed.overall_rate == pytest.approx(28.0)
    paid = PriorityRateLimiter(DeliveryLimits.telegram(), monotonic=clock)
    paid.pause(1.0, paid=True)
    assert paid.overall_rate == pytest.approx(28.0)  # the free pace keeps its rate


def test_paid_pace_fits_the_paid_limit() -> None:
    lim = DeliveryLimits.telegram()
    pace = AdaptivePace(lim.paid_per_s, 1.0, lim.overall_slack_s)
    leave = departures(pace, 5000, 0.0)
    assert busiest_second(leave) <= 1000
    assert 5000 / (leave[-1] - leave[0]) > 900


def test_the_preview_estimate_of_a_paid_broadcast() -> None:
    from bot.domain.views import DeliveryEstimate
    from bot.render.blocks import duration

    estimate = DeliveryEstimate.of(10_000, DeliveryLimits.telegram())
    assert duration(estimate.free_s) == "6 min"  # 10,000 / 28 per second
    assert duration(estimate.paid_s) == "10 s"  # 10,000 / 980 per second
    # 0.1 Star for each message above the free 30/s during those seconds.
    assert estimate.stars == pytest.approx(0.1 * (10_000 - 30 * 10_000 / 980), abs=0.05)
    assert DeliveryEstimate.of(0, DeliveryLimits.telegram()).stars == 0


async def test_a_send_waits_until_the_one_a_window_back_was_answered_a_second_ago() -> None:
    """However requests bunch up on the way, Telegram never sees more than 30 in a second."""
    import asyncio

    clock = Ticks(100.0)
    limiter = PriorityRateLimiter(
        DeliveryLimits(overall_per_s=1000, overall_window=3, per_chat_per_s=1000),
        monotonic=clock,
    )
    slots = [await limiter.acquire(None, bulk=True, track=True) for _ in range(3)]
    fourth = asyncio.create_task(limiter.acquire(None, bulk=True))
    await asyncio.sleep(0.05)
    assert not fourth.done()  # three in flight: the window is full
    limiter.finished(slots[0])  # answered at 100.0 ...
    await asyncio.sleep(0.05)
    assert not fourth.done()  # ... so Telegram may have counted it until then
    clock.at = 101.01
    limiter.finished(slots[1])
    await asyncio.wait_for(fourth, 1.0)
    await limiter.shutdown()


@pytest.mark.parametrize("factor", [1.0, 10.0])
def test_sender_and_sandbox_read_one_set_of_telegram_limits(factor: float) -> None:
    """Both extend bot.domain.pace.Rates: the sender's stay under the receiver's, scaled alike."""
    sender, receiver = DeliveryLimits.scaled(factor), Limits.scaled(factor)
    assert receiver == Limits.real().times(factor)
    assert sender.overall_per_s < receiver.overall_per_s
    assert sender.overall_burst == 1.0 < receiver.overall_burst  # the sender never bursts overall
    assert sender.paid_per_s < receiver.paid_per_s
    assert (sender.per_chat_per_s, sender.per_chat_burst) == (
        receiver.per_chat_per_s,
        receiver.per_chat_burst,
    )
    assert (sender.per_group_per_min, sender.per_group_burst) == (
        receiver.per_group_per_min,
        receiver.per_group_burst,
    )
    assert not DeliveryLimits.off().enabled and not Limits.off().enabled
