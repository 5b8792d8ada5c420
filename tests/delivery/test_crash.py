"""SIGKILL mid-broadcast, resume in a new process: nobody is missed, duplicates only in flight."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.domain.clock import SystemClock
from bot.sandbox.limits import Limits
from bot.sandbox.server import Sandbox
from bot.sandbox.testing import SandboxThread
from bot.storage import Database

ROOT = Path(__file__).resolve().parents[2]
RECIPIENTS = 200
WORKERS = 8
SCALE = 3  # 90 msg/s allowed, 84 paced: ~2.5 s for the whole broadcast


def child(db_url: str, sandbox: Sandbox, first: int) -> subprocess.Popen[str]:
    args = [db_url, sandbox.base_url, sandbox.token, first, RECIPIENTS, WORKERS, SCALE]
    return subprocess.Popen(
        [sys.executable, "-m", "tests.delivery.crash_child", *map(str, args)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


async def statuses(db: Database) -> dict[int, str]:
    found = await db.outbox.list_broadcasts(5)
    if not found:
        return {}
    return {r.chat_id: r.status for r in await db.outbox.rows_for(found[0].id)}


@pytest.mark.sandbox(limits=Limits.scaled(SCALE))
async def test_sigkill_mid_broadcast_then_resume(
    sandbox_thread: SandboxThread, db_url: str
) -> None:
    people = [
        sandbox_thread.call(sandbox_thread.sandbox.create_user, f"Reader {n}")
        for n in range(RECIPIENTS)
    ]
    first = people[0].id
    assert [p.id for p in people] == list(range(first, first + RECIPIENTS))
    db = await Database.connect(db_url, SystemClock(), migrate=True)
    try:
        proc = child(db_url, sandbox_thread.sandbox, first)
        deadline = time.monotonic() + 30
        while sum(s == "sent" for s in (await statuses(db)).values()) < 50:
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the first child sent nothing"
            await asyncio.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        at_kill = await statuses(db)
        sent_before = {c for c, s in at_kill.items() if s == "sent"}
        in_flight = {c for c, s in at_kill.items() if s == "sending"}
        assert 50 <= len(sent_before) < RECIPIENTS, "kill the child mid-broadcast"
        assert at_kill.values() and "pending" in at_kill.values()

        resumed = child(db_url, sandbox_thread.sandbox, first)
        out, err = resumed.communicate(timeout=60)
        assert resumed.returncode == 0, err
        assert "done" in out
        final = await statuses(db)
    finally:
        await db.close()

    assert set(final.values()) == {"sent"}
    got = {p.id: len(sandbox_thread.sandbox.bot_messages(p.id)) for p in people}
    assert all(n >= 1 for n in got.values()), "someone was missed"
    duplicated = {c for c, n in got.items() if n > 1}
    assert max(got.values()) <= 2
    assert len(duplicated) <= WORKERS
    assert duplicated <= in_flight  # only rows in flight at the kill can repeat
    assert all(got[c] == 1 for c in sent_before), "a row recorded as sent was sent again"
