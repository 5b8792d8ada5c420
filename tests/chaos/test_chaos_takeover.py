"""Two instances on PostgreSQL; the active one's database path is cut mid-broadcast.

A reaches PostgreSQL through the proxy, B directly. When A's path is cut its lock session
dies, so B takes over and finishes the broadcast; when A's path comes back A finds B
holding the lock and stands down (status 0). Everyone gets the news; duplicates stay within
the window (at most one per worker of A: sent, not yet recorded when the cut came).
"""

from __future__ import annotations

import signal
import time

import pytest
from sqlalchemy.engine import make_url

from bot.sandbox.server import Sandbox
from tests.chaos.support import WORKERS, delivered, duplicates, seed_readers, until
from tests.chaos.tcpproxy import ChaosProxy
from tests.chaos.test_chaos_postgres import through
from tests.deploy.botproc import iso
from tests.deploy.test_deploy_process import ADMIN, BEFORE_DEADLINE, TOKEN, Spawn, post_news

pytestmark = [pytest.mark.postgres, pytest.mark.sandbox(tokens=[TOKEN])]

READERS = 150


@pytest.mark.timeout(400)
async def test_cut_active_instance_standby_takes_over_exactly_once(
    sandbox: Sandbox, spawn: Spawn, postgres_url: str
) -> None:
    readers = await seed_readers(sandbox, postgres_url, READERS, 900_000)
    parsed = make_url(postgres_url)
    proxy = ChaosProxy(parsed.host or "127.0.0.1", parsed.port or 5432)
    proxy_port = await proxy.start()
    try:
        a = await spawn(
            "A", ["--now", iso(BEFORE_DEADLINE)], database_url=through(proxy_port, postgres_url)
        )
        await a.wait_ready(timeout=60)
        b = await spawn("B", ["--now", iso(BEFORE_DEADLINE)], database_url=postgres_url)
        await b.wait_for_line(r"waiting as a hot standby", timeout=60)

        chair = sandbox.create_user("Chair", user_id=ADMIN)
        await post_news(sandbox, chair, "Keynote moved to room B.")
        await until(lambda: delivered(sandbox, readers) >= READERS // 4, "a quarter delivered")
        proxy.cut()
        cut_at = time.monotonic()
        at_cut = delivered(sandbox, readers)
        await b.wait_for_line(r"this instance is active", timeout=120)
        took_over = time.monotonic() - cut_at
        proxy.heal()
        await until(
            lambda: delivered(sandbox, readers) == READERS,
            "every reader\n" + a.tail(60) + b.tail(60),
            within=60,
        )
        await b.wait_for_line(r"broadcast \d+ finished", timeout=120)
        code_a = await a.wait(120)
        extra = duplicates(sandbox, readers)
        print(
            f"\ntakeover on PostgreSQL: cut A with {at_cut}/{READERS} delivered; B active "
            f"{took_over:.1f} s after the cut; delivered {delivered(sandbox, readers)}"
            f"/{READERS}, duplicates {extra} (window {WORKERS}); A stood down with status "
            f"{code_a}"
        )
        assert delivered(sandbox, readers) == READERS
        assert extra <= WORKERS, a.tail(80) + b.tail(30)
        assert code_a == 0, a.tail()
        assert "standing down" in a.output, a.tail()
        assert b.returncode is None
        b.signal(signal.SIGTERM)
        assert await b.wait(30) == 0, b.tail()
    finally:
        await proxy.close()
