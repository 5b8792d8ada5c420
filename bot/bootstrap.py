"""Start the bot for ``deadline-bot run``: one active instance, polling or webhook.

1. Refuse SQLite on a platform whose disk vanishes (unless told otherwise).
2. Connect and migrate (migrations are safe when two instances start at once).
3. Webhook mode: the web server (webhook, ``/healthz``, calendar feed) starts at once, so
   the platform's health check passes while this instance waits as a hot standby.
4. Take the instance lock (a PostgreSQL advisory lock, or a file lock next to the SQLite
   file); a second instance says so, waits, and takes over when the first one stops.
5. Run until SIGTERM/SIGINT: in-flight sends finish, the rest stays pending for the next
   start. Losing the lock (the database blinked) pauses delivery at once, so two instances
   never send together, and :class:`~bot.deploy.keeper.LockKeeper` takes it back and
   resumes, or stands down (status 0) when another instance took over meanwhile.
6. Exit status 1 when the bot stopped itself for a fault (its SQLite file was deleted).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
import signal
from dataclasses import dataclass

from telegram import Update

from bot.calendar import event_calendar
from bot.deploy.health import collect_health
from bot.deploy.instance import instance_lock
from bot.deploy.keeper import LockKeeper
from bot.deploy.lock import InstanceLock
from bot.deploy.platform import check_storage_safe
from bot.deploy.web import (
    CalendarFile,
    HealthReport,
    NotAnUpdate,
    build_web_app,
    serve_web,
    split_webhook_url,
    stop_web,
    webhook_secret,
)
from bot.domain.clock import Clock
from bot.logs import add_secret
from bot.runtime import Runtime, WebhookTarget
from bot.settings import Settings

log = logging.getLogger(__name__)

LOCK_POLL_SECONDS = 2.0


@dataclass(frozen=True)
class RunOptions:
    """How ``run`` was asked to run."""

    webhook_url: str | None = None
    """Webhook mode when set (``--webhook`` with ``WEBHOOK_URL``)."""
    port: int = 8080
    """Where the web server listens in webhook mode (``$PORT``)."""
    allow_ephemeral_sqlite: bool = False


async def run_bot(
    settings: Settings, clock: Clock, options: RunOptions, stop: asyncio.Event | None = None
) -> int:
    """Run the bot until SIGINT/SIGTERM (or ``stop``); return the exit status."""
    if settings.token is None:
        raise ValueError("no token")
    warning = check_storage_safe(
        settings.database_url,
        dict(settings.platform_markers),
        allow_sqlite=options.allow_ephemeral_sqlite or settings.allow_ephemeral_sqlite,
    )
    if warning:
        log.warning("%s", warning)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    runtime = await Runtime.open(settings, clock)
    db = runtime.db
    log.info("database %s ready", db.url)
    loop.add_signal_handler(signal.SIGHUP, lambda: _reload_soon(runtime))
    lock = instance_lock(settings, settings.token)
    keeper = LockKeeper(lock, runtime, stop)
    lock.on_lost = keeper.lost
    if lock.dialect == "postgresql":  # verified before every claim (a file lock cannot go)
        runtime.engine.lock_check = lock.check
    web_runner = None
    target = None
    if options.webhook_url:
        url, path = split_webhook_url(options.webhook_url)
        secret = await webhook_secret(db.kv, settings.webhook_secret)
        add_secret(secret)
        target = WebhookTarget(url, secret)
        web_runner = await serve_web(
            build_web_app(
                webhook_path=path,
                secret_token=secret,
                on_update=lambda payload: _enqueue_update(runtime, payload),
                health=lambda: _health(runtime, lock, keeper),
                calendars=lambda event_id: calendar_file(runtime, event_id),
                # Not once stopping: the Application drops what is queued after its
                # stop, so a 503 makes Telegram keep those updates for the next start.
                # While the lock is being taken back, updates are still answered.
                accepting=lambda: (
                    (lock.held or keeper.regaining) and runtime.ready.is_set() and not stop.is_set()
                ),
            ),
            "0.0.0.0",  # a web process listens on the platform's interface
            options.port,
        )
        log.info("webhook server listening on port %d, path %s", options.port, path)
    try:
        if not await _wait_for_lock(lock, stop):
            return 0
        log.info("this instance is active (%s)", lock.describe())
        await runtime.run(stop, webhook=target)
    finally:
        await keeper.close()
        if web_runner is not None:
            await stop_web(web_runner)
        await lock.release()
        await db.close()
    if runtime.failure is not None:
        log.error("stopped because %s; exiting with status 1", runtime.failure)
        return 1
    if keeper.stood_down:
        log.info("stood down: another instance is active")
    return 0


_RELOADS: set[asyncio.Task[None]] = set()


def _reload_soon(runtime: Runtime) -> None:
    """SIGHUP: re-read the config like /reload (a broken config changes nothing)."""

    async def reload() -> None:
        if not runtime.ready.is_set():
            log.warning("SIGHUP ignored: this instance is not active yet")
            return
        outcome = await runtime.admin.reload(None)
        if outcome.ok:
            log.info(
                "config reloaded on SIGHUP; %d key date(s) moved, new edition(s) announced: %s",
                len(outcome.changes),
                ", ".join(outcome.editions) or "none",
            )
        else:
            log.error("config reload on SIGHUP failed; keeping the current one:\n%s", outcome.error)

    task = asyncio.create_task(reload())
    _RELOADS.add(task)
    task.add_done_callback(_RELOADS.discard)


async def _wait_for_lock(lock: InstanceLock, stop: asyncio.Event) -> bool:
    """Take the lock, waiting as a standby; False when asked to stop first."""

    def waiting() -> None:
        log.warning("another instance is active; waiting as a hot standby")

    acquire = asyncio.create_task(lock.acquire(LOCK_POLL_SECONDS, on_waiting=waiting))
    stopped = asyncio.create_task(stop.wait())
    done, _ = await asyncio.wait({acquire, stopped}, return_when=asyncio.FIRST_COMPLETED)
    for task in (acquire, stopped):
        if task not in done:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    if acquire in done:
        acquire.result()
        return True
    return False


async def _enqueue_update(runtime: Runtime, payload: dict[str, object]) -> None:
    """Hand a webhook update to python-telegram-bot (:class:`NotAnUpdate` if it is none)."""
    if not isinstance(payload.get("update_id"), int):
        raise NotAnUpdate("no integer update_id")
    try:
        update = Update.de_json(payload, runtime.application.bot)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise NotAnUpdate(f"update {payload['update_id']}: {type(exc).__name__}: {exc}") from None
    await runtime.application.update_queue.put(update)


async def _health(runtime: Runtime, lock: InstanceLock, keeper: LockKeeper) -> HealthReport:
    job_queue = runtime.application.job_queue
    return await collect_health(
        runtime.db,
        scheduler_running=lambda: bool(job_queue and job_queue.scheduler.running),
        active_instance=lambda: lock.held or keeper.regaining,
        problems=lambda: runtime.health.problems,
    )


async def calendar_file(runtime: Runtime, event_id: str) -> CalendarFile | None:
    """Return an event's .ics with a stable DTSTAMP: the last time its dates changed.

    A series' id (``/calendar/euromlsys.ics``) serves its current edition, so one
    subscription follows the series from one edition to the next.
    """
    event = runtime.book.event(event_id) or runtime.book.current(event_id)
    if event is None:
        return None
    changed = [e.recorded_at for e in await runtime.db.extensions.extensions_for(event.id)]
    try:
        config_time = dt.datetime.fromtimestamp(os.stat(event.source).st_mtime, tz=dt.UTC)
    except OSError:  # an event followed from a tracker URL (TRACKER_SOURCES) has no file
        config_time = runtime.clock.now()
    last_modified = max([config_time, *changed]).replace(microsecond=0)
    return CalendarFile(event_calendar([event], last_modified), last_modified)
