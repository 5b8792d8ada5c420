"""Flood control: a person who sends dozens of commands a second is throttled, politely.

The guard is consulted when an update *arrives* (see :mod:`bot.telegram.updates`), so a
flood is recognised at once, however long its replies take to leave.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Bucket:
    tokens: float
    updated: float
    warned: bool = False


class FloodGuard:
    """A token bucket per user: ``burst`` updates at once, then ``rate`` per second.

    :meth:`check` says whether to handle an update, and whether to send the one
    "slow down" reply of this flood. A flood ends once the bucket has refilled (the
    person stayed quiet for ``burst / rate`` seconds), so someone who keeps flooding is
    warned once, not once per refill. Other users have their own buckets.

    The defaults let a person tap through commands quickly (15 at once, then 3 a second);
    what goes beyond is a flood.
    """

    def __init__(
        self,
        burst: int = 15,
        rate: float = 3.0,
        monotonic: Callable[[], float] = time.monotonic,
        max_users: int = 50_000,
    ) -> None:
        self.burst = burst
        self.rate = rate
        self._monotonic = monotonic
        self._buckets: dict[int, _Bucket] = {}
        self._max_users = max_users

    def check(self, user_id: int) -> tuple[bool, bool]:
        """Return (allowed, warn_now) for one update from ``user_id``."""
        now = self._monotonic()
        bucket = self._buckets.get(user_id)
        if bucket is None:
            if len(self._buckets) >= self._max_users:
                self._forget_full(now)
            bucket = self._buckets[user_id] = _Bucket(float(self.burst), now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
        bucket.updated = now
        if bucket.tokens >= self.burst:
            bucket.warned = False  # quiet long enough: a new flood gets a new warning
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return True, False
        warn = not bucket.warned
        bucket.warned = True
        return False, warn

    def _forget_full(self, now: float) -> None:
        """Drop buckets that have refilled: they carry no information."""
        full = [
            uid
            for uid, b in self._buckets.items()
            if b.tokens + (now - b.updated) * self.rate >= self.burst
        ]
        for uid in full:
            del self._buckets[uid]
