"""Paces: how often something may happen, as pure arithmetic on a monotonic clock.

One family of rules, used on both sides of the wire:

* :class:`Gcra`, the generic cell rate algorithm (the "virtual scheduling" form of a token
  bucket): ``rate`` events a second with ``burst`` at once. The delivery limiter paces with
  it, the flood guard counts each person's updates with it, and the sandbox's ``bucket``
  flood model is the same rule on the receiving side.
* :class:`SlidingWindow`: at most ``limit`` events in *any* ``window`` seconds.
* :class:`FixedWindow`: at most ``limit`` events in each window ``[k·w, (k+1)·w)``.

:class:`Rates` are Telegram's flood limits as those rules see them (a rate and a burst each);
the sender's limits and the sandbox's extend them.

Every pace answers ``delay(now)`` (seconds until one more event conforms; 0 means now) and
records an event with ``take(now)``. ``now`` is any monotonic clock in seconds, so tests pass
their own. Nothing here sleeps, reads a clock or does I/O.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, replace
from typing import Protocol, Self

__all__ = ["FixedWindow", "Gcra", "Pace", "Rates", "SlidingWindow"]


@dataclass(frozen=True)
class Rates:
    """Telegram's flood limits, overall, per chat and per group, as rates and bursts.

    Telegram documents about 30 messages/s overall, about 1 message/s in a chat (short
    bursts tolerated), 20 messages/min in a group, and 1,000 messages/s for paid broadcasts
    (``allow_paid_broadcast``); these are the defaults.
    """

    overall_per_s: float = 30.0
    """Messages per second for the whole bot."""
    overall_burst: float = 30.0
    """Messages the whole bot may send at once after a quiet spell."""
    per_chat_per_s: float = 1.0
    """Messages per second in one chat, once its burst is used up."""
    per_chat_burst: float = 3.0
    """Messages a quiet chat may receive at once."""
    per_group_per_min: float = 20.0
    """Messages per minute in one group, supergroup or channel (on top of the chat limit)."""
    per_group_burst: float = 20.0
    """Messages a quiet group may receive at once."""
    paid_per_s: float = 1000.0
    """Paid broadcast messages per second, overall (instead of ``overall_per_s``)."""
    enabled: bool = True
    """False: no limits at all (capacity benchmarks)."""

    def times(self, factor: float) -> Self:
        """These limits with every rate and burst multiplied by ``factor``."""
        return replace(
            self,
            overall_per_s=self.overall_per_s * factor,
            overall_burst=self.overall_burst * factor,
            per_chat_per_s=self.per_chat_per_s * factor,
            per_chat_burst=self.per_chat_burst * factor,
            per_group_per_min=self.per_group_per_min * factor,
            per_group_burst=self.per_group_burst * factor,
            paid_per_s=self.paid_per_s * factor,
        )

    @classmethod
    def off(cls) -> Self:
        """No limits at all."""
        return cls(enabled=False)


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
