"""The delivery engine: paced workers that send the outbox, exactly once but for one window.

A broadcast becomes outbox rows (``enqueue``: one transaction) before anything is sent. A
feeder claims due rows in small batches (``pending → sending``); workers send them through
the bot's shared :class:`~bot.delivery.limiter.PriorityRateLimiter` as *bulk* traffic and
record each outcome before taking the next row:

* accepted (Telegram returned a ``message_id``) → ``sent``;
* 429 → the whole bot pauses for ``retry_after`` (the limiter), the row is retried;
* 5xx, timeouts, network errors → retried later with exponential backoff and jitter, at most
  ``RetryPolicy.max_attempts`` attempts, then ``failed`` with the reason;
* 403 ``blocked`` / ``deactivated`` / kicked → ``blocked`` and the chat inactive, never retried;
* the group became a supergroup → the chat is migrated and the row resent to the new id, once;
* Telegram refused the HTML → resent once as plain text, and the admins are alerted;
* ``chat not found`` and other 400s → ``failed`` at once.

No chat ever has two rows in flight: rows of one chat go out one after the other, in order.
A finished broadcast gets a stored report (delivered, blocked, deactivated, failed with
reasons, duration).

The duplicate window
--------------------
A row is marked ``sent`` only after Telegram accepted it, and each worker writes that mark
before it starts its next request. So at any instant at most one request per worker is "in
flight": sent, maybe accepted, not yet recorded. If the process dies there (SIGKILL, power
loss, a crash between Telegram's answer and the commit), the row is still ``sending``;
:meth:`DeliveryEngine.start` puts it back to ``pending`` (``release_stale_sending``) and it is
sent again. The same holds when Telegram accepted a message but the answer was lost (a
timeout, a dropped connection): the row is retried. Telegram offers no way to ask "did this
arrive?", so these rows are delivered at least once: at most one duplicate per worker
sending at the crash (``workers``, plus ``paid_workers`` while a paid broadcast runs), and
one per lost answer. Everything else is exactly once: rows never claimed, rows claimed but
not yet sent, and rows recorded as ``sent``.

When the database blinks
------------------------
A failed claim or report is retried with backoff and marked on the health board
(``delivery``); a "sent" mark is retried until it is written (the worker sends nothing else
meanwhile, so the window above holds), and the board clears once writes succeed again.
When the instance lock is lost, :meth:`DeliveryEngine.halt` stops every worker from taking
another row at once and leaves the claimed rows ``sending`` (whoever holds the lock next
puts them back to ``pending`` at its start): a takeover costs at most ``workers``
duplicates, as a crash does. The lock is checked before every claim (``lock_check``), and
after any failed write once more before the next send, so nothing is claimed or sent
while another instance may have taken over. Every background loop is supervised: a crash
is logged, marked on the board and the loop restarted.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import html
import inspect
import logging
import random
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

from telegram import Bot
from telegram.error import RetryAfter
from telegram.ext import ExtBot

from bot.delivery.limiter import BULK, PAID, PriorityRateLimiter, retry_after_seconds
from bot.delivery.limits import DeliveryLimits
from bot.delivery.outcomes import Verdict, VerdictKind, classify
from bot.delivery.payload import PayloadError, send_kwargs
from bot.delivery.progress import Progress, build_report, progress_from
from bot.delivery.recorder import Recorder
from bot.delivery.retry import RetryPolicy
from bot.delivery.scheduler import RowScheduler
from bot.domain.clock import Clock
from bot.storage.database import Database
from bot.storage.models import (
    AudienceBroadcast,
    Broadcast,
    BroadcastKind,
    CreatedBroadcast,
    NewOutboxRow,
    OutboxRow,
)
from bot.supervision import HealthBoard, describe, supervise

__all__ = ["AdminAlert", "DeliveryEngine", "ProgressCallback", "Renderer"]

log = logging.getLogger(__name__)

#: Turns a row into the payload to send at send time (None: nothing to send, skip the row).
Renderer = Callable[[OutboxRow], Awaitable[Mapping[str, Any] | None]]
#: Told (HTML-escaped text) when something needs an organizer's attention.
AdminAlert = Callable[[str], Awaitable[None] | None]
#: Receives progress snapshots.
ProgressCallback = Callable[[Progress], Awaitable[None] | None]

#: ``sendMessage`` spelled as ``do_api_request`` takes it without PTB's "use send_message"
#: hint: Bot API method names are case-insensitive (core.telegram.org/bots/api#making-requests).
SEND_MESSAGE = "sendmessage"

#: How often finished broadcasts are looked for, in seconds.
FINISH_CHECK_S = 0.25
#: Longest pause between two attempts at a database write after a send.
RECORD_BACKOFF_MAX_S = 2.0


def _shared_limiter(bot: Bot) -> PriorityRateLimiter | None:
    """Return the bot's own :class:`PriorityRateLimiter`, if it has one."""
    limiter = bot.rate_limiter if isinstance(bot, ExtBot) else None
    return limiter if isinstance(limiter, PriorityRateLimiter) else None


