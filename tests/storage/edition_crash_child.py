"""A process killed (SIGKILL) half-way through announcing a new edition.

    python -m tests.storage.edition_crash_child DB_URL

The ledger row is written, the followers are read, and while the outbox rows are being
built the process kills itself: the transaction never commits.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from typing import Any

from bot.domain.clock import SystemClock
from bot.storage import Database
from bot.storage.models import Recipient


def _die(recipients: list[Recipient]) -> list[tuple[int, str, dict[str, Any]]]:
    print(f"building {len(recipients)} row(s); killed now", flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
    raise AssertionError("unreachable")


async def run(db_url: str) -> None:
    db = await Database.connect(db_url, SystemClock())
    await db.editions.announce("euromlsys2027", "euromlsys", 2027, _die)


if __name__ == "__main__":
    asyncio.run(run(sys.argv[1]))
