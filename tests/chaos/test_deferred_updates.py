"""Updates kept across a stop survive in the database, on SQLite and PostgreSQL."""

from __future__ import annotations

from bot.storage.database import Database
from bot.telegram import deferred
from bot.telegram.app import build_application
from tests.chaos.test_fair_processor import message_update

TOKEN = "123456:" + "A" * 35


async def test_kept_updates_are_replayed_once_in_order(db: Database) -> None:
    first, second, third = (message_update(50 + n, text=f"/n{n}") for n in range(3))
    assert await deferred.keep(db.kv, [third, first]) == 2
    assert await deferred.keep(db.kv, [second, first]) == 3  # first is not kept twice
    application = build_application(TOKEN)
    assert await deferred.replay(db.kv, application) == 3
    queued = [application.update_queue.get_nowait() for _ in range(3)]
    assert [u.update_id for u in queued] == [first.update_id, second.update_id, third.update_id]
    assert queued[1].effective_message is not None
    assert queued[1].effective_message.text == "/n1"
    assert await deferred.replay(db.kv, application) == 0  # replayed once
