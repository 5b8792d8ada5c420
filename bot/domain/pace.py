"""Paces: how often something may happen, as pure arithmetic on a monotonic clock.

One family of rules, used on both sides of the wire:

* :class:`Gcra`, the generic cell rate algorithm (the "virtual scheduling" form of a token
  bucket): ``rate`` events a second with ``burst`` at once. The delivery limiter paces with
  it, the flood guard counts each person's updates with it, and the sandbox's ``bucket``
  flood model is the same rule on the receiving side.
* :class:`SlidingWindow`: at most ``limit`` events in *any* ``window`` seconds.
* :class:`FixedWindow`: at most ``limit`` events in each window ``[k·w, (k+1)·w)``.

Every pace answers ``delay(now)`` (seconds until one more event conforms; 0 means now) and
records an event with ``take(now)``. ``now`` is any monotonic clock in seconds, so tests pass
their own. Nothing here sleeps, reads a clock or does I/O.
"""

from __future__ import annotations

import math
from collections import deque
from typing import Protocol

__all__ = ["FixedWindow", "Gcra", "Pace", "SlidingWindow"]


class Pace(Protocol):
    """A rule that says when the next event may happen."""

    def delay(self, now: float) -> float:
        """Seconds until one more event conforms (0: now)."""
        ...

    def take(self, now: float) -> None:
        """Record an event at ``now``."""
        ...

    def idle(self, now: float) -> bool:
        """True when the rule is back to its fresh state (it can be forgotten)."""
        ...


class Gcra:
    """``rate`` events a second, ``burst`` at once (GCRA; a token bucket of size ``burst``).

    ``tat`` is the theoretical arrival time of the next event; an event conforms when
    ``now >= tat - tolerance``. ``slack`` (seconds) is extra tolerance that is not a burst:
    it absorbs a timer firing a little late without losing rate, and never lets two events
    come closer than ``interval - slack``. A negative ``slack`` is a safety margin instead.
    """

    __slots__ = ("interval", "tat", "tolerance")

    def __init__(self, rate: float, burst: float = 1.0, slack: float = 0.0) -> None:
        if rate <= 0:
            raise ValueError("a pace needs a positive rate")
        self.interval = 1.0 / rate
        self.tolerance = (max(burst, 1.0) - 1.0) * self.interval + slack
        self.tat = -math.inf

    @property
    def rate(self) -> float:
        """Events per second."""
        return 1.0 / self.interval

    def delay(self, now: float) -> float:
        """Seconds until an event conforms (0: now)."""
        return max(0.0, self.tat - self.tolerance - now)

    def take(self, now: float) -> None:
        """Record an event at ``now`` (it should conform; a late one restarts the schedule)."""
        self.tat = max(self.tat, now) + self.interval

    def push(self, until: float) -> None:
        """Nothing before ``until``, and then one event at a time: no burst after a pause."""
        self.tat = max(self.tat, until + self.tolerance)

    def set_rate(self, rate: float) -> None:
        """Change the rate, keeping the burst allowance in events."""
        if rate <= 0:
            raise ValueError("a pace needs a positive rate")
        burst_events = self.tolerance / self.interval
        self.interval = 1.0 / rate
        self.tolerance = burst_events * self.interval

    def idle(self, now: float) -> bool:
        """True when the pace is back to its fresh state."""
        return self.tat <= now


class SlidingWindow:
    """At most ``limit`` events in any ``window`` seconds (a log of the last ``limit``)."""

    __slots__ = ("limit", "stamps", "window")

    def __init__(self, limit: int, window: float = 1.0) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("a window needs a positive limit and length")
        self.limit = limit
        self.window = window
        self.stamps: deque[float] = deque(maxlen=limit)

    def delay(self, now: float) -> float:
        """Seconds until an event conforms: when the oldest of the last ``limit`` leaves."""
        if len(self.stamps) < self.limit:
            return 0.0
        return max(0.0, self.stamps[0] + self.window - now)

    def take(self, now: float) -> None:
        """Record an event at ``now``."""
        self.stamps.append(now)

    def idle(self, now: float) -> bool:
        """True when no event is left in the window."""
        return not self.stamps or self.stamps[-1] + self.window <= now


class FixedWindow:
    """At most ``limit`` events in each window ``[k·window, (k+1)·window)``."""

    __slots__ = ("count", "index", "limit", "window")

    def __init__(self, limit: int, window: float = 1.0) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("a window needs a positive limit and length")
        self.limit = limit
        self.window = window
        self.index = -math.inf
        self.count = 0

    def _roll(self, now: float) -> None:
        index = math.floor(now / self.window)
        if index != self.index:
            self.index, self.count = index, 0

    def delay(self, now: float) -> float:
        """Seconds until an event conforms: 0, or until the next window opens."""
        self._roll(now)
        if self.count < self.limit:
            return 0.0
        return max(0.0, (self.index + 1) * self.window - now)

    def take(self, now: float) -> None:
        """Record an event at ``now``."""
        self._roll(now)
        self.count += 1

    def idle(self, now: float) -> bool:
        """True when the current window has seen nothing."""
        self._roll(now)
        return self.count == 0
