"""When to try a failed send again: bounded exponential backoff with jitter."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    """Retry transient failures (5xx, timeouts, network) at most ``max_attempts`` times.

    The n-th retry waits ``base_s * 2**(n-1)``, capped at ``cap_s``, minus up to ``jitter``
    of it at random (so that a storm's failures do not come back all at once).
    """

    max_attempts: int = 6
    """Attempts in all, the first included; then the row is ``failed``."""
    base_s: float = 2.0
    cap_s: float = 300.0
    jitter: float = 0.5

    def delay(self, attempt: int, rng: random.Random) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        raw = min(self.cap_s, self.base_s * 2.0 ** max(0, attempt - 1))
        return raw * (1.0 - self.jitter * rng.random())

    def exhausted(self, attempt: int) -> bool:
        """True when attempt number ``attempt`` was the last one allowed."""
        return attempt >= self.max_attempts
