"""Telegram's sending limits as flood models, and the sandbox's counters.

Telegram documents (https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this)
about 30 messages per second overall, about one message per second in a chat (short bursts are
tolerated) and at most 20 messages per minute in a group.  Past them the Bot API answers
``429 Too Many Requests: retry after N`` with ``parameters.retry_after = N`` (whole seconds, ≥ 1).
How Telegram counts is not documented, so the sandbox offers three *flood models*
(:attr:`Limits.model`), each built from the paces in :mod:`bot.domain.pace`:

* ``bucket`` (default): token buckets with bursts (GCRA). Overall ``overall_per_s`` with
  ``overall_burst``; per chat ``per_chat_per_s`` with ``per_chat_burst``; per group, supergroup or
  channel in addition ``per_group_per_min`` with ``per_group_burst``.
* ``sliding``: strict sliding windows: at most ``overall_per_s`` sends in *any* 1 s, at
  most ``per_chat_per_s`` per chat in any 1 s, at most ``per_group_per_min`` per group in any
  60 s. No burst at all.
* ``fixed``: the same counts in fixed windows (each wall second ``[k, k+1)``, each minute).

A send passes only if every limit that applies allows it; then it counts against each.
What counts as a send: ``sendMessage`` and ``sendDocument`` always; ``editMessageText`` and
``editMessageReplyMarkup`` when :attr:`Limits.count_edits` is true (the default — edits do draw
flood errors on Telegram, too).  Requests that fail validation (bad chat, parse errors, blocked
user, …) never reach the limiter and consume nothing.

**Paid broadcasts**: a send with ``allow_paid_broadcast`` is held to ``paid_per_s``
(Telegram: 1,000/s) instead of the free overall limit, which it leaves to the bot's other
messages. Paid messages within a free allowance of their own (the free limit's size) cost
nothing; the rest are *charged* (0.1 Telegram Stars each, counted in
:attr:`Counters.charged`). Per-chat and per-group limits still apply.
"""

from __future__ import annotations

import math
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any, Literal, NamedTuple

from bot.domain.pace import FixedWindow, Gcra, Pace, Rates, SlidingWindow

__all__ = ["FLOOD_MODELS", "Counters", "FloodModel", "Limits", "RateLimiter", "SendVerdict"]

FloodModel = Literal["bucket", "sliding", "fixed"]
#: The flood models :class:`Limits` accepts.
FLOOD_MODELS: tuple[FloodModel, ...] = ("bucket", "sliding", "fixed")
#: Telegram Stars charged per paid message above the free limit.
STARS_PER_PAID_MESSAGE = 0.1
#: Accepted sends whose instants :class:`Counters` keeps (for the receiver's view of pace).
SEND_TIMES_KEPT = 200_000


