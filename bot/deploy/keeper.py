"""Keep the instance lock through a database blink: pause, take it back, or stand down.

When the lock is lost (its connection was cut or stalled), delivery pauses at once so two
instances never send together, and the keeper tries to take the lock back with backoff:

* ours again → delivery resumes (rows claimed before the loss are put back to ``pending``);
* another instance holds it → this one stands down: it stops cleanly (status 0), the
  other carries on;
* the database is still unreachable → retried, for as long as it takes (``/healthz`` is
  degraded meanwhile, and the admins were told once).
"""

from __future__ import annotations

import asyncio
import logging

from bot.deploy.lock import InstanceLock, InstanceLockError
from bot.runtime import Runtime

log = logging.getLogger(__name__)

#: First and longest pause between two attempts to take the lock back, in seconds.
REGAIN_BACKOFF_S = (0.25, 5.0)
LOCK_PART = "instance lock"


class LockKeeper:
    """Reacts to a lost lock (see the module docstring); ``lost`` is the lock's ``on_lost``."""

    def __init__(self, lock: InstanceLock, runtime: Runtime, stop: asyncio.Event) -> None:
        self.lock = lock
        self.runtime = runtime
        self.stop = stop
        self.stood_down = False
        """True once another instance took over and this one stopped for it."""
        self._task: asyncio.Task[None] | None = None

    @property
    def regaining(self) -> bool:
        """True while the lock is lost and being taken back."""
        return self._task is not None and not self._task.done()

    def lost(self) -> None:
        """The lock is gone: pause delivery now, take it back in the background."""
        self.runtime.health.fail(LOCK_PART, "lost its database connection; taking it back")
        self.runtime.suspend_delivery("the instance lock was lost")
        if not self.regaining and not self.stop.is_set():
            self._task = asyncio.get_running_loop().create_task(self._regain(), name="regain")

    async def close(self) -> None:
        """Stop trying (at shutdown)."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _regain(self) -> None:
        first, longest = REGAIN_BACKOFF_S
        delay = first
        while not self.stop.is_set():
            try:
                state = await self.lock.regain()
            except InstanceLockError as exc:
                log.warning("instance lock: still unreachable (%s); retrying", exc)
            except Exception:
                log.exception("instance lock: taking it back failed; retrying")
            else:
                if state == "held":
                    log.warning("instance lock taken back; resuming delivery")
                    if self.runtime.ready.is_set():
                        await self.runtime.resume_delivery()
                    self.runtime.health.ok(LOCK_PART)
                    return
                if state == "taken":
                    log.warning(
                        "another instance took over while the database was unreachable; "
                        "standing down"
                    )
                    self.stood_down = True
                    self.runtime.health.ok(LOCK_PART)
                    self.stop.set()
                    return
                delay = first  # our own old session was ended: ask again soon
            await asyncio.sleep(delay)
            delay = min(delay * 2, longest)
