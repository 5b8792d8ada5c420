"""Organizer commands from the shell: ``deadline-bot news`` and ``deadline-bot stats``.

``news`` posts exactly as ``/post`` does (a stored news item, one outbox row per recipient
and part). When a bot is running against the same database it holds the instance lock:
the rows are then only enqueued, its delivery engine sends them, and this command follows
the progress from the database. Otherwise this command sends them itself.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from typing import TextIO

from telegram.ext import ExtBot

from bot.delivery import DeliveryEngine, PriorityRateLimiter, Progress, plain_text
from bot.delivery.progress import progress_from
from bot.deploy.lock import InstanceLock
from bot.domain.clock import Clock
from bot.domain.model import Event
from bot.domain.series import find_series, series_of
from bot.render import messages
from bot.render.html import esc
from bot.services.events import EventBook
from bot.services.news import NewsService
from bot.settings import Settings, SettingsError
from bot.storage.database import Database

POLL_SECONDS = 1.0


async def _open(settings: Settings, clock: Clock) -> tuple[Database, EventBook]:
    db = await Database.connect(
        settings.database_url, clock, data_dir=settings.data_dir, migrate=True
    )
    book = EventBook(db, clock, settings.config_path)
    await book.refresh()
    return db, book


async def stats(settings: Settings, clock: Clock, out: TextIO, *, only: str | None = None) -> int:
    """Print subscribers, reminder settings, zones and the latest broadcasts (of ``only``)."""
    db, book = await _open(settings, clock)
    try:
        event = chosen_edition(book, only)
        counts = await db.subscriptions.stats(series_of(event))
        out.write(f"{event.short_name} [{event.id}]\n")
        out.write(
            f"subscribers: {counts.active} active, {counts.inactive} inactive"
            f" ({counts.unreachable} unreachable)\n"
        )
        out.write(f"reminder settings: {dict(counts.by_mode)}\n")
        zones = sorted(counts.by_timezone.items(), key=lambda kv: -kv[1])
        out.write("time zones: " + ", ".join(f"{z or 'not set'} {n}" for z, n in zones) + "\n")
        out.write(f"outbox: {await db.outbox.pending_count()} message(s) waiting\n")
        for b in await db.outbox.list_broadcasts(10, event_id=event.id):
            report = dict(b.report or {})
            delivered = f", {report.get('delivered', 0)} delivered" if report else ""
            out.write(f"  #{b.id} {b.kind} {b.ref} {b.status} ({b.total} rows{delivered})\n")
        return 0
    finally:
        await db.close()


def chosen_edition(book: EventBook, wanted: str | None) -> Event:
    """The current edition of the series ``--event`` names (an edition id names its own)."""
    if not wanted:
        return book.primary
    exact = book.event(wanted)
    if exact is not None:
        return exact
    series = find_series(book.catalog, wanted)
    if series is None:
        known = ", ".join(s.id for s in book.catalog)
        raise SettingsError(f"no event {wanted!r}; the config has: {known}")
    return series.current(book.clock.now())


def progress_line(progress: Progress) -> str:
    """A one-line progress bar for the terminal."""
    handled = progress.total - progress.left
    width = 30
    filled = width if not progress.total else round(width * handled / progress.total)
    eta = f" ETA {progress.eta_s:.0f} s" if progress.eta_s and not progress.finished else ""
    return (
        f"[{'#' * filled}{'-' * (width - filled)}] {handled}/{progress.total}"
        f" delivered {progress.sent} blocked {progress.blocked} failed {progress.failed}"
        f" {progress.rate:.1f}/s{eta}"
    )


async def news(
    settings: Settings,
    clock: Clock,
    text: str,
    *,
    is_html: bool,
    yes: bool,
    out: TextIO,
    confirm: Callable[[str], bool],
    only: str | None = None,
) -> int:
    """Preview, confirm and post a news item; follow it to the report. Returns an exit status.

    ``only`` names the series (or edition) whose followers get it; default the first.
    """
    db, book = await _open(settings, clock)
    lock = InstanceLock(
        settings.database_url,
        name=f"deadline-bot:{(settings.token or '0:').split(':', 1)[0]}",
        data_dir=settings.data_dir,
    )
    try:
        event = chosen_edition(book, only)
        body = text.strip() if is_html else esc(text.strip())
        if not body:
            raise SettingsError("the news text is empty")
        audience = len(await db.subscriptions.active_recipients(series_of(event)))
        out.write("Preview (as subscribers will see it):\n\n")
        out.write(plain_text(messages.news_post(event, body).text) + "\n\n")
        if not yes and not confirm(f"Send to {audience} subscriber(s)? [y/N] "):
            out.write("Nothing sent.\n")
            return 1
        delivering = settings.token is not None and await lock.try_acquire()
        bot = ExtBot(
            settings.token or "0:unused",
            base_url=settings.api_base_url or "https://api.telegram.org/bot",
            rate_limiter=PriorityRateLimiter(),
        )
        engine = DeliveryEngine(db, bot, clock)
        posted = await NewsService(db, engine, clock).publish(event, body, None)
        out.write(f"news #{posted.news_id}: broadcast #{posted.broadcast_id}\n")
        if delivering:
            async with bot:
                await engine.start()
                watcher = engine.watch(posted.broadcast_id, lambda p: _show(out, p), interval=1)
                await engine.wait_finished(posted.broadcast_id, timeout=24 * 3600)
                await watcher
                await engine.stop()
        else:
            out.write("another instance is running: it delivers; following its progress\n")
            await _follow(db, posted.broadcast_id, out)
        out.write("\n")
        return 0
    finally:
        await lock.release()
        await db.close()


def _show(out: TextIO, progress: Progress) -> None:
    out.write("\r" + progress_line(progress))
    if progress.finished:
        out.write("\n" + plain_text(messages.broadcast_status(progress).text) + "\n")
    out.flush()


async def _follow(db: Database, broadcast_id: int, out: TextIO) -> None:
    """Show a broadcast's progress from the database until it has its report."""
    while True:
        counts = await db.outbox.broadcast_progress(broadcast_id)
        broadcast = await db.outbox.get_broadcast(broadcast_id)
        if counts is None or broadcast is None:
            return
        done = broadcast.finished_at is not None
        _show(
            out,
            progress_from(counts, rate=0.0, elapsed_s=0.0, report=broadcast.report, finished=done),
        )
        if done:
            return
        await asyncio.sleep(POLL_SECONDS)


def ask_terminal(prompt: str) -> bool:
    """Ask a yes/no question on the terminal; a pipe answers no."""
    if not sys.stdin.isatty():
        return False
    return input(prompt).strip().lower() in {"y", "yes"}
