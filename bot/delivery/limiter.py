"""One rate limiter for the whole bot: interactive replies first, broadcasts get the rest.

Every request python-telegram-bot makes goes through :meth:`PriorityRateLimiter.process_request`.
Requests that send or edit a message (what Telegram's flood limits count) are paced:

* per chat: ``per_chat_per_s`` with a burst of ``per_chat_burst`` for replies, plus
  ``per_group_per_min`` for groups, supergroups and channels (negative or ``@name`` chat ids).
  A broadcast message needs the chat's (and group's) whole interval plus ``bulk_margin``
  of it since its last message: no burst. Requests to one chat leave in the order they came.
* overall: ``overall_per_s`` with no burst (GCRA, :mod:`bot.domain.pace`), so every 1-second
  window stays under the limit however Telegram counts. One dispatcher hands out the overall
  slots; an *interactive* request (the default) always gets the next slot before any *bulk*
  one, so a reply waits at most one slot (1/28 s at Telegram's limits) behind a broadcast.
* paid broadcasts (``rate_limit_args=PAID``, sent with ``allow_paid_broadcast``) have an overall
  pace of their own, ``paid_per_s``, and leave the free one to everything else.

Bulk requests say so with ``rate_limit_args=BULK`` (``{"bulk": True}``); the delivery engine
does. A ``RetryAfter`` (HTTP 429) pauses *every* request for ``retry_after`` seconds (the flood
wait is per bot), moves the overall pace past the pause (no burst when it ends) and, with
``adapt``, slows it down, then probes back up every few quiet seconds
(:class:`~bot.delivery.pace.AdaptivePace`). The request is retried: ``interactive_retries``
times for interactive requests, ``bulk_retries`` times for bulk ones, then the error is
raised (the engine then reschedules the row). ``rate_limit_args={"max_retries": n}``
overrides the count. Other requests (answerCallbackQuery, getMe, ...) are not paced but do
wait out a pause.

An *interactive* request that Telegram answers with a server error (HTTP 5xx: it did not
process it) is tried again up to ``server_error_retries`` times, after 0.5 s, 1 s, 2 s
(with jitter), so that a person gets their reply while Telegram stumbles. Bulk requests
are not: the delivery engine reschedules them itself. Timeouts and dropped connections are
never retried here: the message may have been delivered, and a retry would duplicate it.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import math
import random
import time
import warnings
from collections import deque
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from typing import Any, Final

from telegram.error import NetworkError, RetryAfter
from telegram.ext import BaseRateLimiter
from telegram.warnings import PTBDeprecationWarning

from bot.delivery.limits import DeliveryLimits
from bot.delivery.pace import AdaptivePace, Pace

__all__ = [
    "BULK",
    "PAID",
    "LimiterStats",
    "PriorityRateLimiter",
    "Slot",
    "retry_after_seconds",
]

log = logging.getLogger(__name__)

#: ``rate_limit_args`` of a broadcast message.
BULK: Final[Mapping[str, Any]] = {"bulk": True}
#: ``rate_limit_args`` of a paid broadcast message (``allow_paid_broadcast``).
PAID: Final[Mapping[str, Any]] = {"bulk": True, "paid": True}

#: Seconds added to every ``retry_after`` (Telegram rounds it to whole seconds).
PAUSE_SLACK = 0.1

#: Forget per-chat state beyond this many chats (only chats back to a fresh state go).
_PRUNE_AT = 5000

JSONDict = dict[str, Any]
"""A decoded JSON object (PTB's own alias is private)."""
Result = bool | JSONDict | list[JSONDict]
Callback = Callable[..., Coroutine[Any, Any, Result]]
ChatKey = int | str


def loop_time() -> float:
    """Return the running event loop's clock (``time.monotonic`` outside a loop).

    Pacing reads the same clock its sleeps run on, so a loop on virtual time (tests)
    paces in virtual time.
    """
    try:
        return asyncio.get_running_loop().time()
    except RuntimeError:
        return time.monotonic()


def retry_after_seconds(exc: RetryAfter) -> float:
    """Return a ``RetryAfter``'s wait in seconds.

    PTB 22 gives ``retry_after`` as a number of seconds, with a deprecation warning, or as
    a ``timedelta`` (``PTB_TIMEDELTA=1``, and the default in a later major version): both
    are read here, and the warning about the change is not repeated at every 429.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value: object = exc.retry_after
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, int | float):
        return float(value)
    raise TypeError(f"RetryAfter.retry_after is neither seconds nor a timedelta: {value!r}")


def is_server_error(exc: BaseException) -> bool:
    """True for an HTTP 5xx answer from Telegram (PTB raises a plain NetworkError for it).

    Its subclasses (BadRequest, TimedOut) and transport failures (``httpx.…``: the request
    may have been processed) are not server errors.
    """
    return type(exc) is NetworkError and not str(exc).startswith("httpx.")


def is_paced(endpoint: str) -> bool:
    """True for the methods Telegram's flood limits count: sends, copies, forwards, edits."""
    name = endpoint.lower()
    if name == "sendchataction":
        return False
    return name.startswith(("send", "copymessage", "forwardmessage", "editmessage"))


def chat_key(chat_id: object) -> tuple[ChatKey | None, bool]:
    """Return ``(key, is_group)`` for a ``chat_id`` parameter (None when there is none)."""
    if chat_id is None:
        return None, False
    if isinstance(chat_id, int):
        return chat_id, chat_id < 0
    text = str(chat_id)
    try:
        number = int(text)
    except ValueError:
        return text, True  # "@channelname": a public group or channel
    return number, number < 0


@dataclass
class LimiterStats:
    """What the limiter did (for benchmarks, logs and tests)."""

    interactive: int = 0
    """Paced interactive requests granted."""
    bulk: int = 0
    """Paced bulk requests granted (paid ones included)."""
    paid: int = 0
    """Paced paid broadcast requests granted."""
    retry_after: int = 0
    """429 answers seen (each paused everything)."""
    server_error_retries: int = 0
    """Interactive requests tried again after a 5xx answer."""
    max_interactive_wait: float = 0.0
    """Longest time an interactive request waited for its slot, in seconds."""


class Slot:
    """One granted send: when it was granted and when its answer came back."""

    __slots__ = ("done", "granted")

    def __init__(self, granted: float) -> None:
        self.granted = granted
        self.done = math.inf
        """When the request finished (inf while in flight)."""


class _Flights:
    """The last ``limit`` grants of an overall pace, to keep Telegram's window honest.

    Telegram counts a send when it *processes* it, somewhere between our grant and its
    answer. A send may go when the ``limit``-th previous one has been answered at least
    ``window`` seconds ago: then, however the requests bunched up on the way, the receiver
    never sees more than ``limit`` in any window. It only holds the pace back when answers
    are slow (a loaded machine, a slow network), which is when bunching happens.
    """

    __slots__ = ("slots", "window")

    def __init__(self, limit: int, window: float) -> None:
        self.slots: deque[Slot] = deque(maxlen=max(1, limit))
        self.window = window

    def delay(self, now: float) -> float:
        if len(self.slots) < (self.slots.maxlen or 1):
            return 0.0
        return max(0.0, self.slots[0].done + self.window - now)

    def grant(self, now: float) -> Slot:
        slot = Slot(now)
        self.slots.append(slot)
        return slot


class _Gate:
    """Keeps the requests of one chat in line (FIFO), one waiting for a slot at a time."""

    __slots__ = ("lock", "users")

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.users = 0


class PriorityRateLimiter(BaseRateLimiter[Mapping[str, Any]]):
    """A ``BaseRateLimiter`` that paces under Telegram's limits and serves replies first.

    ``monotonic`` is the time source for pacing: by default the running loop's clock,
    which :func:`asyncio.sleep` also follows.
    """

    def __init__(
        self,
        limits: DeliveryLimits | None = None,
        *,
        interactive_retries: int = 3,
        bulk_retries: int = 2,
        server_error_retries: int = 3,
        server_error_backoff: float = 0.5,
        monotonic: Callable[[], float] = loop_time,
    ) -> None:
        self.limits = limits or DeliveryLimits.telegram()
        self.interactive_retries = interactive_retries
        self.bulk_retries = bulk_retries
        self.server_error_retries = server_error_retries
        self.server_error_backoff = server_error_backoff
        self._rng = random.Random()
        self.stats = LimiterStats()
        self._now = monotonic
        lim = self.limits
        self._overall = self._overall_pace(lim.overall_per_s, lim.overall_burst)
        self._paid = self._overall_pace(lim.paid_per_s, 1.0)
        window = 1.0 + lim.overall_slack_s  # answered a second ago: Telegram counted it
        self._flights = _Flights(lim.overall_window, window)
        self._paid_flights = _Flights(lim.paid_window, window)
        self._chats: dict[ChatKey, Pace] = {}
        self._groups: dict[ChatKey, Pace] = {}
        self._gates: dict[ChatKey, _Gate] = {}
        self._paused_until = -1.0
        # interactive, bulk (the free pace, in that order), paid (the paid pace)
        self._queues: tuple[
            deque[asyncio.Future[Slot]], deque[asyncio.Future[Slot]], deque[asyncio.Future[Slot]]
        ] = (deque(), deque(), deque())
        self._wake: asyncio.Event | None = None
        self._dispatcher: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _overall_pace(self, rate: float, burst: float) -> AdaptivePace:
        lim = self.limits
        pace = AdaptivePace(rate, burst, lim.overall_slack_s)
        if not lim.adapt:
            pace.floor = 1.0
        return pace

    @property
    def overall_rate(self) -> float:
        """The free overall pace now, in messages per second (lower after a 429)."""
        return self._overall.rate

    # --------------------------------------------------------------------- BaseRateLimiter

    async def initialize(self) -> None:
        """Nothing to do: the dispatcher starts with the first paced request."""

    async def shutdown(self) -> None:
        """Stop the dispatcher; requests still waiting are cancelled."""
        task, self._dispatcher = self._dispatcher, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, RuntimeError):
                await task
        for queue in self._queues:
            while queue:
                queue.popleft().cancel()

    async def process_request(
        self,
        callback: Callback,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: Mapping[str, Any] | None,
    ) -> Result:
        """Pace the request, call it, and retry it after a ``RetryAfter`` (see module doc)."""
        options = rate_limit_args or {}
        paid = bool(options.get("paid", False))
        bulk = paid or bool(options.get("bulk", False))
        retries = int(
            options.get("max_retries", self.bulk_retries if bulk else self.interactive_retries)
        )
        paced = is_paced(endpoint)
        attempt = failures = 0
        while True:
            slot = None
            if paced:
                slot = await self.acquire(data.get("chat_id"), bulk=bulk, paid=paid, track=True)
            else:
                await self.wait_pause()
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                seconds = retry_after_seconds(exc)
                self.pause(seconds, paid=paid)
                if attempt >= retries:
                    raise
                attempt += 1
                log.info(
                    "429 on %s: everything paused %.1f s, retry %d", endpoint, seconds, attempt
                )
            except NetworkError as exc:
                if bulk or not is_server_error(exc) or failures >= self.server_error_retries:
                    raise
                failures += 1
                self.stats.server_error_retries += 1
                delay = self.server_error_backoff * 2 ** (failures - 1)
                delay *= 1.0 - 0.5 * self._rng.random()
                log.info(
                    "%s: %s on %s: retry %d in %.2f s",
                    type(exc).__name__,
                    exc,
                    endpoint,
                    failures,
                    delay,
                )
                self.finished(slot)
                await asyncio.sleep(delay)
            finally:
                self.finished(slot)

    # ------------------------------------------------------------------------------ pacing

    def pause(self, seconds: float, *, paid: bool = False) -> None:
        """Hold every request for ``seconds`` (plus a little slack): Telegram said 429.

        The overall paces move past the pause, so it ends with one message, not a burst;
        the pace that drew the 429 (``paid`` or the free one) also slows down (``adapt``).
        """
        self.stats.retry_after += 1
        now = self._now()
        self._paused_until = max(self._paused_until, now + seconds + PAUSE_SLACK)
        punished = self._paid if paid else self._overall
        punished.punish(now, self._paused_until)
        for pace in (self._overall, self._paid):
            pace.push(self._paused_until)
        log.info("429: paused %.1f s, overall pace now %.1f/s", seconds, punished.rate)
        if self._wake is not None:
            self._wake.set()

    @property
    def paused_for(self) -> float:
        """Seconds left of the current pause (0 when not paused)."""
        return max(0.0, self._paused_until - self._now())

    async def wait_pause(self) -> None:
        """Return once no pause is in force."""
        left = self._paused_until - self._now()
        while left > 0:  # a pause can grow while we sleep
            await asyncio.sleep(left)
            left = self._paused_until - self._now()

    async def acquire(
        self, chat_id: object, *, bulk: bool = False, paid: bool = False, track: bool = False
    ) -> Slot | None:
        """Wait until one message to ``chat_id`` may leave now (and count it).

        ``bulk``: a broadcast message (after replies; no per-chat burst); ``paid``: a paid
        broadcast message (bulk, on the paid overall pace). With ``track`` the caller hands
        the returned slot to :meth:`finished` when the request is answered, and the window
        waits for that (see :class:`_Flights`); without, the send counts as answered at once.
        Returns None when limits are off.
        """
        bulk = bulk or paid
        key, is_group = chat_key(chat_id)
        started = self._now()
        slot = None
        if not self.limits.enabled:
            await self.wait_pause()
        elif key is None:
            slot = await self._grant(bulk, paid)
            self._untracked(slot, track)
        else:
            gate = self._gates.get(key)
            if gate is None:
                gate = self._gates[key] = _Gate()
            gate.users += 1
            try:
                async with gate.lock:
                    await self._wait_chat(key, is_group, bulk)
                    slot = await self._grant(bulk, paid)
                    self._untracked(slot, track)
                    self._take_chat(key, is_group, self._now())
            finally:
                gate.users -= 1
                if gate.users == 0:
                    del self._gates[key]
        if bulk:
            self.stats.bulk += 1
            self.stats.paid += paid
        else:
            self.stats.interactive += 1
            waited = self._now() - started
            self.stats.max_interactive_wait = max(self.stats.max_interactive_wait, waited)
        return slot

    @staticmethod
    def _untracked(slot: Slot, track: bool) -> None:
        if not track:
            slot.done = slot.granted

    def finished(self, slot: Slot | None) -> None:
        """The request of ``slot`` was answered (or failed): its window can close."""
        if slot is None or slot.done != math.inf:
            return
        slot.done = self._now()
        if self._wake is not None:
            self._wake.set()

    async def _wait_chat(self, key: ChatKey, is_group: bool, bulk: bool) -> None:
        paces = [self._chat_pace(key)]
        if is_group:
            paces.append(self._group_pace(key))
        # A broadcast message uses no burst: each pace's whole interval, plus a margin.
        margin = self.limits.bulk_margin
        while True:
            now = self._now()
            wait = max(
                max(0.0, p.tat - now + margin * p.interval) if bulk else p.delay(now) for p in paces
            )
            if wait <= 0:
                return
            await asyncio.sleep(wait)

    def _take_chat(self, key: ChatKey, is_group: bool, now: float) -> None:
        self._chat_pace(key).take(now)
        if is_group:
            self._group_pace(key).take(now)
        if len(self._chats) > _PRUNE_AT:
            self._prune(now)

    def _chat_pace(self, key: ChatKey) -> Pace:
        pace = self._chats.get(key)
        if pace is None:
            lim = self.limits
            pace = self._chats[key] = Pace(lim.per_chat_per_s, lim.per_chat_burst, lim.margin_s)
        return pace

    def _group_pace(self, key: ChatKey) -> Pace:
        pace = self._groups.get(key)
        if pace is None:
            lim = self.limits
            pace = self._groups[key] = Pace(
                lim.per_group_per_min / 60.0, lim.per_group_burst, lim.margin_s
            )
        return pace

    def _prune(self, now: float) -> None:
        for table in (self._chats, self._groups):
            for key in [k for k, pace in table.items() if pace.idle(now)]:
                del table[key]

    # -------------------------------------------------------------------- overall slots

    async def _grant(self, bulk: bool, paid: bool = False) -> Slot:
        """Wait for an overall slot; interactive waiters are always served first."""
        self._ensure_dispatcher()
        assert self._wake is not None
        future: asyncio.Future[Slot] = asyncio.get_running_loop().create_future()
        self._queues[2 if paid else 1 if bulk else 0].append(future)
        self._wake.set()
        return await future

    def _ensure_dispatcher(self) -> None:
        loop = asyncio.get_running_loop()
        if self._dispatcher is not None and not self._dispatcher.done() and self._loop is loop:
            return
        self._loop = loop
        self._wake = asyncio.Event()
        for queue in self._queues:
            queue.clear()
        self._dispatcher = loop.create_task(self._dispatch(), name="delivery-limiter")

    @staticmethod
    def _live(queue: deque[asyncio.Future[Slot]]) -> asyncio.Future[Slot] | None:
        while queue and queue[0].done():  # cancelled waiters
            queue.popleft()
        return queue[0] if queue else None

    def _serve(
        self,
        pace: AdaptivePace,
        flights: _Flights,
        queues: tuple[deque[asyncio.Future[Slot]], ...],
        now: float,
    ) -> float | None:
        """Grant the first waiter of ``queues`` if the pace allows; return the wait, or None.

        An infinite wait means "until an answer comes back" (see :class:`_Flights`).
        """
        for queue in queues:
            if self._live(queue) is None:
                continue
            wait = max(pace.delay(now), flights.delay(now))
            if wait > 0:
                return wait
            pace.take(now)
            queue.popleft().set_result(flights.grant(now))
            return 0.0
        return None

    async def _dispatch(self) -> None:
        assert self._wake is not None
        wake = self._wake
        interactive, bulk, paid = self._queues
        while True:
            now = self._now()
            pause = self._paused_until - now
            waits: list[float] = []
            if pause <= 0:
                for wait in (
                    self._serve(self._overall, self._flights, (interactive, bulk), now),
                    self._serve(self._paid, self._paid_flights, (paid,), now),
                ):
                    if wait is not None:
                        waits.append(wait)
                if 0.0 in waits:
                    continue  # granted one: look again at once (several may be due)
            elif any(self._queues):
                waits.append(pause)
            wake.clear()
            finite = [w for w in waits if w != math.inf]
            if not finite:
                await wake.wait()  # nothing waiting, or waiting for an answer
                continue
            with contextlib.suppress(TimeoutError):
                # Woken early by a new waiter (maybe interactive), an answer or a pause.
                await asyncio.wait_for(wake.wait(), min(finite))
