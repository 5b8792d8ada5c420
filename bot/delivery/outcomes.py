"""What a failed send means for its outbox row: one function from exception to verdict."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from bot.delivery.limiter import retry_after_seconds

__all__ = ["Verdict", "VerdictKind", "classify"]


class VerdictKind(enum.Enum):
    """What to do with a row after an error."""

    RETRY_AFTER = "retry_after"
    """429 that the limiter gave up on: try again after ``retry_after`` (not a failure)."""
    TRANSIENT = "transient"
    """5xx, timeout, network: retry with backoff, at most K attempts."""
    BLOCKED = "blocked"
    """403: the chat is unreachable (``reason``); never retried."""
    MIGRATED = "migrated"
    """The group became a supergroup: move the chat and resend to ``new_chat_id``."""
    BAD_HTML = "bad_html"
    """Telegram refused the HTML: resend as plain text and tell the admins."""
    FINAL = "final"
    """Retrying cannot help (chat not found, message too long...): failed."""
    FATAL = "fatal"
    """The bot itself is misconfigured (bad token): stop sending, leave the row pending."""


@dataclass(frozen=True)
class Verdict:
    """An error's meaning: kind, a short reason for the report, and its parameters."""

    kind: VerdictKind
    reason: str
    """Telegram's description (for ``BLOCKED``: ``blocked``, ``deactivated``, ``kicked``...)."""
    retry_after: float = 0.0
    new_chat_id: int | None = None
    detail: str = ""
    """The full error text, when ``reason`` is a category."""


def classify(exc: BaseException) -> Verdict:
    """Map an exception from ``send_message`` to a :class:`Verdict`."""
    message = str(exc)
    lowered = message.lower()
    if isinstance(exc, RetryAfter):
        return Verdict(VerdictKind.RETRY_AFTER, message, retry_after=retry_after_seconds(exc))
    if isinstance(exc, ChatMigrated):
        return Verdict(VerdictKind.MIGRATED, message, new_chat_id=int(exc.new_chat_id))
    if isinstance(exc, Forbidden):
        return _forbidden(message)
    if isinstance(exc, BadRequest):
        if "can't parse entities" in lowered or "unsupported start tag" in lowered:
            return Verdict(VerdictKind.BAD_HTML, message)
        return Verdict(VerdictKind.FINAL, message)
    if isinstance(exc, InvalidToken):
        return Verdict(VerdictKind.FATAL, message)
    if isinstance(exc, NetworkError):  # 5xx, TimedOut, dropped connections
        return Verdict(VerdictKind.TRANSIENT, message or type(exc).__name__)
    if isinstance(exc, TelegramError):
        return Verdict(VerdictKind.TRANSIENT, message or type(exc).__name__)
    return Verdict(VerdictKind.TRANSIENT, f"{type(exc).__name__}: {message}")


def _forbidden(message: str) -> Verdict:
    lowered = message.lower()
    if "deactivated" in lowered:
        reason = "deactivated"
    elif "blocked" in lowered:
        reason = "blocked"
    elif "kicked" in lowered or "not a member" in lowered:
        reason = "kicked"
    else:
        reason = "forbidden"
    return Verdict(VerdictKind.BLOCKED, reason, detail=message)
