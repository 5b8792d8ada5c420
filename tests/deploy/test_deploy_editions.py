"""A new edition's file picked up by a running ``deadline-bot run`` on SIGHUP, once."""

from __future__ import annotations

import datetime as dt
import signal
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.domain.clock import FixedClock
from bot.sandbox.server import Sandbox
from bot.services.events import EventBook
from bot.services.subscribers import ChatInfo, SubscriberService
from bot.storage.database import Database
from tests.deploy.botproc import CONFIG, iso
from tests.deploy.test_deploy_process import TOKEN, Spawn, spawn, until
from tests.e2e.test_editions import roll_over

__all__ = ["spawn"]  # the fixture, used by name

pytestmark = pytest.mark.sandbox(tokens=[TOKEN])

AFTER_2026 = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)


async def test_sighup_announces_a_new_edition_once_and_a_restart_adds_nothing(
    sandbox: Sandbox, spawn: Spawn, sqlite_url: str, tmp_path: Path
) -> None:
    config = tmp_path / "config"
    config.mkdir()
    (config / "euromlsys2026.yaml").write_text(
        (CONFIG / "euromlsys2026.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    readers = [sandbox.create_user(f"R{i}", user_id=410_000 + i) for i in range(3)]
    clock = FixedClock(AFTER_2026)
    async with await Database.connect(sqlite_url, clock, migrate=True) as db:
        service = SubscriberService(db, EventBook(db, clock, config), clock)
        for reader in readers:
            await service.subscribe(ChatInfo(reader.id, "private", first_name=reader.first_name))
    env = {"BOT_CONFIG": str(config)}
    args = ["--now", iso(AFTER_2026)]
    first = await spawn("first", args, database_url=sqlite_url, extra=env)
    await first.wait_ready()

    roll_over(config)
    first.signal(signal.SIGHUP)
    await first.wait_for_line(r"new edition\(s\) announced: euromlsys2027")

    def told(user_id: int) -> int:
        messages = sandbox.bot_messages(user_id)
        return sum("The call for EuroMLSys 2027" in m.content for m in messages)

    await until(lambda: all(told(r.id) == 1 for r in readers), 30, "every reader told")
    first.signal(signal.SIGTERM)
    assert await first.wait(15) == 0

    second = await spawn("second", args, database_url=sqlite_url, extra=env)
    await second.wait_ready()  # a start announces before it is ready: nothing new was queued
    async with await Database.connect(sqlite_url, clock) as db:
        async with db.engine.connect() as conn:
            rows = (
                await conn.execute(
                    text("SELECT kind, ref, total FROM broadcasts WHERE kind = 'edition'")
                )
            ).all()
        assert [tuple(r) for r in rows] == [("edition", "euromlsys2027", 3)]
        assert await db.outbox.pending_count() == 0
    assert [told(r.id) for r in readers] == [1, 1, 1]
    second.signal(signal.SIGTERM)
    assert await second.wait(15) == 0
