"""The data the services hand to the renderers: who reads, and what organizers are shown.

Plain frozen values, no text: ``bot/render`` turns them into messages.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from bot.domain.plan import Reminder
from bot.domain.times import UTC_ZONE, Zone

FREE_PER_S = 30.0
"""Telegram's free broadcast pace, messages per second overall."""
STARS_PER_PAID_MESSAGE = 0.1
"""What each message above the free pace of a paid broadcast costs, in Telegram Stars."""


@dataclass(frozen=True)
class Reader:
    """Who reads a message: their zone (None until they set one) and the current instant."""

    zone: Zone | None
    now: dt.datetime
    in_group: bool = False

    @property
    def shown_zone(self) -> Zone:
        """The zone to show times in: theirs, or UTC until they choose one."""
        return self.zone or UTC_ZONE


@dataclass(frozen=True)
class NewsEntry:
    """A news item as stored: already-safe HTML and when it was posted (None: with the call)."""

    html: str
    posted_at: dt.datetime | None


@dataclass(frozen=True)
class AuditView:
    """An audit entry as shown to organizers."""

    at: dt.datetime
    user_id: int | None
    action: str
    detail: str
    outcome: str
    first_name: str | None = None
    """The person's first name as their chat shows it, when the bot knows it."""
    username: str | None = None
    """Their @username (without the @), when the bot knows it."""


@dataclass(frozen=True)
class BroadcastView:
    """A broadcast as listed to organizers."""

    id: int
    kind: str
    ref: str
    status: str
    total: int
    delivered: int
    created_at: dt.datetime
    report: bool


@dataclass(frozen=True)
class StatsView:
    """The figures of /stats and ``deadline-bot stats``."""

    active: int
    inactive: int
    unreachable: int
    by_mode: Mapping[str, int]
    by_timezone: Mapping[str | None, int]
    scheduled: int
    next_reminder: tuple[str, dt.datetime] | None
    """The next reminder's id and when it fires."""
    pending: int

    @classmethod
    def of(cls, counts: SubscriberCounts, upcoming: Sequence[Reminder], pending: int) -> StatsView:
        """The figures from a series' subscriber counts and its reminders still to fire."""
        first = (upcoming[0].id, upcoming[0].fire_at) if upcoming else None
        return cls(
            counts.active, counts.inactive, counts.unreachable, dict(counts.by_mode),
            dict(counts.by_timezone), len(upcoming), first, pending,
        )  # fmt: skip


class SubscriberCounts(Protocol):
    """A series' subscribers counted (the storage's ``SubscriptionStats`` is one)."""

    @property
    def active(self) -> int:
        """Active subscriptions on reachable chats."""
        ...

    @property
    def inactive(self) -> int:
        """Unsubscribed, or the chat is unreachable."""
        ...

    @property
    def unreachable(self) -> int:
        """Of ``inactive``: still subscribed, but the chat is inactive."""
        ...

    @property
    def by_mode(self) -> Mapping[str, int]:
        """Active subscribers per reminder mode."""
        ...

    @property
    def by_timezone(self) -> Mapping[str | None, int]:
        """Active subscribers per time zone (``None``: not set)."""
        ...


@dataclass(frozen=True)
class Progress:
    """A snapshot of one broadcast for an organizer's progress message."""

    broadcast_id: int
    status: str
    total: int
    sent: int
    failed: int
    blocked: int
    """Unreachable chats (blocked, deactivated, kicked): never retried."""
    skipped: int
    cancelled: int
    left: int
    """Rows still pending or being sent."""
    rate: float
    """Messages delivered per second since watching began."""
    eta_s: float | None
    """Seconds until done at the current rate (None: unknown)."""
    elapsed_s: float
    finished: bool
    report: Mapping[str, Any] | None = None
    """The stored delivery report, on the last snapshot."""


class Pace(Protocol):
    """The overall paces a broadcast is sent at (the delivery limits have them)."""

    @property
    def overall_per_s(self) -> float:
        """Messages per second overall, free."""
        ...

    @property
    def paid_per_s(self) -> float:
        """Messages per second overall as a paid broadcast."""
        ...


@dataclass(frozen=True)
class DeliveryEstimate:
    """How long a broadcast takes at the free pace and as a paid one, and what that costs."""

    messages: int
    free_s: float
    """Seconds at the free overall pace."""
    paid_s: float
    """Seconds as a paid broadcast (``allow_paid_broadcast``)."""
    stars: float
    """Telegram Stars a paid broadcast costs: 0.1 per message above the free 30/s."""

    @classmethod
    def of(cls, messages: int, limits: Pace) -> DeliveryEstimate:
        """Estimate ``messages`` sends under ``limits`` (per-chat limits aside: one each)."""
        free_s = messages / limits.overall_per_s
        paid_s = messages / limits.paid_per_s
        above = max(0.0, messages - FREE_PER_S * paid_s)
        return cls(messages, free_s, paid_s, round(above * STARS_PER_PAID_MESSAGE, 1))
