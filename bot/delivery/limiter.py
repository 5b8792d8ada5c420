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
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from typing import Any, Final

from telegram._utils.types import JSONDict
from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from bot.delivery.limits import DeliveryLimits
from bot.delivery.pace import AdaptivePace, Pace

__all__ = ["BULK", "PAID", "LimiterStats", "PriorityRateLimiter", "retry_after_seconds"]

log = logging.getLogger(__name__)

#: ``rate_limit_args`` of a broadcast message.
BULK: Final[Mapping[str, Any]] = {"bulk": True}
#: ``rate_limit_args`` of a paid broadcast message (``allow_paid_broadcast``).
PAID: Final[Mapping[str, Any]] = {"bulk": True, "paid": True}

#: Seconds added to every ``retry_after`` (Telegram rounds it to whole seconds).
PAUSE_SLACK = 0.1

#: Forget per-chat state beyond this many chats (only chats back to a fresh state go).
_PRUNE_AT = 5000

Result = bool | JSONDict | list[JSONDict]
Callback = Callable[..., Coroutine[Any, Any, Result]]
ChatKey = int | str


def retry_after_seconds(exc: RetryAfter) -> float:
    """Return a ``RetryAfter``'s wait in seconds (PTB keeps it as a timedelta)."""
    return float(exc._retry_after.total_seconds())


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
    max_interactive_wait: float = 0.0
    """Longest time an interactive request waited for its slot, in seconds."""


class _Gate:
    """Keeps the requests of one chat in line (FIFO), one waiting for a slot at a time."""

    __slots__ = ("lock", "users")

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.users = 0


class PriorityRateLimiter(BaseRateLimiter[Mapping[str, Any]]):
    """A ``BaseRateLimiter`` that paces under Telegram's limits and serves replies first.

    ``monotonic`` is the time source for pacing (injectable for tests).
    """

    def __init__(
        self,
        limits: DeliveryLimits | None = None,
        *,
        interactive_retries: int = 3,
        bulk_retries: int = 2,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limits = limits or DeliveryLimits.telegram()
        self.interactive_retries = interactive_retries
        self.bulk_retries = bulk_retries
        self.stats = LimiterStats()
        self._now = monotonic
        lim = self.limits
        self._overall = self._overall_pace(lim.overall_per_s, lim.overall_burst)
        self._paid = self._overall_pace(lim.paid_per_s, 1.0)
        self._chats: dict[ChatKey, Pace] = {}
        self._groups: dict[ChatKey, Pace] = {}
        self._gates: dict[ChatKey, _Gate] = {}
        self._paused_until = -1.0
        # interactive, bulk (the free pace, in that order), paid (the paid pace)
        self._queues: tuple[
            deque[asyncio.Future[None]], deque[asyncio.Future[None]], deque[asyncio.Future[None]]
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
        attempt = 0
        while True:
            if paced:
                await self.acquire(data.get("chat_id"), bulk=bulk, paid=paid)
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

    async def acquire(self, chat_id: object, *, bulk: bool = False, paid: bool = False) -> None:
        """Wait until one message to ``chat_id`` may leave now (and count it).

        ``bulk``: a broadcast message (after replies; no per-chat burst); ``paid``: a paid
        broadcast message (bulk, on the paid overall pace).
        """
        bulk = bulk or paid
        key, is_group = chat_key(chat_id)
        started = self._now()
        if not self.limits.enabled:
            await self.wait_pause()
        elif key is None:
            await self._grant(bulk, paid)
        else:
            gate = self._gates.get(key)
            if gate is None:
                gate = self._gates[key] = _Gate()
            gate.users += 1
            try:
                async with gate.lock:
                    await self._wait_chat(key, is_group, bulk)
                    await self._grant(bulk, paid)
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

    async def _grant(self, bulk: bool, paid: bool = False) -> None:
        """Wait for an overall slot; interactive waiters are always served first."""
        self._ensure_dispatcher()
        assert self._wake is not None
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queues[2 if paid else 1 if bulk else 0].append(future)
        self._wake.set()
        await future

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
    def _live(queue: deque[asyncio.Future[None]]) -> asyncio.Future[None] | None:
        while queue and queue[0].done():  # cancelled waiters
            queue.popleft()
        return queue[0] if queue else None

    def _serve(
        self, pace: AdaptivePace, queues: tuple[deque[asyncio.Future[None]], ...], now: float
    ) -> float | None:
        """Grant the first waiter of ``queues`` if ``pace`` allows; return the wait, or None."""
        for queue in queues:
            if self._live(queue) is None:
                continue
            wait = pace.delay(now)
            if wait > 0:
                return wait
            pace.take(now)
            queue.popleft().set_result(None)
            return 0.0
        return None

    async def _dispatch(self) -> None:
        assert self._wake is not None
        wake = self._wake
        interactive, bulk, paid = self._queues
        while True:
            now = self._now()
            pause = self._paused_until - now
            waits = [
                w
                for w in (
                    self._serve(self._overall, (interactive, bulk), now) if pause <= 0 else None,
                    self._serve(self._paid, (paid,), now) if pause <= 0 else None,
                )
                if w is not None
            ]
            if 0.0 in waits:
                continue  # granted one: look again at once (several may be due)
            if pause > 0 and any(q for q in self._queues):
                waits.append(pause)
            wake.clear()
            if not waits:
                await wake.wait()
                continue
            with contextlib.suppress(TimeoutError):
                # Woken early by a new waiter (maybe interactive) or a pause.
                await asyncio.wait_for(wake.wait(), min(waits))
