"""The scheduler adapter: reminders as python-telegram-bot JobQueue (APScheduler) jobs.

One job per reminder, its id the reminder id, so a reschedule replaces and never
duplicates. APScheduler's defaults would drop a job that runs more than a second late
(a busy event loop, a suspended laptop); here a late job still runs, once (coalesced), and
the reminder service decides whether it still applies. Downtime is handled at start by
the catch-up, not by the scheduler, whose job store lives in memory.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from telegram.ext import JobQueue

from bot.domain.clock import Clock
from bot.telegram.context import Context

log = logging.getLogger(__name__)

MISFIRE_POLICY = {"misfire_grace_time": None, "coalesce": True, "replace_existing": True}
"""Run a late job however late (once); a job with the same id replaces the old one."""


@dataclass(frozen=True)
class ScheduledAt:
    """A job's data: the instant it is planned for, on the injected clock."""

    at: dt.datetime


class JobQueueScheduler:
    """Schedules callbacks at instants of the injected clock on PTB's JobQueue."""

    def __init__(self, job_queue: JobQueue[Context], clock: Clock) -> None:
        self.job_queue = job_queue
        self.clock = clock

    def schedule(
        self, job_id: str, at: dt.datetime, callback: Callable[[], Awaitable[None]]
    ) -> None:
        """Run ``callback`` at ``at`` on the injected clock (``--now`` shifts it too)."""

        async def run(_context: Context) -> None:
            try:
                await callback()
            except Exception:
                log.exception("job %s failed", job_id)

        delay = max((at - self.clock.now()).total_seconds(), 0.0)
        self.job_queue.run_once(
            run,
            when=delay,
            name=job_id,
            data=ScheduledAt(at),
            job_kwargs={"id": job_id, **MISFIRE_POLICY},
        )

    def cancel_all(self, prefix: str) -> int:
        """Remove every job whose id starts with ``prefix``."""
        jobs = [job for job in self.job_queue.jobs() if (job.name or "").startswith(prefix)]
        for job in jobs:
            job.schedule_removal()
        return len(jobs)