@dataclass(frozen=True)
class Limits(Rates):
    """Flood limits; use :meth:`real`, :meth:`scaled`, :meth:`off` or :meth:`preset`.

    Telegram's rates and bursts (:class:`~bot.domain.pace.Rates`: 30/s overall with a
    burst of 30, 1/s per chat with a burst of 3, 20/min per group, paid 1,000/s), counted
    under a flood model.
    """

    count_edits: bool = True
    """Edits count as sends (they draw flood errors on Telegram too)."""
    model: FloodModel = "bucket"
    """How sends are counted: ``bucket``, ``sliding`` or ``fixed`` (module docstring)."""

    def __post_init__(self) -> None:
        if self.model not in FLOOD_MODELS:
            raise ValueError(f"flood model must be one of {FLOOD_MODELS}, not {self.model!r}")

    @classmethod
    def real(cls, model: FloodModel = "bucket") -> Limits:
        """Telegram's limits: 30/s overall, 1/s per chat (burst 3), 20/min per group."""
        return cls(model=model)

    @classmethod
    def scaled(cls, factor: float, model: FloodModel = "bucket") -> Limits:
        """Every rate and bucket multiplied by ``factor`` (10 → 300/s, 10/s, 200/min)."""
        return cls(model=model).times(factor)

    @classmethod
    def preset(cls, name: str) -> Limits:
        """``real``, ``off`` or ``xN`` (e.g. ``x10``), optionally ``:model`` (``real:sliding``)."""
        base, _, model = name.partition(":")
        if model and model not in FLOOD_MODELS:
            raise ValueError(f"unknown flood model {model!r} ({', '.join(FLOOD_MODELS)})")
        chosen: FloodModel = model or "bucket"
        if base == "real":
            return cls.real(chosen)
        if base == "off":
            return cls.off()
        if base.startswith("x"):
            try:
                return cls.scaled(float(base[1:]), chosen)
            except ValueError:
                pass
        raise ValueError(
            f"unknown limits preset {name!r} (real, off, x10, …; real:sliding, x10:fixed)"
        )

    def to_json(self) -> dict[str, Any]:
        """Return the settings as a JSON-ready dict (the field names as keys)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


class SendVerdict(NamedTuple):
    """What the limiter said about one send."""

    retry_after: int
    """0: allowed; else the whole seconds to put in the 429."""
    charged: bool = False
    """A paid broadcast message above the free limit (it costs Stars)."""


def _pace(model: FloodModel, per_window: float, window: float, burst: float) -> Pace:
    """One limit of ``per_window`` sends per ``window`` seconds under ``model``."""
    if model == "sliding":
        return SlidingWindow(max(1, math.floor(per_window)), window)
    if model == "fixed":
        return FixedWindow(max(1, math.floor(per_window)), window)
    return Gcra(per_window / window, burst)


class RateLimiter:
    """The flood model per bot: overall, per chat, per group."""

    def __init__(self, limits: Limits, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self.clock = clock
        self._global: dict[int, Pace] = {}
        self._paid: dict[int, Pace] = {}
        self._allowance: dict[int, Pace] = {}
        self._chat: dict[tuple[int, int], Pace] = {}
        self._group: dict[tuple[int, int], Pace] = {}

    def configure(self, limits: Limits) -> None:
        """Switch to new limits and start afresh (full buckets, empty windows)."""
        self.limits = limits
        for table in (self._global, self._paid, self._allowance, self._chat, self._group):
            table.clear()

    def take(self, bot_id: int, chat_id: int, is_group: bool, *, paid: bool = False) -> SendVerdict:
        """Count a send (``paid``: with ``allow_paid_broadcast``); say whether it may go."""
        lim = self.limits
        if not lim.enabled:
            return SendVerdict(0)
        at = self.clock()
        model = lim.model
        chat = self._get(
            self._chat,
            (bot_id, chat_id),
            lambda: _pace(model, lim.per_chat_per_s, 1.0, lim.per_chat_burst),
        )
        local = [chat]
        if is_group:
            local.append(
                self._get(
                    self._group,
                    (bot_id, chat_id),
                    lambda: _pace(model, lim.per_group_per_min, 60.0, lim.per_group_burst),
                )
            )
        wait = max(p.delay(at) for p in local)
        charged = False
        if paid:
            overall = self._get(
                self._paid,
                bot_id,
                lambda: _pace(model, lim.paid_per_s, 1.0, lim.paid_per_s / 30.0),
            )
            # Which paid messages cost Stars: those above a free allowance of their own.
            allowance = self._get(
                self._allowance,
                bot_id,
                lambda: _pace(model, lim.overall_per_s, 1.0, lim.overall_burst),
            )
            wait = max(wait, overall.delay(at))
            charged = allowance.delay(at) > 0
            paces = [*local, overall] if charged else [*local, overall, allowance]
        else:
            free = self._get(
                self._global,
                bot_id,
                lambda: _pace(model, lim.overall_per_s, 1.0, lim.overall_burst),
            )
            wait = max(wait, free.delay(at))
            paces = [*local, free]
        if wait > 0:
            return SendVerdict(max(1, math.ceil(wait)) if math.isfinite(wait) else 3600)
        for pace in paces:
            pace.take(at)
        return SendVerdict(0, charged)

    @staticmethod
    def _get(table: dict[Any, Pace], key: Any, make: Callable[[], Pace]) -> Pace:
        pace = table.get(key)
        if pace is None:
            pace = table[key] = make()
        return pace


@dataclass
class Counters:
    """What the sandbox saw: requests, sends, flood errors, faults, webhook deliveries."""

    requests: Counter[str] = field(default_factory=Counter)  # per canonical method name
    statuses: Counter[int] = field(default_factory=Counter)  # per HTTP status answered
    errors: Counter[str] = field(default_factory=Counter)  # per error description
    sends: Counter[int] = field(default_factory=Counter)  # accepted sends per chat
    too_many_requests: Counter[int] = field(default_factory=Counter)  # 429s per chat
    paid: Counter[int] = field(default_factory=Counter)  # sends with allow_paid_broadcast
    charged: Counter[int] = field(default_factory=Counter)  # paid sends above the free limit
    faults: Counter[str] = field(default_factory=Counter)  # injected faults per kind
    webhook_deliveries: int = 0
    webhook_failures: int = 0
    send_times: deque[float] = field(default_factory=lambda: deque(maxlen=SEND_TIMES_KEPT))
    """When the latest accepted sends were taken (the limiter's monotonic clock)."""

    def pace(self) -> dict[str, float]:
        """The receiver's view of the pace: the accepted sends' span and busiest second.

        ``span_s`` runs from the first to the last accepted send kept (the last
        ``SEND_TIMES_KEPT``); ``max_in_1s`` is the most sends in any window of one second.
        """
        times = self.send_times
        if not times:
            return {"sends": 0, "span_s": 0.0, "max_in_1s": 0}
        busiest, start = 0, 0
        for end, at in enumerate(times):
            while at - times[start] >= 1.0:
                start += 1
            busiest = max(busiest, end - start + 1)
        return {"sends": len(times), "span_s": times[-1] - times[0], "max_in_1s": busiest}

    @property
    def total_requests(self) -> int:
        """All Bot API requests, whatever the outcome."""
        return sum(self.requests.values())

    @property
    def total_sends(self) -> int:
        """All accepted sends (and counted edits)."""
        return sum(self.sends.values())

    @property
    def stars(self) -> float:
        """Telegram Stars the paid broadcast messages above the free limit cost."""
        return round(sum(self.charged.values()) * STARS_PER_PAID_MESSAGE, 1)

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
            self.paid,
            self.charged,
            self.faults,
        ):
            counter.clear()
        self.send_times.clear()
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
            "total_paid": sum(self.paid.values()),
            "total_charged": sum(self.charged.values()),
            "stars": self.stars,
            "faults": dict(self.faults),
            "webhook_deliveries": self.webhook_deliveries,
            "webhook_failures": self.webhook_failures,
            "pace": self.pace(),
        }
