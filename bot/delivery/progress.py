"""How a broadcast is doing (live progress) and how it went (the stored report)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from bot.domain.views import Progress
from bot.storage.models import BroadcastProgress, OutboxRow

__all__ = ["Progress", "build_report", "progress_from"]


def progress_from(
    counts: BroadcastProgress,
    *,
    rate: float,
    elapsed_s: float,
    report: Mapping[str, Any] | None = None,
    finished: bool | None = None,
) -> Progress:
    """Build a :class:`Progress` from the storage's row counts."""
    left = counts.remaining
    return Progress(
        broadcast_id=counts.broadcast_id,
        status=counts.status,
        total=counts.total,
        sent=counts.count("sent"),
        failed=counts.count("failed"),
        blocked=counts.count("blocked"),
        skipped=counts.count("skipped"),
        cancelled=counts.count("cancelled"),
        left=left,
        rate=rate,
        eta_s=(left / rate if rate > 0 else None) if left else 0.0,
        elapsed_s=elapsed_s,
        finished=counts.finished if finished is None else finished,
        report=report,
    )


def build_report(
    rows: Iterable[OutboxRow | tuple[str, str | None, int]],
    *,
    started_at: dt.datetime,
    finished_at: dt.datetime,
    plain_text_fallbacks: int = 0,
) -> dict[str, Any]:
    """Summarize a finished broadcast's rows: the report ``finish_broadcast`` stores.

    ``rows`` are outbox rows, or ``(status, last_error, count)`` groups (what
    ``report_counts`` returns). Unreachable chats are split by reason (``blocked``,
    ``deactivated``, ``unreachable`` for other 403s such as a kick); ``failed_reasons``
    counts the final errors.
    """
    statuses: Counter[str] = Counter()
    unreachable: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    for row in rows:
        status, last_error, n = (
            (row.status, row.last_error, 1) if isinstance(row, OutboxRow) else row
        )
        statuses[status] += n
        error = (last_error or "").lower()
        if status == "blocked":
            if "deactivated" in error:
                unreachable["deactivated"] += n
            elif "blocked" in error:
                unreachable["blocked"] += n
            else:
                unreachable["unreachable"] += n
        elif status == "failed":
            reasons[last_error or "unknown"] += n
    return {
        "total": sum(statuses.values()),
        "delivered": statuses["sent"],
        "blocked": unreachable["blocked"],
        "deactivated": unreachable["deactivated"],
        "unreachable": unreachable["unreachable"],
        "failed": statuses["failed"],
        "failed_reasons": dict(reasons.most_common()),
        "skipped": statuses["skipped"],
        "cancelled": statuses["cancelled"],
        "plain_text_fallbacks": plain_text_fallbacks,
        "started_at": started_at.isoformat(),
        "finished_at": finished_at.isoformat(),
        "duration_s": round((finished_at - started_at).total_seconds(), 3),
    }
