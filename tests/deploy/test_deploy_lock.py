"""One active instance: InstanceLock on SQLite (flock) and PostgreSQL (advisory lock)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from bot.deploy.lock import (
    DEFAULT_LOCK_NAME,
    InstanceLock,
    InstanceLockError,
    advisory_key,
)
from bot.storage.advisory import split_key
from bot.storage.urls import sqlite_path

ROOT = Path(__file__).resolve().parents[2]

CHILD = """
import asyncio, sys
from bot.deploy.lock import InstanceLock

async def main() -> None:
    lock = InstanceLock(sys.argv[1], name=sys.argv[2])
    print("LOCKED" if await lock.try_acquire() else "BUSY", flush=True)
    await asyncio.sleep(120)

asyncio.run(main())
"""


@pytest.fixture
def lock_name() -> str:
    """A name of its own per test: advisory locks are database-wide, not per schema."""
    return f"test-{uuid.uuid4().hex}"


@pytest.fixture
async def locks() -> AsyncIterator[list[InstanceLock]]:
    """Locks made by a test, released afterwards whatever happened."""
    made: list[InstanceLock] = []
    yield made
    for lock in made:
        await lock.release()


@contextlib.asynccontextmanager
async def child_holding(url: str, name: str) -> AsyncIterator[asyncio.subprocess.Process]:
    """A real second process that holds the lock until killed."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        CHILD,
        url,
        name,
        stdout=asyncio.subprocess.PIPE,
        cwd=ROOT,
    )
    try:
        assert proc.stdout is not None
        line = await asyncio.wait_for(proc.stdout.readline(), timeout=15)
        assert line.strip() == b"LOCKED"
        yield proc
    finally:
        if proc.returncode is None:
            proc.kill()
        await proc.wait()


def _count_polls(lock: InstanceLock) -> list[int]:
    """Count ``lock``'s attempts (a one-item list, bumped at every ``try_acquire``)."""
    count = [0]
    original = lock.try_acquire

    async def counted() -> bool:
        count[0] += 1
        return await original()

    lock.try_acquire = counted  # type: ignore[method-assign]
    return count


async def _until(check: Callable[[], bool], guard: float = 60.0) -> None:
    """Wait for ``check()``; the deadline is a hang guard only."""
    async with asyncio.timeout(guard):
        while True:
            if check():
                return
            await asyncio.sleep(0.01)


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def test_second_instance_waits_and_takes_over_after_release(
    db_url: str, lock_name: str, locks: list[InstanceLock]
) -> None:
    first = InstanceLock(db_url, name=lock_name)
    second = InstanceLock(db_url, name=lock_name)
    locks += [first, second]
    assert await first.try_acquire()
    assert first.held
    assert await first.try_acquire()  # re-entrant for the holder, no second lock taken
    assert not await second.try_acquire()
    assert not second.held

    waiting: list[float] = []
    polls = _count_polls(second)
    task = asyncio.create_task(
        second.acquire(poll_interval=0.05, on_waiting=lambda: waiting.append(time.monotonic()))
    )
    await _until(lambda: polls[0] >= 4)  # several polls: still waiting, said so once
    assert len(waiting) == 1
    assert not task.done()

    await first.release()
    assert not first.held
    await asyncio.wait_for(task, timeout=3)
    assert second.held
    assert not await first.try_acquire()
    await second.release()
    assert await first.try_acquire()


async def test_standby_takes_over_when_the_active_process_is_killed(
    db_url: str, lock_name: str, locks: list[InstanceLock], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.deploy.lock")
    standby = InstanceLock(db_url, name=lock_name)
    locks.append(standby)
    async with child_holding(db_url, lock_name) as child:
        assert not await standby.try_acquire()
        said: list[bool] = []
        polls = _count_polls(standby)
        task = asyncio.create_task(standby.acquire(0.1, lambda: said.append(True)))
        await _until(lambda: polls[0] >= 3)
        assert said == [True]
        assert not task.done()
        assert "another instance is active" in caplog.text
        assert f"pid {child.pid}" in caplog.text  # who holds it, from the lock file/pg_stat
        os.kill(child.pid, signal.SIGKILL)
        await asyncio.wait_for(task, timeout=60)  # hang guard; the takeover is a bench figure
        assert standby.held


async def test_sqlite_lock_file_is_next_to_the_database(
    sqlite_url: str, locks: list[InstanceLock]
) -> None:
    lock = InstanceLock(sqlite_url)
    locks.append(lock)
    assert lock.dialect == "sqlite"
    database = sqlite_path(sqlite_url)
    assert database is not None
    assert await lock.try_acquire()
    lock_file = database.with_name(database.name + ".lock")
    assert lock_file.exists()
    assert f"pid {os.getpid()}" in lock_file.read_text()
    assert str(lock_file) in lock.describe()
    other = InstanceLock(sqlite_url, name="another-bot")
    locks.append(other)
    assert await other.try_acquire()  # another name, another file: two bots, one database


async def test_postgres_lost_connection_is_reported(
    postgres_url: str, lock_name: str, locks: list[InstanceLock]
) -> None:
    lost: list[bool] = []
    lock = InstanceLock(
        postgres_url, name=lock_name, check_interval=0.1, on_lost=lambda: lost.append(True)
    )
    standby = InstanceLock(postgres_url, name=lock_name)
    locks += [lock, standby]
    assert await lock.try_acquire()
    assert await lock.check()
    high, low = split_key(advisory_key(lock_name))
    with psycopg.connect(_libpq(postgres_url), autocommit=True) as admin:
        row = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' "
            "AND classid::bigint = %s AND objid::bigint = %s AND granted",
            (high, low),
        ).fetchone()
    assert row == (True,)
    await asyncio.wait_for(lock.wait_lost(), timeout=5)
    assert lost == [True]
    assert not lock.held
    assert lock.lost
    assert await standby.try_acquire()
    await standby.release()
    assert await lock.try_acquire()  # it can become active again later
    assert not lock.lost


async def test_unreachable_postgres_raises_and_standby_keeps_retrying(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Refused at once: a clear error without the password; the standby keeps polling.

    (The retry loop's log-once and cancellation are proven without timing in
    ``test_deploy_lock_cancel.py``.)
    """
    lock = InstanceLock("postgresql://postgres:hunter2@127.0.0.1:1/none", check_timeout=2)
    with pytest.raises(InstanceLockError, match="cannot reach") as info:
        await lock.try_acquire()
    assert "hunter2" not in str(info.value)
    task = asyncio.create_task(lock.acquire(poll_interval=0.01))
    async with asyncio.timeout(60):  # hang guard: the first refusal is logged
        while True:
            if "retrying every" in caplog.text:
                break
            await asyncio.sleep(0.01)
    assert not task.done()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert caplog.text.count("retrying every") == 1
    assert "hunter2" not in caplog.text


def test_advisory_key_is_stable_and_64_bit() -> None:
    key = advisory_key(DEFAULT_LOCK_NAME)
    assert key == advisory_key("deadline-bot")
    assert -(2**63) <= key < 2**63
    assert advisory_key("deadline-bot:123") != key
    high, low = split_key(-1)
    assert (high, low) == (2**32 - 1, 2**32 - 1)