def _api_params(chat_id: int, kwargs: Mapping[str, Any], paid: bool) -> dict[str, Any]:
    """``sendMessage`` parameters: ``send_kwargs`` plus the chat (PTB serializes objects)."""
    params = {k: v for k, v in kwargs.items() if v is not None}
    params["chat_id"] = chat_id
    if paid:
        params["allow_paid_broadcast"] = True
    return params


def _message_id(result: Any) -> int:
    if not isinstance(result, Mapping) or "message_id" not in result:
        raise TypeError(f"sendMessage answered without a message_id: {result!r}")
    return int(result["message_id"])


async def _call(func: Callable[[Any], Awaitable[None] | None], arg: Any) -> None:
    result = func(arg)
    if inspect.isawaitable(result):
        await result


class DeliveryEngine:
    """Sends outbox rows with ``workers`` concurrent workers (see the module docstring).

    While a paid broadcast runs, ``paid_workers`` more join them: at 1,000 messages/s
    the pace needs that many requests (each waiting for its own commit) on the way.

    ``bot`` should be the Application's ``ExtBot`` built with a :class:`PriorityRateLimiter`
    (then ``limits`` is ignored and interactive replies and broadcasts share one budget).
    Given a bot without one, the engine paces its own sends with a private limiter built
    from ``limits``. ``clock`` stamps rows and schedules retries; ``monotonic`` measures
    rates.
    """

    def __init__(
        self,
        db: Database,
        bot: Bot,
        clock: Clock,
        *,
        limits: DeliveryLimits | None = None,
        workers: int = 8,
        paid_workers: int = 56,
        batch_size: int | None = None,
        retry: RetryPolicy | None = None,
        on_admin_alert: AdminAlert | None = None,
        renderer: Renderer | None = None,
        progress_interval: float = 2.0,
        idle_poll: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
        health: HealthBoard | None = None,
    ) -> None:
        if workers < 1:
            raise ValueError("at least one worker is needed")
        self.db = db
        self.bot = bot
        self.clock = clock
        self.workers = workers
        self.paid_workers = paid_workers
        self.batch_size = batch_size or max(4, workers * 2)
        self.retry = retry or RetryPolicy()
        self.on_admin_alert = on_admin_alert
        self.renderer = renderer
        self.progress_interval = progress_interval
        self.idle_poll = idle_poll
        self._mono = monotonic
        self._rng = rng or random.Random()
        shared = _shared_limiter(bot)
        self.limiter: PriorityRateLimiter = shared or PriorityRateLimiter(
            limits or DeliveryLimits.telegram()
        )
        self._own_limiter = shared is None
        self._rows = RowScheduler()
        self._recorder = Recorder(db)
        self._running = False
        self._stopping = False
        self._tasks: list[asyncio.Task[None]] = []
        self._watchers: set[asyncio.Task[None]] = set()
        self._claiming = False
        self._wake = asyncio.Event()
        self._need_rows = asyncio.Event()
        self._housekeep = asyncio.Event()
        self._active: set[int] = set()
        self._started: set[int] = set()
        self._finished: dict[int, asyncio.Event] = {}
        self._fallbacks: Counter[int] = Counter()
        self._migrated: dict[int, int] = {}
        self._paid: dict[int, bool] = {}
        self._paid_running: set[int] = set()
        self._paid_on = asyncio.Event()
        self._alerted_fatal = False
        self.lock_check: Callable[[], Awaitable[bool]] | None = None
        """Asked before every claim: is the instance lock still ours? (False: claim nothing.)"""
        self._suspect = False
        self._verifying = asyncio.Lock()
        self._unrecorded: dict[int, int | None] = {}
        """Rows Telegram accepted whose "sent" mark could not be written before a halt."""
        self.health = health or HealthBoard()
        """Where failing claims and writes are reported (``/healthz`` reads it)."""

    # ------------------------------------------------------------------------- lifecycle

    async def start(self) -> None:
        """Release stale ``sending`` rows (the duplicate window), then resume sending."""
        if self._running:
            return
        for row_id, message_id in list(self._unrecorded.items()):  # sent before a halt
            await self.db.outbox.mark_sent(row_id, message_id, self.clock.now())
            del self._unrecorded[row_id]
        released = await self.db.outbox.release_stale_sending()
        if released:
            log.warning(
                "%d rows were in flight when the last run ended; sending them again", released
            )
        for broadcast in await self.db.outbox.unfinished_broadcasts():
            self._active.add(broadcast.id)
        self._running, self._stopping = True, False
        self._rows = RowScheduler()
        self._paid_on.clear()
        self._paid_running.clear()
        self._tasks = [self._supervised("delivery feeder", self._feed)]
        self._tasks.append(self._supervised("delivery housekeeper", self._keep_house))
        self._tasks += [
            self._supervised(f"delivery worker {n}", self._work) for n in range(self.workers)
        ]
        self._tasks += [
            self._supervised(f"delivery paid worker {n}", self._work_paid)
            for n in range(self.paid_workers)
        ]
        self._housekeep.set()

    def _supervised(self, name: str, loop: Callable[[], Awaitable[None]]) -> asyncio.Task[None]:
        return asyncio.create_task(supervise(name, loop, self.health), name=name)

    def halt(self) -> None:
        """Stop taking rows at once (the lock is lost); in-flight sends may finish.

        Claimed rows stay ``sending``; call :meth:`stop` with ``release=False`` next.
        """
        if not self._running:
            return
        self._stopping = True
        self._rows.close()
        self._wake.set()
        self._need_rows.set()
        self._housekeep.set()
        self._paid_on.set()  # the paid workers find the scheduler closed and return

    async def stop(self, grace: float = 5.0, *, release: bool = True) -> None:
        """Let in-flight sends finish, leave the rest ``pending``; return within ``grace`` s.

        With ``release=False`` (after a lost lock, when another instance may be active) the
        claimed rows are left as they are. Database errors are logged, never raised.
        """
        if not self._running:
            return
        deadline = self._mono() + grace
        self._stopping = True
        self._wake.set()
        self._need_rows.set()
        self._housekeep.set()
        self._paid_on.set()  # the paid workers find the scheduler closed and return
        leftovers = self._rows.close()
        feeder, housekeeper, *workers = self._tasks
        _done, pending = await asyncio.wait(
            [feeder, *workers], timeout=max(0.0, (deadline - self._mono()) * 0.7)
        )
        interrupted = list(self._rows.in_flight.values())
        for task in [*pending, housekeeper, *self._watchers]:
            task.cancel()
        await asyncio.wait([*pending, housekeeper, *self._watchers], timeout=0.5)
        leftovers += self._rows.close()
        left = max(0.05, deadline - self._mono())
        if release:
            try:
                async with asyncio.timeout(left):
                    await self._release(leftovers, interrupted)
            except Exception as exc:  # they stay 'sending': released at the next start
                log.warning("putting claimed rows back failed at stop: %s", describe(exc))
        self._running = False
        self._tasks = []
        self._watchers.clear()

    async def _release(self, leftovers: list[OutboxRow], interrupted: list[OutboxRow]) -> None:
        """Put rows this engine claimed but did not finish back to ``pending``."""
        for row in leftovers:
            await self.db.outbox.mark_failed(
                row.id, "not sent: engine stopped", final=False, next_attempt_at=self.clock.now()
            )
        for row in interrupted:
            await self.db.outbox.mark_failed(
                row.id,
                "interrupted at stop: may have been delivered",
                final=False,
                next_attempt_at=self.clock.now(),
            )

    @property
    def running(self) -> bool:
        """True between :meth:`start` and :meth:`stop`."""
        return self._running

    # ----------------------------------------------------------------------- broadcasts

    async def enqueue(
        self,
        event_id: str,
        kind: BroadcastKind,
        ref: str,
        created_by: int | None,
        rows: Iterable[NewOutboxRow | tuple[int, str, Mapping[str, Any]]],
        *,
        not_before: dt.datetime | None = None,
        paid: bool = False,
    ) -> int:
        """Write a broadcast's rows in one transaction (repeats add nothing); return its id.

        Inside a unit of work the rows are part of it, and the workers look for them only
        once it has committed (as for :meth:`enqueue_to`).

        ``paid``: send it with ``allow_paid_broadcast`` (paced to the paid limit).
        """
        created = await self.db.outbox.create_broadcast(
            event_id, kind, ref, created_by, rows, not_before=not_before, paid=paid
        )
        self.db.after_commit(lambda: self._enqueued(created))
        return created.broadcast_id

    async def enqueue_to(self, order: AudienceBroadcast) -> CreatedBroadcast:
        """Write a broadcast to an audience inside the database (see ``create_broadcast_to``).

        The payload ``parts`` are stored once; repeats add nothing. Returns the broadcast
        id and how many rows this call wrote. Inside the caller's unit of work
        (``db.unit_of_work()``) the rows commit or roll back with it, and the workers are
        woken only after the commit: before it they could not see the rows.
        """
        created = await self.db.outbox.create_broadcast_to(order)
        self.db.after_commit(lambda: self._enqueued(created))
        return created

    def _enqueued(self, created: CreatedBroadcast) -> None:
        if created.inserted:
            self._finished_event(created.broadcast_id).clear()
        self._active.add(created.broadcast_id)
        self._wake.set()
        self._housekeep.set()

    def wake(self) -> None:
        """Look for due rows now: a unit of work elsewhere has just written some."""
        self._wake.set()
        self._housekeep.set()

    async def cancel(self, broadcast_id: int) -> int:
        """Cancel a broadcast: rows not yet sent become ``cancelled``; returns how many."""
        taken = self._rows.remove(lambda row: row.broadcast_id == broadcast_id)
        for row in taken:  # claimed but not started: back to pending, then cancelled
            await self.db.outbox.mark_failed(
                row.id, "cancelled", final=False, next_attempt_at=row.next_attempt_at
            )
        count = await self.db.outbox.cancel_broadcast(broadcast_id)
        self._active.add(broadcast_id)
        self._housekeep.set()
        return count

    def watch(
        self,
        broadcast_id: int,
        callback: ProgressCallback,
        *,
        interval: float | None = None,
    ) -> asyncio.Task[None]:
        """Call ``callback`` with progress at most every ``interval`` s, and once at the end.

        Returns the watching task (cancel it to stop watching early).
        """
        every = self.progress_interval if interval is None else interval
        task = asyncio.create_task(self._watch(broadcast_id, callback, every))
        self._watchers.add(task)
        task.add_done_callback(self._watchers.discard)
        return task

    async def _watch(self, broadcast_id: int, callback: ProgressCallback, every: float) -> None:
        """Report progress; a database error skips a beat (logged), never ends the watch."""
        begun = self._mono()
        base: int | None = None
        finished = self._finished_event(broadcast_id)
        while True:
            if base is not None:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(finished.wait(), every)
            try:
                counts = await self.db.outbox.broadcast_progress(broadcast_id)
                broadcast = await self.db.outbox.get_broadcast(broadcast_id)
            except Exception as exc:
                log.warning("progress of broadcast %d: %s; retrying", broadcast_id, describe(exc))
                await asyncio.sleep(every)
                continue
            if counts is None:
                log.warning("progress of broadcast %d: no such broadcast", broadcast_id)
                return
            if base is None:
                base = counts.count("sent")
                continue
            elapsed = self._mono() - begun
            rate = (counts.count("sent") - base) / elapsed if elapsed > 0 else 0.0
            done = broadcast is not None and broadcast.finished_at is not None and counts.finished
            report = broadcast.report if done and broadcast is not None else None
            try:
                await _call(
                    callback,
                    progress_from(
                        counts, rate=rate, elapsed_s=elapsed, report=report, finished=done
                    ),
                )
            except Exception:
                log.exception("progress callback for broadcast %d failed", broadcast_id)
            if done:
                return

    async def wait_finished(self, broadcast_id: int, timeout: float = 60.0) -> Broadcast:  # noqa: ASYNC109
        """Wait until the broadcast has its report; return it. TimeoutError otherwise."""
        deadline = self._mono() + timeout
        event = self._finished_event(broadcast_id)
        while True:
            broadcast = await self.db.outbox.get_broadcast(broadcast_id)
            if broadcast is None:
                raise LookupError(f"no broadcast {broadcast_id}")
            if broadcast.finished_at is not None and broadcast.status in ("done", "cancelled"):
                return broadcast
            left = deadline - self._mono()
            if left <= 0:
                raise TimeoutError(f"broadcast {broadcast_id} not finished after {timeout} s")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), min(left, 0.5))

    @property
    def busy(self) -> bool:
        """True while rows are being claimed, buffered or sent, or a watcher has yet to report.

        (A broadcast's final status is shown after its last send.)
        """
        return bool(self._claiming or self._rows.busy or self._watchers)

    async def wait_idle(self, timeout: float = 60.0) -> None:  # noqa: ASYNC109
        """Wait until nothing is pending, in flight or unreported. TimeoutError otherwise."""
        deadline = self._mono() + timeout
        while True:
            if not self._rows.busy and not self._active:
                if not await self.db.outbox.has_pending():
                    return
                self._wake.set()
            if self._mono() >= deadline:
                raise TimeoutError(f"delivery not idle after {timeout} s")
            await asyncio.sleep(0.05)

    def _finished_event(self, broadcast_id: int) -> asyncio.Event:
        event = self._finished.get(broadcast_id)
        if event is None:
            event = self._finished[broadcast_id] = asyncio.Event()
        return event

    # --------------------------------------------------------------------------- feeder

    @property
    def _capacity(self) -> int:
        """Workers sending now: the paid ones join while a paid broadcast runs."""
        return self.workers + (self.paid_workers if self._paid_on.is_set() else 0)

    async def _feed(self) -> None:
        """Claim due rows in small batches whenever the workers run low."""
        while not self._stopping:
            if len(self._rows) >= self._capacity:
                self._need_rows.clear()
                await self._need_rows.wait()
                continue
            self._wake.clear()  # a wake from now on (rows committed mid-claim) ends the sleep
            try:
                if self.lock_check is not None and not await self.lock_check():
                    log.warning("not claiming rows: the instance lock is not ours")
                    await self._sleep_or_wake(self.idle_poll)
                    continue
                # Rows claimed in the database but not yet buffered are work in hand: busy.
                self._claiming = True
                rows = await self._recorder.run(self._claim)
            except Exception as exc:
                self._claiming = False
                self._suspect = True
                self.health.fail("delivery", f"claiming outbox rows failed ({describe(exc)})")
                log.warning("claiming outbox rows failed; retrying: %s", describe(exc))
                await self._sleep_or_wake(self.idle_poll)
                continue
            self.health.ok("delivery")
            if self._stopping:
                self._rows.close()
                for row in rows:
                    self._rows.add(row)  # collected as leftovers by stop()
                self._claiming = False
                return
            for row in rows:
                self._rows.add(row)
            self._claiming = False
            await self._mark_started(rows)
            if len(rows) == self._claim_size:
                continue
            if not rows:
                self._housekeep.set()
            try:
                wait = await self._until_next_due()
            except Exception as exc:
                log.warning("looking for the next due row failed: %s", describe(exc))
                wait = self.idle_poll
            await self._sleep_or_wake(wait)

    async def _mark_started(self, rows: list[OutboxRow]) -> None:
        """Mark the broadcasts of newly claimed rows running (retried with the next claim)."""
        for broadcast_id in dict.fromkeys(row.broadcast_id for row in rows):
            if broadcast_id in self._started:
                continue
            self._active.add(broadcast_id)
            try:
                await self.db.outbox.start_broadcast(broadcast_id)
                if await self._is_paid(broadcast_id):
                    self._paid_running.add(broadcast_id)
                    self._paid_on.set()
            except Exception as exc:
                log.warning("marking broadcast %d running failed: %s", broadcast_id, describe(exc))
                continue
            self._started.add(broadcast_id)

    @property
    def _claim_size(self) -> int:
        return max(self.batch_size, 2 * self._capacity)

    async def _claim(self, db: Database) -> list[OutboxRow]:
        return await db.outbox.claim_due(self._claim_size, self.clock.now())

    async def _until_next_due(self) -> float:
        due = await self.db.outbox.next_due_at()
        if due is None:
            return self.idle_poll
        seconds = (due - self.clock.now()).total_seconds()
        return min(self.idle_poll, max(0.01, seconds))

    async def _sleep_or_wake(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), seconds)

    # -------------------------------------------------------------------------- workers

    async def _work_paid(self) -> None:
        await self._work(paid=True)

    async def _work(self, *, paid: bool = False) -> None:
        """Send rows one at a time; ``paid`` workers only while a paid broadcast runs."""
        while True:
            if paid and not self._paid_on.is_set():
                await self._paid_on.wait()
            row = await self._rows.take()
            if row is None:
                return
            try:
                if not await self._lock_verified():
                    continue  # left 'sending': the lock's next holder puts it back
                await self._deliver(row)
            except Exception:
                log.exception("delivering outbox row %d failed unexpectedly", row.id)
            finally:
                self._rows.done(row)
                if len(self._rows) < self._capacity:
                    self._need_rows.set()

    async def _lock_verified(self) -> bool:
        """After a failed write, check the lock once before sending again."""
        if not self._suspect or self.lock_check is None:
            return True
        async with self._verifying:
            if not self._suspect:
                return True
            try:
                held = await self.lock_check()
            except Exception:
                held = False
            if held:
                self._suspect = False
            return held

    async def _deliver(self, row: OutboxRow) -> None:
        """Send one row and record the outcome before returning."""
        try:
            payload = await self.renderer(row) if self.renderer else row.payload
        except Exception as exc:
            log.exception("rendering outbox row %d failed", row.id)
            await self._fail(row, f"render failed: {type(exc).__name__}: {exc}")
            return
        if payload is None:
            await self.db.outbox.mark_skipped(row.id, "nothing to send")
            return
        try:
            kwargs = send_kwargs(payload)
        except PayloadError as exc:
            await self._fail(row, str(exc))
            return
        chat_id = self._migrated.get(row.chat_id, row.chat_id)
        migrated = plain = False
        try:
            paid = await self._is_paid(row.broadcast_id)
        except Exception as exc:  # send it at the free pace rather than not at all
            log.warning("is broadcast %d paid? %s; sending free", row.broadcast_id, describe(exc))
            paid = False
        while True:
            try:
                message_id = await self._send(chat_id, kwargs, paid=paid)
            except Exception as exc:
                verdict = classify(exc)
                if verdict.kind is VerdictKind.MIGRATED and not migrated:
                    assert verdict.new_chat_id is not None
                    await self._migrate(chat_id, verdict.new_chat_id)
                    chat_id, migrated = verdict.new_chat_id, True
                    continue
                if verdict.kind is VerdictKind.BAD_HTML and not plain:
                    kwargs, plain = send_kwargs(payload, plain=True), True
                    self._fallbacks[row.broadcast_id] += 1
                    await self._alert_bad_html(row, chat_id, verdict)
                    continue
                await self._record_failure(row, verdict)
                return
            await self._record_sent(row, message_id)
            return

    async def _send(self, chat_id: int, kwargs: dict[str, Any], *, paid: bool = False) -> int:
        """Send one message; return its ``message_id``.

        ``do_api_request`` (PTB's public way to call any method) returns Telegram's JSON:
        building a ``Message`` object the engine never reads was half of the CPU per send.
        """
        params = _api_params(chat_id, kwargs, paid)
        if not self._own_limiter:
            result = await self.bot.do_api_request(  # type: ignore[call-arg]
                SEND_MESSAGE, params, rate_limit_args=PAID if paid else BULK
            )
            return _message_id(result)
        slot = await self.limiter.acquire(chat_id, bulk=True, paid=paid, track=True)
        try:
            return _message_id(await self.bot.do_api_request(SEND_MESSAGE, params))
        except RetryAfter as exc:
            self.limiter.pause(retry_after_seconds(exc), paid=paid)
            raise
        finally:
            self.limiter.finished(slot)

    async def _is_paid(self, broadcast_id: int) -> bool:
        paid = self._paid.get(broadcast_id)
        if paid is None:
            broadcast = await self.db.outbox.get_broadcast(broadcast_id)
            paid = self._paid[broadcast_id] = bool(broadcast and broadcast.paid)
        return paid

    async def _migrate(self, old_id: int, new_id: int) -> None:
        self._migrated[old_id] = new_id
        try:
            await self.db.chats.migrate_chat(old_id, new_id)
        except Exception:
            log.exception("moving chat %d to %d failed", old_id, new_id)
        log.info("chat %d became supergroup %d; resending there", old_id, new_id)

    async def _record_sent(self, row: OutboxRow, message_id: int) -> None:
        accepted_at = self.clock.now()  # this row's own instant, whoever commits it
        if not await self._retrying(
            lambda: self._recorder.mark_sent(row.id, message_id, accepted_at),
            f"marking row {row.id} sent",
        ):
            self._unrecorded[row.id] = message_id  # written at the next start()

    async def _persist(self, write: Callable[[Database], Awaitable[Any]], what: str) -> None:
        """Run a database write after a send (see :meth:`_retrying`)."""
        await self._retrying(lambda: self._recorder.run(write), what)

    async def _retrying(self, call: Callable[[], Awaitable[Any]], what: str) -> bool:
        """Run a write after a send, retrying with backoff until it is written.

        The worker sends nothing else meanwhile (the duplicate window stays one row per
        worker). Only a stop ends the retries (False): the row then stays ``sending``; a
        sent mark is kept in memory and written when this engine starts again (after the
        lock is taken back), otherwise the row goes back to ``pending`` at the next start.
        """
        delay = 0.05
        failing = False
        while True:
            try:
                await call()
            except Exception as exc:
                self._suspect = True
                if not failing:
                    failing = True
                    log.warning("%s failed; retrying until it is written: %s", what, describe(exc))
                    self.health.fail("delivery", f"recording deliveries failed ({describe(exc)})")
                if self._stopping:
                    log.error("%s failed at stop; the row stays 'sending' till next start", what)
                    return False
                await asyncio.sleep(delay)
                delay = min(delay * 2, RECORD_BACKOFF_MAX_S)
                continue
            if failing:
                log.warning("%s written after retries", what)
                self.health.ok("delivery")
            return True

    async def _fail(self, row: OutboxRow, reason: str) -> None:
        await self._persist(
            lambda db: db.outbox.mark_failed(row.id, reason, final=True),
            f"marking row {row.id} failed",
        )

    async def _record_failure(self, row: OutboxRow, verdict: Verdict) -> None:
        kind, now = verdict.kind, self.clock.now()
        if kind is VerdictKind.BLOCKED:
            await self._persist(
                lambda db: db.outbox.mark_blocked(row.id, verdict.detail, verdict.reason),
                f"marking row {row.id} blocked",
            )
            return
        if kind is VerdictKind.RETRY_AFTER:
            later = now + dt.timedelta(seconds=verdict.retry_after)
        elif kind is VerdictKind.FATAL:
            later = now + dt.timedelta(seconds=60)
            await self._alert_fatal(verdict)
        elif kind is VerdictKind.TRANSIENT and not self.retry.exhausted(row.attempts):
            later = now + dt.timedelta(seconds=self.retry.delay(row.attempts, self._rng))
        else:
            await self._fail(row, verdict.reason)
            return
        await self._persist(
            lambda db: db.outbox.mark_failed(
                row.id, verdict.reason, final=False, next_attempt_at=later
            ),
            f"rescheduling row {row.id}",
        )

    # --------------------------------------------------------------------------- alerts

    async def _alert(self, text: str) -> None:
        if self.on_admin_alert is None:
            log.warning("admin alert (no receiver): %s", text)
            return
        try:
            await asyncio.wait_for(_call(self.on_admin_alert, text), 10.0)
        except Exception:
            log.exception("the admin alert failed")

    async def _alert_bad_html(self, row: OutboxRow, chat_id: int, verdict: Verdict) -> None:
        if self._fallbacks[row.broadcast_id] > 1:
            return  # once per broadcast; the report counts them all
        await self._alert(
            f"Broadcast {row.broadcast_id}: Telegram refused the HTML for chat {chat_id} "
            f"({html.escape(verdict.reason)}). Sending it as plain text instead; "
            "the report counts every fallback."
        )

    async def _alert_fatal(self, verdict: Verdict) -> None:
        if self._alerted_fatal:
            return
        self._alerted_fatal = True
        log.error("Telegram refused the bot itself (%s); broadcasts are on hold", verdict.reason)

    # ---------------------------------------------------------------------- housekeeping

    async def _keep_house(self) -> None:
        """Store the report of every broadcast that has no row left to send (errors: retried)."""
        while not self._stopping:
            self._housekeep.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._housekeep.wait(), FINISH_CHECK_S)
            await asyncio.sleep(0)  # let workers record what just came back
            for broadcast_id in sorted(self._active):
                if any(r.broadcast_id == broadcast_id for r in self._rows.in_flight.values()):
                    continue
                try:
                    await self._maybe_finish(broadcast_id)
                except Exception as exc:
                    log.warning("checking broadcast %d failed: %s", broadcast_id, describe(exc))

    async def _maybe_finish(self, broadcast_id: int) -> None:
        if await self.db.outbox.is_open(broadcast_id):
            return  # an index lookup; counting a million rows here would slow every send
        counts = await self.db.outbox.broadcast_progress(broadcast_id)
        if counts is None:
            self._active.discard(broadcast_id)
            return
        if not counts.finished:
            return
        broadcast = await self.db.outbox.get_broadcast(broadcast_id)
        assert broadcast is not None
        if broadcast.finished_at is None:
            now = self.clock.now()
            report = build_report(
                await self.db.outbox.report_counts(broadcast_id),
                started_at=broadcast.created_at,
                finished_at=now,
                plain_text_fallbacks=self._fallbacks.get(broadcast_id, 0),
            )
            await self.db.outbox.finish_broadcast(broadcast_id, report, now)
            log.info("broadcast %d finished: %s", broadcast_id, report)
        self._active.discard(broadcast_id)
        self._started.discard(broadcast_id)
        self._paid_running.discard(broadcast_id)
        if not self._paid_running and not self._stopping:
            self._paid_on.clear()
        self._finished_event(broadcast_id).set()
