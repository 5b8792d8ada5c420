"""An event loop on virtual time: sleeps take no wall time, and a test's verdict never
depends on how fast (or how busy) the machine is.

The loop's clock (``loop.time()``) starts at 0 and moves only when the loop has nothing
ready to run: then it jumps straight to the next timer. Anything that reads time through
the running loop (``asyncio.sleep``, ``wait_for``, the rate limiter) sees virtual time.
For code without I/O (the limiter's arithmetic and scheduling); real sockets still work,
but time jumps whenever the loop waits on them, so keep those tests on a real loop.
"""

from __future__ import annotations

import asyncio
import selectors
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

#: Virtual seconds one turn of the loop takes.
TURN_SECONDS = 1e-6


class _VirtualSelector(selectors.DefaultSelector):
    """A selector that never sleeps: it polls, and on nothing ready advances the clock."""

    def __init__(self) -> None:
        super().__init__()
        self.loop: VirtualTimeLoop | None = None

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        assert self.loop is not None
        # Every turn of the loop takes a little time, as on a real machine (else code that
        # waits "until a moment that is now" could spin without time moving).
        self.loop.advance(TURN_SECONDS)
        ready = super().select(0)
        if ready or timeout is None or timeout <= 0:
            if not ready and timeout is None:
                return super().select(None)  # nothing scheduled: wait for I/O for real
            return ready
        self.loop.advance(max(0.0, timeout - TURN_SECONDS))
        return []


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    """A selector event loop whose ``time()`` is virtual (see the module docstring)."""

    def __init__(self) -> None:
        selector = _VirtualSelector()
        super().__init__(selector)
        selector.loop = self
        self._virtual_now = 0.0

    def time(self) -> float:
        """Return the virtual time in seconds."""
        return self._virtual_now

    def advance(self, seconds: float) -> None:
        """Move the virtual clock forward."""
        self._virtual_now += seconds


def run_virtual(main: Coroutine[Any, Any, T]) -> T:
    """Run ``main`` to completion on a fresh :class:`VirtualTimeLoop`."""
    loop = VirtualTimeLoop()
    try:
        return loop.run_until_complete(main)
    finally:
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()
