"""SQLite turns read-only under a running bot, during a subscribe and a broadcast.

Root ignores file permissions, so the file is made immutable (``chattr +i`` on the database
and its WAL): every write then fails as it would on a read-only disk, while reads work.
Needs root and a file system with the immutable flag; skipped otherwise.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.render import subscribers as subscriber_text
from bot.sandbox.server import Sandbox
from bot.storage.urls import sqlite_path
from tests.chaos.support import (
    WORKERS,
    HealthPoller,
    delivered,
    duplicates,
    seed_readers,
    until,
)
from tests.deploy.botproc import free_port, iso
from tests.deploy.test_deploy_process import (
    ADMIN,
    BEFORE_DEADLINE,
    TOKEN,
    Spawn,
    ask,
    post_news,
)

pytestmark = pytest.mark.sandbox(tokens=[TOKEN], webhook_retry_delay=0.2)

READERS = 60


def chattr(flag: str, *paths: Path) -> None:
    subprocess.run(["chattr", flag, *map(str, paths)], check=True, capture_output=True)


@contextlib.contextmanager
def immutable(*paths: Path) -> Iterator[None]:
    """Make ``paths`` immutable for the block (always undone)."""
    chattr("+i", *paths)
    try:
        yield
    finally:
        chattr("-i", *paths)


def can_make_immutable(folder: Path) -> bool:
    if os.geteuid() != 0 or shutil.which("chattr") is None:
        return False
    probe = folder / "probe"
    probe.write_text("x")
    try:
        chattr("+i", probe)
        chattr("-i", probe)
    except (subprocess.CalledProcessError, OSError):
        return False
    finally:
        probe.unlink()
    return True


@pytest.mark.timeout(300)
async def test_read_only_sqlite_gets_honest_answers_an_alert_and_loses_nothing(
    sandbox: Sandbox, spawn: Spawn, sqlite_url: str
) -> None:
    path = sqlite_path(sqlite_url)
    assert path is not None
    readers = await seed_readers(sandbox, sqlite_url, READERS, 800_000)
    if not can_make_immutable(path.parent):
        pytest.skip("needs root and chattr +i on this file system")
    port = free_port()
    bot = await spawn(
        "bot-sqlite",
        ["--webhook", "--now", iso(BEFORE_DEADLINE)],
        database_url=sqlite_url,
        extra={"WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram/webhook", "PORT": str(port)},
    )
    health = HealthPoller(port)
    chair = sandbox.create_user("Chair", user_id=ADMIN)
    newcomer = sandbox.create_user("Newcomer")
    try:
        await bot.wait_ready(timeout=60)
        health.start()
        await post_news(sandbox, chair, "Posters are due Friday.")
        await until(lambda: delivered(sandbox, readers) >= 5, "the broadcast under way")

        wal = path.with_name(path.name + "-wal")
        with immutable(path, wal):
            at_freeze = delivered(sandbox, readers)
            reply = await ask(sandbox, newcomer, "/subscribe", within=60)
            alert = await sandbox.wait_for_message(
                ADMIN, timeout=60, predicate=lambda m: "storage is failing" in m.content
            )
            await until(lambda: "degraded" in health.statuses(), "/healthz degraded")
            during = delivered(sandbox, readers)
            dates = await ask(sandbox, newcomer, "/dates", within=60)
        thawed_at = delivered(sandbox, readers)

        await until(lambda: delivered(sandbox, readers) == READERS, "every reader")
        again = await ask(sandbox, newcomer, "/subscribe", within=60)
        await bot.wait_for_line(r"broadcast \d+ finished", timeout=120)
        await until(lambda: health.settled_ok_since() is not None, "/healthz ok again")
        well = await sandbox.wait_for_message(
            ADMIN, timeout=60, predicate=lambda m: "All well again" in m.content
        )
        alerts = [m for m in sandbox.bot_messages(ADMIN) if "storage is failing" in m.content]
        print(
            f"\nSQLite read-only: /subscribe answered {reply.content[:40]!r}; admin alerts "
            f"{len(alerts)}; delivered {at_freeze} at the freeze, {during} while frozen "
            f"(≤ one per worker in flight), {thawed_at} at the thaw, {delivered(sandbox, readers)}"
            f"/{READERS} after; duplicates {duplicates(sandbox, readers)}; /healthz "
            f"{' → '.join(health.statuses())}; exit status {bot.returncode}"
        )
        assert "Subscribed" not in reply.content
        assert reply.content == subscriber_text.storage_failed().text
        assert "storage" in alert.content
        assert len(alerts) == 1  # once, whatever else failed meanwhile (cool-down)
        assert "Paper submission deadline" in dates.content  # reads still answered
        assert again.content.startswith("🔔 Subscribed"), again.content
        assert "recovered" in well.content
        assert during - at_freeze <= WORKERS  # one send per worker, then it waits to record
        assert duplicates(sandbox, readers) == 0
        assert bot.returncode is None
        bot.signal(signal.SIGTERM)
        assert await bot.wait(30) == 0, bot.tail()
    finally:
        await health.stop()
        with contextlib.suppress(Exception):
            chattr("-i", path, path.with_name(path.name + "-wal"))


@pytest.mark.timeout(300)
async def test_deleted_sqlite_file_is_noticed_written_back_and_nothing_is_lost(
    sandbox: Sandbox, spawn: Spawn, sqlite_url: str
) -> None:
    """``data/`` removed while running: alert, stop with status 1, every subscriber kept."""
    path = sqlite_path(sqlite_url)
    assert path is not None
    readers = await seed_readers(sandbox, sqlite_url, 5, 810_000)
    bot = await spawn("bot-deleted", ["--now", iso(BEFORE_DEADLINE)], database_url=sqlite_url)
    await bot.wait_ready(timeout=60)
    newcomer = sandbox.create_user("Late")
    assert (await ask(sandbox, newcomer, "/subscribe")).content.startswith("🔔 Subscribed")
    shutil.rmtree(path.parent)
    await bot.wait_for_line(r"was deleted while the bot was running", timeout=60)
    code = await bot.wait(60)
    print(f"\nSQLite file deleted while running: exit status {code}")
    assert code == 1, bot.tail()
    assert path.exists(), bot.tail()
    assert "database written back to" in bot.output

    again = await spawn("bot-after", ["--now", iso(BEFORE_DEADLINE)], database_url=sqlite_url)
    await again.wait_ready(timeout=60)
    for person in [*readers, newcomer]:
        status = await ask(sandbox, person, "/settings")
        assert "not subscribed" not in status.content.lower(), status.content
    again.signal(signal.SIGTERM)
    assert await again.wait(30) == 0
