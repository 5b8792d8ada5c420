"""Organizer commands from the shell: ``deadline-bot news`` and ``deadline-bot stats``.

``news`` posts exactly as ``/post`` does (a stored news item, one outbox row per recipient
and part). When a bot is running against the same database it holds the instance lock:
the rows are then only enqueued, its delivery engine sends them, and this command follows
the progress from the database. Otherwise this command sends them itself.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Callable
from typing import TextIO

from bot.delivery import Progress, plain_text
from bot.delivery.progress import progress_from
from bot.deploy.instance import instance_lock
from bot.deploy.lock import InstanceLock
from bot.domain.clock import Clock
from bot.domain.model import Event
from bot.domain.plan import plan
from bot.domain.series import find_series, series_of
from bot.domain.views import Reader, StatsView
from bot.render import broadcasts as broadcast_text
from bot.render import cli_text
from bot.render import organizers as organizer_text
from bot.render.html import esc
from bot.runtime import Runtime, event_book, open_database
from bot.services.events import EventBook
from bot.settings import Settings, SettingsError
from bot.storage.database import Database

POLL_SECONDS = 1.0
#: How many of an edition's latest broadcasts ``stats`` lists.
LATEST_BROADCASTS = 10
#: In a pipe (not a terminal), one progress line at most this often.
PIPE_LINE_SECONDS = 5.0


async def _open(settings: Settings, clock: Clock) -> tuple[Database, EventBook]:
    """The database and the events, from the composition root (no bot needed)."""
    db = await open_database(settings, clock)
    try:
        book = event_book(settings, db, clock)
        await book.refresh()
    except BaseException:
        await db.close()
        raise
    return db, book


async def stats(
    settings: Settings,
    clock: Clock,
    out: TextIO,
    *,
    only: str | None = None,
    latest: int = LATEST_BROADCASTS,
) -> int:
    """Print /stats's figures for a series (``only``), then its ``latest`` broadcasts.

    The figures are /stats's own text without the markup; the broadcasts an aligned table
    that fits the terminal (80 columns in a pipe).
    """
    db, book = await _open(settings, clock)
    try:
        event = chosen_edition(book, only)
        series = series_of(event)
        found = book.series(series)
        upcoming = plan(found.editions if found else (event,), clock.now())
        counts = await db.subscriptions.stats(series)
        view = StatsView.of(counts, upcoming, await db.outbox.pending_count())
        broadcasts = await db.outbox.list_broadcasts(latest, event_id=event.id)
    finally:
        await db.close()
    out.write(organizer_text.stats_plain(event, view, Reader(None, clock.now())))
    if not broadcasts:
        out.write("No broadcasts yet.\n")
        return 0
    rows = []
    for b in broadcasts:
        report = b.report or {}
        delivered = str(report.get("delivered", "")) if report else ""
        ref = b.ref if len(b.ref) <= 28 else b.ref[:27] + "…"
        rows.append([f"#{b.id}", b.kind, ref, b.status, str(b.total), delivered])
    headers = ["id", "kind", "ref", "status", "recipients", "delivered"]
    out.write(
        "\nLatest broadcasts:\n" + cli_text.fit_table(headers, rows, cli_text.terminal_width(out))
    )
    return 0


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
    paid: bool = False,
) -> int:
    """Preview, confirm and post a news item; follow it to the report. Returns an exit status.

    ``only`` names the series (or edition) whose followers get it; default the first.
    The preview says how long sending takes, free and paid, and what a paid one costs (as
    /post's does); ``paid`` posts it as a paid broadcast (``allow_paid_broadcast``).

    The bot's token is needed either way: to send, and to know which bot's instance lock
    says whether a bot is already running against this database.
    """
    token = settings.token
    if token is None:
        raise SettingsError(
            "TELEGRAM_BOT_TOKEN is not set; news needs the bot's token to send "
            "(and to find a bot running on this database): set it as for deadline-bot run"
        )
    runtime = await Runtime.open(settings, clock)
    db, book, engine = runtime.db, runtime.book, runtime.engine
    lock = instance_lock(settings, token)
    try:
        await book.refresh()
        event = chosen_edition(book, only)
        body = text.strip() if is_html else esc(text.strip())
        if not body:
            raise SettingsError("the news text is empty")
        audience = len(await db.subscriptions.active_recipients(series_of(event)))
        out.write("Preview (as subscribers will see it):\n\n")
        out.write(plain_text(broadcast_text.news_post(event, body).text) + "\n\n")
        estimate = runtime.news.estimate(event, body, audience)
        if estimate.messages:
            out.write(plain_text(organizer_text.delivery_estimate(estimate)) + "\n\n")
        how = f" as a paid broadcast (about {estimate.stars:g} Telegram Stars)" if paid else ""
        if not yes and not confirm(f"Send to {audience} subscriber(s){how}? [y/N] "):
            out.write("Nothing sent.\n")
            return 1
        delivering = await lock.try_acquire()
        posted = await runtime.news.publish(event, body, None, paid=paid)
        out.write(f"news #{posted.news_id}: broadcast #{posted.broadcast_id}\n")
        printer = ProgressPrinter(out)
        if not delivering:
            out.write("the bot is running on this database: it delivers; following its progress\n")
            out.flush()
            delivering = not await _follow(db, lock, posted.broadcast_id, printer)
            if delivering:
                out.write("the bot stopped before the end; sending the rest from here\n")
        if delivering:
            async with runtime.application.bot:
                await engine.start()
                watcher = engine.watch(posted.broadcast_id, printer.show, interval=1)
                await engine.wait_finished(posted.broadcast_id, timeout=24 * 3600)
                await watcher
                await engine.stop()
        return 0
    finally:
        await lock.release()
        await db.close()


class ProgressPrinter:
    """Shows a broadcast's progress, then its report.

    On a terminal a bar is redrawn in place; in a pipe a plain line is written at most
    every :data:`PIPE_LINE_SECONDS`, so a log never fills with frames.
    """

    def __init__(
        self,
        out: TextIO,
        *,
        tty: bool | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.out = out
        self.tty = _isatty(out) if tty is None else tty
        self._now = monotonic
        self._last_line: float | None = None

    def show(self, progress: Progress) -> None:
        """Show one snapshot (the engine's watcher and the follower call this)."""
        line = organizer_text.progress_line(progress)
        if self.tty:
            self.out.write("\r" + line + ("\n" if progress.finished else ""))
        else:
            now = self._now()
            due = self._last_line is None or now - self._last_line >= PIPE_LINE_SECONDS
            if due or progress.finished:
                self.out.write(line + "\n")
                self._last_line = now
        if progress.finished:
            self.out.write(plain_text(organizer_text.broadcast_status(progress).text) + "\n")
        self.out.flush()


def _isatty(out: TextIO) -> bool:
    try:
        return out.isatty()
    except (AttributeError, ValueError):
        return False


async def _follow(
    db: Database, lock: InstanceLock, broadcast_id: int, printer: ProgressPrinter
) -> bool:
    """Show a broadcast's progress from the database while the running bot sends it.

    Returns True once the broadcast has its report; False when the bot stopped first
    (its instance lock became free, and is now ours): the caller then sends the rest.
    """
    while True:
        counts = await db.outbox.broadcast_progress(broadcast_id)
        broadcast = await db.outbox.get_broadcast(broadcast_id)
        if counts is None or broadcast is None:
            raise LookupError(f"broadcast #{broadcast_id} is gone from the database")
        done = broadcast.finished_at is not None
        printer.show(
            progress_from(counts, rate=0.0, elapsed_s=0.0, report=broadcast.report, finished=done)
        )
        if done:
            return True
        if await lock.try_acquire():
            return False
        await asyncio.sleep(POLL_SECONDS)


def ask_terminal(prompt: str) -> bool:
    """Ask a yes/no question on the terminal; a pipe answers no."""
    if not sys.stdin.isatty():
        return False
    return input(prompt).strip().lower() in {"y", "yes"}
