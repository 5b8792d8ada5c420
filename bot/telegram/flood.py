"""Flood control: a person who sends dozens of commands a second is throttled, politely.

The guard is consulted when an update *arrives* (see :mod:`bot.telegram.updates`), so a
flood is recognised at once, however long its replies take to leave. Its pace is the one
GCRA of :mod:`bot.domain.pace`, the rule the delivery limiter and the sandbox use.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from bot.domain.pace import Gcra


@dataclass
class _Sender:
    """One person's pace, and whether this flood of theirs was answered already."""

    pace: Gcra
    warned: bool = False


class FloodGuard:
    """A pace per user: ``burst`` updates at once, then ``rate`` per second.

    :meth:`check` says whether to handle an update, and whether to send the one
    "slow down" reply of this flood. A flood ends once the pace is back to its fresh
    state (the person stayed quiet for ``burst / rate`` seconds), so someone who keeps
    flooding is warned once, not once per update let through. Other users have their own.

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
        self._senders: dict[int, _Sender] = {}
        self._max_users = max_users

    def check(self, user_id: int) -> tuple[bool, bool]:
        """Return (allowed, warn_now) for one update from ``user_id``."""
        now = self._monotonic()
        sender = self._senders.get(user_id)
        if sender is None:
            if len(self._senders) >= self._max_users:
                self._forget_idle(now)
            sender = self._senders[user_id] = _Sender(Gcra(self.rate, self.burst))
        if sender.pace.idle(now):
            sender.warned = False  # quiet long enough: a new flood gets a new warning
        if sender.pace.delay(now) <= 0:
            sender.pace.take(now)
            return True, False
        warn = not sender.warned
        sender.warned = True
        return False, warn

    def _forget_idle(self, now: float) -> None:
        """Drop the senders whose pace is fresh again: they carry no information."""
        for uid in [uid for uid, s in self._senders.items() if s.pace.idle(now)]:
            del self._senders[uid]
