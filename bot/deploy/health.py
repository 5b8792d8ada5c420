"""What ``/healthz`` reports, gathered from the database, the scheduler and the lock."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from typing import Any

from bot.deploy.web import HealthReport
from bot.storage.database import Database
from bot.storage.probe import ping

log = logging.getLogger(__name__)

#: Seconds the database may take to answer before it counts as down.
DB_TIMEOUT = 3.0


async def collect_health(
    db: Database,
    *,
    scheduler_running: Callable[[], bool],
    active_instance: Callable[[], bool],
    details: Mapping[str, Any] | None = None,
    db_timeout: float = DB_TIMEOUT,
    problems: Callable[[], Mapping[str, str]] | None = None,
) -> HealthReport:
    """Ask the database (``SELECT 1`` and the pending outbox count) and the callables.

    ``scheduler_running`` is e.g. ``lambda: application.job_queue.scheduler.running``;
    ``active_instance`` is e.g. ``lambda: lock.held``; ``problems`` e.g. the health board's
    ``problems``. A slow or failing database gives ``database=False`` (and
    ``pending_outbox=0``), never an exception.
    """

    async def ask() -> int:
        await ping(db.engine)
        return await db.outbox.pending_count()

    extra = dict(details or {})
    try:
        pending = await asyncio.wait_for(ask(), timeout=db_timeout)
        database = True
    except Exception as exc:  # the report says "degraded"; the reason goes to the log
        log.warning("health: database check failed: %s", type(exc).__name__)
        pending, database = 0, False
        extra.setdefault("database_error", type(exc).__name__)
    return HealthReport(
        database=database,
        scheduler=bool(scheduler_running()),
        pending_outbox=pending,
        active_instance=bool(active_instance()),
        details=extra,
        problems=dict(problems()) if problems is not None else {},
    )
