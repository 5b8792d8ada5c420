"""The flood guard on the shared GCRA decides exactly as the token bucket it replaced."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.telegram.flood import FloodGuard


@dataclass
class _Bucket:
    tokens: float
    updated: float
    warned: bool = False


class TokenBucketGuard:
    """The guard as it was before it used :mod:`bot.domain.pace`: the reference."""

    def __init__(self, burst: int, rate: float) -> None:
        self.burst, self.rate = burst, rate
        self.buckets: dict[int, _Bucket] = {}

    def check(self, user_id: int, now: float) -> tuple[bool, bool]:
        bucket = self.buckets.setdefault(user_id, _Bucket(float(self.burst), now))
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
        bucket.updated = now
        if bucket.tokens >= self.burst:
            bucket.warned = False
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return True, False
        warn = not bucket.warned
        bucket.warned = True
        return False, warn


# Rates and instants that binary floating point holds exactly, so both sides compute
# exactly and must agree on every update (no rounding at the edges).
arrivals = st.lists(
    st.tuples(st.integers(0, 40), st.integers(1, 3)),  # (sixteenths of a second later, user)
    max_size=300,
)


@settings(max_examples=200, deadline=None)
@given(burst=st.integers(1, 20), rate=st.sampled_from([0.5, 1.0, 2.0, 4.0, 8.0]), feed=arrivals)
def test_the_guard_decides_as_the_token_bucket(
    burst: int, rate: float, feed: list[tuple[int, int]]
) -> None:
    now = [0.0]
    guard = FloodGuard(burst=burst, rate=rate, monotonic=lambda: now[0])
    reference = TokenBucketGuard(burst, rate)
    for step, user in feed:
        now[0] += step / 16
        assert guard.check(user) == reference.check(user, now[0])


def test_forgetting_idle_senders_keeps_those_still_counted() -> None:
    now = [0.0]
    guard = FloodGuard(burst=2, rate=1.0, monotonic=lambda: now[0], max_users=2)
    assert guard.check(1) == (True, False)
    assert guard.check(1) == (True, False)
    assert guard.check(2) == (True, False)
    now[0] = 1.5  # user 2 is fresh again, user 1 still owes half a second
    assert guard.check(3) == (True, False)  # a third user: the fresh ones are forgotten
    assert guard.check(1) == (True, False)  # user 1's one refilled slot ...
    assert guard.check(1) == (False, True)  # ... and no more: its pace was kept
