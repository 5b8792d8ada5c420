"""PostgreSQL blinks under a running bot: cut and stalled through a TCP proxy mid-broadcast.

A real ``deadline-bot run --webhook`` child reaches PostgreSQL only through
:class:`~tests.chaos.tcpproxy.ChaosProxy`. Mid-broadcast the proxy cuts (or stalls) every
connection for ``CHAOS_OUTAGE_S`` seconds (3 here, 10 in ``bench/bench_chaos.py``). The bot
must carry on by itself: nobody loses the news, duplicates stay within the documented
window (one per worker), ``/healthz`` goes degraded and back to ok, a question that needs
no database is answered during a cut, and the process never exits.
"""

from __future__ import annotations

import asyncio
import signal
import time
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from bot.sandbox.server import Sandbox
from tests.chaos.support import (
    OUTAGE_S,
    WORKERS,
    HealthPoller,
    delivered,
    duplicates,
    seed_readers,
    until,
)
from tests.chaos.tcpproxy import ChaosProxy
from tests.deploy.botproc import free_port, iso
from tests.deploy.test_deploy_process import (
    ADMIN,
    BEFORE_DEADLINE,
    TOKEN,
    Spawn,
    ask,
    post_news,
)

pytestmark = [pytest.mark.postgres, pytest.mark.sandbox(tokens=[TOKEN], webhook_retry_delay=0.2)]

READERS = 150


def _problems(health: HealthPoller) -> dict[str, str]:
    return dict(health.seen[-1][2].get("problems", {})) if health.seen else {}


def through(proxy_port: int, url: str) -> str:
    """The same database URL, reached through the proxy."""
    return make_url(url).set(host="127.0.0.1", port=proxy_port).render_as_string(False)


@pytest.mark.timeout(400)
@pytest.mark.parametrize("mode", ["cut", "stall"])
async def test_postgres_blink_mid_broadcast_loses_nothing(
    sandbox: Sandbox, spawn: Spawn, postgres_url: str, tmp_path: Path, mode: str
) -> None:
    readers = await seed_readers(sandbox, postgres_url, READERS, 700_000)
    proxy = ChaosProxy(
        make_url(postgres_url).host or "127.0.0.1", make_url(postgres_url).port or 5432
    )
    proxy_port = await proxy.start()
    port = free_port()
    bot = await spawn(
        f"bot-{mode}",
        ["--webhook", "--now", iso(BEFORE_DEADLINE)],
        database_url=through(proxy_port, postgres_url),
        extra={"WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram/webhook", "PORT": str(port)},
    )
    health = HealthPoller(port)
    try:
        await bot.wait_ready(timeout=60)
        health.start()
        await until(lambda: health.last == "ok", "a first ok from /healthz")
        chair = sandbox.create_user("Chair", user_id=ADMIN)
        await post_news(sandbox, chair, "The venue has changed.")
        await until(lambda: delivered(sandbox, readers) >= READERS // 4, "a quarter delivered")

        getattr(proxy, mode)()
        began = time.monotonic()
        at_outage = delivered(sandbox, readers)
        dates_during = None
        if mode == "cut":  # answered from the config alone (zone unknown: AoE and UTC)
            asker = sandbox.create_user("Asker")
            dates_during = (await ask(sandbox, asker, "/dates", within=60)).content
        await until(lambda: "degraded" in health.statuses(), "/healthz to say degraded")
        await asyncio.sleep(max(0.0, OUTAGE_S - (time.monotonic() - began)))
        outage = time.monotonic() - began
        proxy.heal()
        healed = time.monotonic()

        all_in = await until(lambda: delivered(sandbox, readers) == READERS, "every reader")
        await bot.wait_for_line(r"broadcast \d+ finished", timeout=120)
        await until(lambda: "instance lock" not in _problems(health), "the lock settled")
        await until(lambda: health.settled_ok_since() is not None, "/healthz ok again")
        ok_again = (health.settled_ok_since() or healed) - healed
        extra = duplicates(sandbox, readers)
        lost = READERS - delivered(sandbox, readers)
        print(
            f"\nPostgreSQL {mode} for {outage:.1f} s mid-broadcast ({READERS} readers, "
            f"{at_outage} delivered before): lost {lost}, duplicates {extra} "
            f"(window {WORKERS}); all delivered {all_in:.1f} s after heal, /healthz "
            f"{' → '.join(health.statuses())}, ok {ok_again:.1f} s after heal; "
            f"problems seen {sorted(health.problems_seen())}; lock lost: "
            f"{'instance lock LOST' in bot.output}; proxy resets {proxy.resets}, "
            f"refused {proxy.refused}; exit status {bot.returncode}"
        )
        assert lost == 0
        assert extra <= WORKERS
        assert bot.returncode is None, bot.tail()  # still running: nobody restarted it
        if dates_during is not None:
            assert "Paper submission deadline" in dates_during, dates_during
        assert time.monotonic() >= healed
        bot.signal(signal.SIGTERM)
        assert await bot.wait(30) == 0, bot.tail()
    finally:
        await health.stop()
        await proxy.close()
