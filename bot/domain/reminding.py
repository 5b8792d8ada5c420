"""Who gets a key date's reminders: the reminder modes and the "deadlines only" rule.

The one definition the storage (its column, its recipients query), the services and the
renderers all use.
"""

from __future__ import annotations

from typing import Literal, TypeGuard, get_args

from bot.domain.model import KeyDate

ReminderMode = Literal["all", "deadlines", "off"]
"""A subscription's reminders: all of them, deadlines only, or none (news only)."""
REMINDER_MODES: tuple[ReminderMode, ...] = get_args(ReminderMode)
"""Every mode, in the order they are offered."""
DEADLINES_ONLY_KINDS: frozenset[str] = frozenset({"deadline"})
"""The key-date kinds the "deadlines only" mode is reminded of."""


def is_mode(value: str) -> TypeGuard[ReminderMode]:
    """Whether ``value`` names a reminder mode."""
    return value in REMINDER_MODES


def modes_covering(kind: str | None) -> tuple[ReminderMode, ...]:
    """The modes whose subscribers get reminders of a key date of this ``kind``."""
    return ("all", "deadlines") if kind in DEADLINES_ONLY_KINDS else ("all",)


def in_mode(kd: KeyDate, mode: str) -> bool:
    """Whether the reminder mode covers this key date at all."""
    return mode in modes_covering(kd.kind)


def reminded(kd: KeyDate, mode: str, muted: frozenset[str]) -> bool:
    """Whether a chat in ``mode`` that muted ``muted`` gets this key date's reminders.

    The same rule as the recipients query of the sender (it filters by
    :func:`modes_covering`).
    """
    return in_mode(kd, mode) and kd.id not in muted
