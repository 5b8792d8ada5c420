"""One pacing rule (GCRA, the "virtual scheduling" form of a token bucket)."""

from __future__ import annotations

import math


class Pace:
    """At most ``per_s`` sends a second, ``burst`` at once, with a safety ``margin`` in seconds.

    ``delay(now)`` says how long to wait before the next send; ``take(now)`` records one.
    The margin shrinks the burst allowance so that the receiving side, whose bucket has the
    same rate and size, always has ``margin`` seconds' worth of slack: sends that arrive up
    to ``margin`` seconds closer together than they left still pass.
    """

    __slots__ = ("interval", "tat", "tolerance")

    def __init__(self, per_s: float, burst: float, margin: float = 0.0) -> None:
        if per_s <= 0:
            raise ValueError("a pace needs a positive rate")
        self.interval = 1.0 / per_s
        self.tolerance = (max(burst, 1.0) - 1.0) * self.interval - margin
        self.tat = -math.inf  # the theoretical arrival time of the next send

    def delay(self, now: float) -> float:
        """Seconds until a send conforms (0: now)."""
        return max(0.0, self.tat - self.tolerance - now)

    def take(self, now: float) -> None:
        """Record a send at ``now``."""
        self.tat = max(self.tat, now) + self.interval

    def idle(self, now: float) -> bool:
        """True when the pace is back to its fresh state (it can be forgotten)."""
        return self.tat <= now
