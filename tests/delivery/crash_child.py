"""A delivery process for the SIGKILL test: broadcast to chats, resume after a crash.

    python -m tests.delivery.crash_child DB_URL BASE_URL TOKEN FIRST_CHAT COUNT WORKERS SCALE

Enqueues the same broadcast every time it starts (the keys make that a no-op after the
first run), starts the engine (which releases rows left ``sending`` by a killed run) and
exits 0 once the broadcast is finished.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from telegram.ext import ExtBot
from telegram.request import HTTPXRequest

from bot.delivery import DeliveryEngine, DeliveryLimits, PriorityRateLimiter
from bot.domain.clock import SystemClock
from bot.storage import Database, NewOutboxRow


async def run(
    db_url: str, base_url: str, token: str, first: int, count: int, workers: int, scale: float
) -> None:
    db = await Database.connect(db_url, SystemClock(), migrate=True)
    bot: ExtBot[Any] = ExtBot(
        token,
        base_url=base_url,
        request=HTTPXRequest(connection_pool_size=workers + 4),
        rate_limiter=PriorityRateLimiter(DeliveryLimits.scaled(scale)),
    )
    await bot.initialize()
    engine = DeliveryEngine(db, bot, SystemClock(), workers=workers, idle_poll=0.2)
    await engine.start()
    rows = [
        NewOutboxRow(c, f"news:crash:{c}", {"text": f"<b>Crash-safe</b> news for {c}"})
        for c in range(first, first + count)
    ]
    broadcast_id = await engine.enqueue("crash", "news", "crash-1", None, rows)
    print(f"broadcast {broadcast_id} running", flush=True)
    await engine.wait_finished(broadcast_id, timeout=120)
    await engine.stop(5)
    await bot.shutdown()
    await db.close()
    print("done", flush=True)


def main(argv: list[str]) -> None:
    db_url, base_url, token, first, count, workers, scale = argv
    asyncio.run(run(db_url, base_url, token, int(first), int(count), int(workers), float(scale)))


if __name__ == "__main__":
    main(sys.argv[1:])
