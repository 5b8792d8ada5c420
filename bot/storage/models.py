"""What the repositories return (frozen dataclasses) and accept (small value types)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

# The ``reminders`` and ``kind`` columns hold the domain's modes and broadcast kinds.
from bot.domain.outbox_keys import BroadcastKind as BroadcastKind
from bot.domain.reminding import ReminderMode as ReminderMode

NewsSource = Literal["config", "admin"]
BroadcastStatus = Literal["pending", "running", "done", "cancelled"]
OutboxStatus = Literal["pending", "sending", "sent", "failed", "blocked", "cancelled", "skipped"]


@dataclass(frozen=True)
class Chat:
    """A Telegram chat the bot has seen."""

    chat_id: int
    type: str
    """``private``, ``group``, ``supergroup`` or ``channel``."""
    title: str | None
    username: str | None
    first_name: str | None
    timezone: str | None
    """IANA zone name chosen by the chat, or ``None`` (show AoE and UTC)."""
    language_code: str | None
    active: bool
    """False once Telegram said the chat is unreachable (see ``inactive_reason``)."""
    inactive_reason: str | None
    """``blocked``, ``deactivated``, ``migrated``, ``kicked``... or ``None``."""
    first_seen: dt.datetime
    updated_at: dt.datetime
    migrated_to: int | None


@dataclass(frozen=True)
class Subscription:
    """A chat's subscription to one series (kept, inactive, after unsubscribing)."""

    series_id: str
    chat_id: int
    subscribed_at: dt.datetime
    """When the chat last (re)subscribed."""
    unsubscribed_at: dt.datetime | None
    reminders: ReminderMode
    active: bool


@dataclass(frozen=True)
class Recipient:
    """A chat that should receive a broadcast, with what rendering needs."""

    chat_id: int
    timezone: str | None
    language_code: str | None


@dataclass(frozen=True)
class SubscriptionStats:
    """Counts for an organizer's ``/stats``."""

    active: int
    """Active subscriptions on reachable chats: who gets news."""
    inactive: int
    """Unsubscribed, or the chat is unreachable (blocked, migrated...)."""
    unreachable: int
    """Of ``inactive``: still subscribed, but the chat is inactive."""
    by_timezone: Mapping[str | None, int]
    """Active subscribers per time zone (``None``: not set)."""
    by_mode: Mapping[str, int]
    """Active subscribers per reminder mode."""
    by_type: Mapping[str, int]
    """Active subscribers per chat type."""


@dataclass(frozen=True)
class NewsItem:
    """A piece of news for an event."""

    id: int
    event_id: str
    html: str
    posted_at: dt.datetime
    posted_by: int | None
    source: NewsSource
    source_key: str | None


class ConfigNews(NamedTuple):
    """News written in the event's config, seeded into the database on start.

    ``key`` identifies the item across restarts (an id from the YAML, or the index);
    editing the text in the config updates the stored item with the same key.
    ``posted_at`` is the date written in the config; ``None`` means "when first
    seeded", and that instant is then kept across restarts.
    """

    key: str
    html: str
    posted_at: dt.datetime | None = None


@dataclass(frozen=True)
class Extension:
    """One deadline extension, as recorded."""

    id: int
    event_id: str
    key_date_id: str
    previous_at: dt.datetime
    new_at: dt.datetime
    new_as_written: str
    recorded_at: dt.datetime
    recorded_by: int | None


@dataclass(frozen=True)
class AuditEntry:
    """Something an organizer (or the system, ``user_id`` None) did."""

    id: int
    at: dt.datetime
    user_id: int | None
    action: str
    detail: str
    """Free text, or JSON when the caller passed a mapping."""
    outcome: str


class NewOutboxRow(NamedTuple):
    """One message to enqueue: a plain ``(chat_id, key, payload)`` tuple works too."""

    chat_id: int
    idempotency_key: str
    payload: Mapping[str, Any]


@dataclass(frozen=True)
class Audience:
    """Who a broadcast goes to, as the database selects them (see ``active_recipients``).

    Always an active subscription to the series ``series_id`` (an event's
    :func:`~bot.domain.series.series_of`) on an active chat. With ``key_date_id``
    (a reminder): only the modes covering ``kind`` (see
    :func:`~bot.domain.reminding.modes_covering`), and chats that muted the key date are
    left out.
    ``extra_chats`` are added (an announcement channel).
    """

    series_id: str
    key_date_id: str | None = None
    kind: str | None = None
    extra_chats: tuple[int, ...] = ()


@dataclass(frozen=True)
class AudienceBroadcast:
    """A broadcast to everyone in an audience, as a use case orders it.

    ``parts`` are the payloads, stored once and sent to every recipient in order; a
    row's key is ``key_prefix`` + chat id, plus ``:<part index>`` with ``part_suffix``
    (required for more than one part). ``not_before`` holds the rows until then;
    ``paid`` sends them as a paid broadcast. See ``OutboxRepository.create_broadcast_to``.
    """

    event_id: str
    kind: BroadcastKind
    ref: str
    created_by: int | None
    audience: Audience
    parts: Sequence[Mapping[str, Any]]
    key_prefix: str
    part_suffix: bool = False
    not_before: dt.datetime | None = None
    paid: bool = False


@dataclass(frozen=True)
class Broadcast:
    """A batch of outbox rows sent for one reminder, news item or extension."""

    id: int
    event_id: str
    kind: BroadcastKind
    ref: str
    created_at: dt.datetime
    created_by: int | None
    status: BroadcastStatus
    total: int
    report: Mapping[str, Any] | None
    finished_at: dt.datetime | None
    paid: bool = False
    """Sent with ``allow_paid_broadcast`` (faster than the free limit, costs Stars)."""


class CreatedBroadcast(NamedTuple):
    """Result of ``create_broadcast``; unpacks as ``(broadcast_id, inserted)``."""

    broadcast_id: int
    inserted: int
    """Rows written by this call; rows whose key already existed are not counted."""


@dataclass(frozen=True)
class OutboxRow:
    """A message in the outbox, as the delivery engine sees it."""

    id: int
    broadcast_id: int
    chat_id: int
    idempotency_key: str
    payload: Mapping[str, Any]
    status: OutboxStatus
    attempts: int
    """Claims so far, including the current one."""
    next_attempt_at: dt.datetime
    claimed_at: dt.datetime | None
    message_id: int | None
    last_error: str | None
    created_at: dt.datetime
    sent_at: dt.datetime | None


@dataclass(frozen=True)
class BroadcastProgress:
    """How far a broadcast has got."""

    broadcast_id: int
    status: BroadcastStatus
    total: int
    by_status: Mapping[str, int] = field(default_factory=dict)

    def count(self, status: OutboxStatus) -> int:
        """Return how many rows are in ``status``."""
        return self.by_status.get(status, 0)

    @property
    def remaining(self) -> int:
        """Rows still to be sent (pending or being sent)."""
        return self.count("pending") + self.count("sending")

    @property
    def finished(self) -> bool:
        """True when no row is waiting."""
        return self.remaining == 0
