"""Waiting for a condition in tests: poll until it holds, with a generous cap.

The cap only turns a hang into a failure; it is never the verdict. A test that must see
"nothing happened" waits for the system to be idle instead (see ``tests/e2e``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")

#: How long a condition may take before the test fails as hung (a busy machine is slow).
CAP_SECONDS = 60.0


async def eventually(
    check: Callable[[], Awaitable[T | None] | T | None],
    what: str,
    *,
    within: float = CAP_SECONDS,
    every: float = 0.02,
) -> T:
    """Return ``check()``'s first result that is not None (or False); fail after ``within``."""
    try:
        async with asyncio.timeout(within):
            while True:
                result = check()
                if isinstance(result, Awaitable):
                    result = await result
                if result is not None and result is not False:
                    return result  # type: ignore[return-value]
                await asyncio.sleep(every)
    except TimeoutError:
        raise AssertionError(f"{what}: still not so after {within} s") from None
