"""The limiter's pacing rule: the one GCRA of :mod:`bot.domain.pace`, spelled with a margin."""

from __future__ import annotations

from bot.domain.pace import Gcra

__all__ = ["AdaptivePace", "Pace"]


class Pace(Gcra):
    """At most ``per_s`` sends a second, ``burst`` at once, with a safety ``margin`` in seconds.

    ``delay(now)`` says how long to wait before the next send; ``take(now)`` records one.
    The margin shrinks the burst allowance so that the receiving side, whose rule has the
    same rate and size, always has ``margin`` seconds' worth of slack: sends that arrive up
    to ``margin`` seconds closer together than they left still pass.
    """

    __slots__ = ()

    def __init__(self, per_s: float, burst: float, margin: float = 0.0) -> None:
        super().__init__(per_s, burst, slack=-margin)


class AdaptivePace(Gcra):
    """A GCRA whose rate backs off after a 429 and then probes back up.

    On :meth:`punish` (Telegram answered 429 with ``retry_after``) the rate drops by
    ``backoff`` (never below ``floor`` of the ceiling) and the schedule moves past the pause,
    so no burst fires when it ends. Every ``probe_s`` seconds without a 429 the rate climbs
    by ``step`` of the ceiling, back to the ceiling.
    """

    __slots__ = ("backoff", "ceiling", "changed_at", "floor", "probe_s", "step")

    def __init__(
        self,
        rate: float,
        burst: float = 1.0,
        slack: float = 0.0,
        *,
        backoff: float = 0.8,
        floor: float = 0.5,
        probe_s: float = 5.0,
        step: float = 0.02,
    ) -> None:
        super().__init__(rate, burst, slack)
        self.ceiling = rate
        self.backoff, self.floor, self.probe_s, self.step = backoff, floor, probe_s, step
        self.changed_at = -float("inf")

    def punish(self, now: float, until: float) -> None:
        """A 429 at ``now``; nothing may go before ``until``: slow down and move past it."""
        self.set_rate(max(self.ceiling * self.floor, self.rate * self.backoff))
        self.changed_at = now
        self.push(until)

    def take(self, now: float) -> None:
        """Record a send; probe the rate back up when it has been quiet long enough."""
        if self.rate < self.ceiling and now - self.changed_at >= self.probe_s:
            self.set_rate(min(self.ceiling, self.rate + self.ceiling * self.step))
            self.changed_at = now
        super().take(now)
