"""Telegram's sending limits as token buckets, and the sandbox's counters.

Telegram documents (https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this)
about 30 messages per second overall, about one message per second in a chat (short bursts are
tolerated) and at most 20 messages per minute in a group.  Past them the Bot API answers
``429 Too Many Requests: retry after N`` with ``parameters.retry_after = N`` (whole seconds, ≥ 1).

The sandbox models each limit as a token bucket:

* overall: ``global_per_second`` tokens/s, bucket size ``global_burst``;
* per chat (every chat type): ``chat_per_second`` tokens/s, bucket size ``chat_burst``;
* per group, supergroup or channel in addition: ``group_per_minute`` tokens/min, bucket size
  ``group_burst``.

A send passes only if every bucket that applies has a token; then one token is taken from each.
What counts as a send: ``sendMessage`` and ``sendDocument`` always; ``editMessageText`` and
``editMessageReplyMarkup`` when :attr:`Limits.count_edits` is true (the default — edits do draw
flood errors on Telegram, too).  Requests that fail validation (bad chat, parse errors, blocked
user, …) never reach the limiter and consume nothing.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

__all__ = ["Counters", "Limits", "RateLimiter"]


@dataclass(frozen=True)
class Limits:
    """Flood limits; use :meth:`real`, :meth:`scaled`, :meth:`off` or :meth:`preset`."""

    enabled: bool = True
    global_per_second: float = 30.0
    global_burst: float = 30.0
    chat_per_second: float = 1.0
    chat_burst: float = 3.0
    group_per_minute: float = 20.0
    group_burst: float = 20.0
    count_edits: bool = True

    @classmethod
    def real(cls) -> Limits:
        """Telegram's limits: 30/s overall, 1/s per chat (burst 3), 20/min per group."""
        return cls()

    @classmethod
    def scaled(cls, factor: float) -> Limits:
        """Every rate and bucket multiplied by ``factor`` (10 → 300/s, 10/s, 200/min)."""
        base = cls()
        return replace(
            base,
            global_per_second=base.global_per_second * factor,
            global_burst=base.global_burst * factor,
            chat_per_second=base.chat_per_second * factor,
            chat_burst=base.chat_burst * factor,
            group_per_minute=base.group_per_minute * factor,
            group_burst=base.group_burst * factor,
        )

    @classmethod
    def off(cls) -> Limits:
        """No limits at all (capacity benchmarks)."""
        return cls(enabled=False)

    @classmethod
    def preset(cls, name: str) -> Limits:
        """``real``, ``off`` or ``xN`` (e.g. ``x10``)."""
        if name == "real":
            return cls.real()
        if name == "off":
            return cls.off()
        if name.startswith("x"):
            return cls.scaled(float(name[1:]))
        raise ValueError(f"unknown limits preset {name!r} (real, off, x10, …)")

    def to_json(self) -> dict[str, Any]:
        """Return the settings as a JSON-ready dict."""
        return {
            "enabled": self.enabled,
            "global_per_second": self.global_per_second,
            "global_burst": self.global_burst,
            "chat_per_second": self.chat_per_second,
            "chat_burst": self.chat_burst,
            "group_per_minute": self.group_per_minute,
            "group_burst": self.group_burst,
            "count_edits": self.count_edits,
        }


class _Bucket:
    __slots__ = ("capacity", "rate", "stamp", "tokens")

    def __init__(self, rate: float, capacity: float, at: float) -> None:
        self.rate = rate
        self.capacity = max(capacity, 1.0)
        self.tokens = self.capacity
        self.stamp = at

    def wait(self, at: float) -> float:
        """Refill and return how long until a token is available (0 if now)."""
        self.tokens = min(self.capacity, self.tokens + (at - self.stamp) * self.rate)
        self.stamp = at
        if self.tokens >= 1.0:
            return 0.0
        return (1.0 - self.tokens) / self.rate if self.rate > 0 else math.inf


class RateLimiter:
    """Token buckets per bot: overall, per chat, per group."""

    def __init__(self, limits: Limits, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self.clock = clock
        self._global: dict[int, _Bucket] = {}
        self._chat: dict[tuple[int, int], _Bucket] = {}
        self._group: dict[tuple[int, int], _Bucket] = {}

    def configure(self, limits: Limits) -> None:
        """Switch to new limits and start with full buckets."""
        self.limits = limits
        self._global.clear()
        self._chat.clear()
        self._group.clear()

    def check(self, bot_id: int, chat_id: int, is_group: bool) -> int:
        """Take a token for a send; return 0 if allowed, else retry_after in whole seconds."""
        lim = self.limits
        if not lim.enabled:
            return 0
        at = self.clock()
        buckets = [
            self._get(self._global, bot_id, lim.global_per_second, lim.global_burst, at),
            self._get(self._chat, (bot_id, chat_id), lim.chat_per_second, lim.chat_burst, at),
        ]
        if is_group:
            buckets.append(
                self._get(
                    self._group, (bot_id, chat_id), lim.group_per_minute / 60.0, lim.group_burst, at
                )
            )
        wait = max(bucket.wait(at) for bucket in buckets)
        if wait > 0:
            return max(1, math.ceil(wait)) if math.isfinite(wait) else 3600
        for bucket in buckets:
            bucket.tokens -= 1.0
        return 0

    @staticmethod
    def _get(
        table: dict[Any, _Bucket], key: Any, rate: float, capacity: float, at: float
    ) -> _Bucket:
        bucket = table.get(key)
        if bucket is None:
            bucket = table[key] = _Bucket(rate, capacity, at)
        return bucket


@dataclass
class Counters:
    """What the sandbox saw: requests, sends, flood errors, faults, webhook deliveries."""

    requests: Counter[str] = field(default_factory=Counter)  # per canonical method name
    statuses: Counter[int] = field(default_factory=Counter)  # per HTTP status answered
    errors: Counter[str] = field(default_factory=Counter)  # per error description
    sends: Counter[int] = field(default_factory=Counter)  # accepted sends per chat
    too_many_requests: Counter[int] = field(default_factory=Counter)  # 429s per chat
    faults: Counter[str] = field(default_factory=Counter)  # injected faults per kind
    webhook_deliveries: int = 0
    webhook_failures: int = 0

    @property
    def total_requests(self) -> int:
        """All Bot API requests, whatever the outcome."""
        return sum(self.requests.values())

    @property
    def total_sends(self) -> int:
        """All accepted sends (and counted edits)."""
        return sum(self.sends.values())

    @property
    def total_429(self) -> int:
        """All flood-limit violations."""
        return sum(self.too_many_requests.values())

    def reset(self) -> None:
        """Zero everything."""
        for counter in (
            self.requests,
            self.statuses,
            self.errors,
            self.sends,
            self.too_many_requests,
            self.faults,
        ):
            counter.clear()
        self.webhook_deliveries = 0
        self.webhook_failures = 0

    def snapshot(self) -> dict[str, Any]:
        """Return a JSON-ready copy."""
        return {
            "total_requests": self.total_requests,
            "requests": dict(self.requests),
            "statuses": {str(k): v for k, v in self.statuses.items()},
            "errors": dict(self.errors),
            "total_sends": self.total_sends,
            "sends": {str(k): v for k, v in self.sends.items()},
            "total_429": self.total_429,
            "too_many_requests": {str(k): v for k, v in self.too_many_requests.items()},
            "faults": dict(self.faults),
            "webhook_deliveries": self.webhook_deliveries,
            "webhook_failures": self.webhook_failures,
        }
