"""Nothing dies silently: a health board, supervised background loops, alerts with a cool-down.

* :class:`HealthBoard` holds what is failing right now (``part → problem``). ``/healthz``
  says ``degraded`` while it is not empty; every change is logged once (ERROR when a part
  starts failing, WARNING when it recovers), not at every retry.
* :func:`supervise` runs a background loop: an exception is logged with its traceback,
  marked on the board, and the loop restarts after an exponential backoff.
* :class:`AdminAlerts` tells the admins when a part starts failing and when everything is
  well again, at most once per part per cool-down, so a flapping database does not flood
  them.

Depends on nothing of the bot, so every layer may report to it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)

#: First and longest wait before a crashed loop is restarted, in seconds.
RESTART_BACKOFF_S = (0.5, 30.0)
#: Admins hear about the same failing part at most once in this many seconds.
ALERT_COOL_DOWN_S = 600.0

Listener = Callable[[str, str | None], None]


def describe(exc: BaseException) -> str:
    """``Type: first line`` of an exception (no traceback, no SQL)."""
    cause = getattr(exc, "orig", None) or exc
    lines = str(cause).strip().splitlines()
    return f"{type(cause).__name__}: {lines[0] if lines else ''}".rstrip(": ")


class HealthBoard:
    """What is failing now; listeners hear ``(part, problem)`` and ``(part, None)`` on recovery."""

    def __init__(self) -> None:
        self._problems: dict[str, str] = {}
        self._listeners: list[Listener] = []

    def listen(self, listener: Listener) -> None:
        """Call ``listener(part, problem or None)`` at every change."""
        self._listeners.append(listener)

    @property
    def problems(self) -> dict[str, str]:
        """A copy of ``part → problem`` for every failing part."""
        return dict(self._problems)

    @property
    def degraded(self) -> bool:
        """True while any part is failing."""
        return bool(self._problems)

    def fail(self, part: str, problem: str) -> None:
        """Mark ``part`` failing (logged and announced only when it was well before)."""
        was = self._problems.get(part)
        self._problems[part] = problem
        if was is None:
            log.error("health: %s is failing: %s", part, problem)
            self._tell(part, problem)

    def ok(self, part: str) -> None:
        """Mark ``part`` well again (a no-op when it was well)."""
        if self._problems.pop(part, None) is not None:
            log.warning("health: %s recovered", part)
            self._tell(part, None)

    def _tell(self, part: str, problem: str | None) -> None:
        for listener in self._listeners:
            try:
                listener(part, problem)
            except Exception:
                log.exception("health listener failed")


async def supervise(
    name: str,
    loop: Callable[[], Awaitable[None]],
    board: HealthBoard | None,
    *,
    backoff: tuple[float, float] = RESTART_BACKOFF_S,
) -> None:
    """Run ``loop()`` until it returns; restart it after each exception (see module doc).

    The board's ``name`` entry is set while the loop is down and cleared once a restarted
    loop has run for a full backoff period without failing again.
    """
    first, longest = backoff
    delay = first
    while True:
        started = time.monotonic()
        try:
            await loop()
            if board is not None:
                board.ok(name)
            return
        except Exception as exc:
            if time.monotonic() - started > longest:
                delay = first  # it ran well for a while: start the backoff over
            log.exception("%s crashed; restarting it in %.1f s", name, delay)
            if board is not None:
                board.fail(name, f"crashed ({describe(exc)}); restarting")
        await asyncio.sleep(delay)
        delay = min(delay * 2, longest)


class AdminAlerts:
    """Announce board changes to the admins, once per part per cool-down (see module doc)."""

    def __init__(
        self,
        send: Callable[[str], Awaitable[None]],
        *,
        cool_down: float = ALERT_COOL_DOWN_S,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._send = send
        self.cool_down = cool_down
        self._mono = monotonic
        self._last: dict[str, float] = {}
        self._announced: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self.sent: list[str] = []
        """Every alert text handed to ``send`` (newest last)."""

    def attach(self, board: HealthBoard) -> None:
        """Listen to ``board``."""
        board.listen(lambda part, problem: self.on_change(board, part, problem))

    def on_change(self, board: HealthBoard, part: str, problem: str | None) -> None:
        """Board listener: alert on a new failure, and once everything is well again."""
        if problem is not None:
            now = self._mono()
            last = self._last.get(part)
            if last is not None and now - last < self.cool_down:
                return
            self._last[part] = now
            self._announced.add(part)
            self._emit(
                f"{part} is failing: {problem}. The bot keeps retrying by itself; "
                "nothing is lost, but some answers and deliveries wait until it recovers."
            )
        elif part in self._announced and not board.degraded:
            self._announced.clear()
            self._emit("All well again: storage and delivery have recovered.")

    def _emit(self, text: str) -> None:
        self.sent.append(text)
        try:
            task = asyncio.get_running_loop().create_task(self._deliver(text))
        except RuntimeError:  # no loop (a synchronous caller): the log has it
            log.warning("admin alert not sent (no event loop): %s", text)
            return
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _deliver(self, text: str) -> None:
        try:
            await self._send(text)
        except Exception:
            log.exception("admin alert failed: %s", text)
