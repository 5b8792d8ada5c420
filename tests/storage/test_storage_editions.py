"""The editions ledger: a new edition is announced once, atomically; keys move to a series."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.domain.series import KnownEdition
from bot.storage import Database
from bot.storage.models import Recipient
from bot.storage.schema import broadcast_parts

ROOT = Path(__file__).resolve().parents[2]


async def _followers(db: Database, *chats: int) -> None:
    for chat in chats:
        await db.chats.upsert_chat(chat, "private", first_name=f"p{chat}")
        await db.subscriptions.subscribe("euromlsys", chat)


def _rows(recipients: list[Recipient]) -> list[tuple[int, str, dict[str, str]]]:
    return [(r.chat_id, f"edition:euromlsys2027:{r.chat_id}", {"text": "out"}) for r in recipients]


async def test_announce_once_with_its_rows(db: Database) -> None:
    await _followers(db, 1, 2)
    await db.subscriptions.unsubscribe("euromlsys", 2)
    await db.editions.record("euromlsys2026", "euromlsys", 2026)
    made = await db.editions.announce("euromlsys2027", "euromlsys", 2027, _rows)
    assert made is not None and made.inserted == 1
    rows = await db.outbox.rows_for(made.broadcast_id)
    assert [(r.chat_id, r.idempotency_key) for r in rows] == [(1, "edition:euromlsys2027:1")]
    assert await db.editions.announce("euromlsys2027", "euromlsys", 2027, _rows) is None
    assert await db.editions.known("euromlsys") == [
        KnownEdition("euromlsys2026", 2026),
        KnownEdition("euromlsys2027", 2027),
    ]


async def test_announce_is_all_or_nothing(db: Database) -> None:
    await _followers(db, 1)

    def broken(recipients: list[Recipient]) -> list[tuple[int, str, dict[str, str]]]:
        raise RuntimeError("rendering failed half-way")

    with pytest.raises(RuntimeError):
        await db.editions.announce("euromlsys2027", "euromlsys", 2027, broken)
    # Neither the ledger row nor a broadcast: the next start announces it.
    assert await db.editions.known("euromlsys") == []
    assert await db.outbox.find_broadcast("euromlsys2027", "edition", "euromlsys2027") is None
    made = await db.editions.announce("euromlsys2027", "euromlsys", 2027, _rows)
    assert made is not None and made.inserted == 1


async def test_merge_series_moves_rows_and_keeps_the_better_one(db: Database) -> None:
    await _followers(db, 1, 2)
    for chat in (1, 2, 3):
        await db.chats.upsert_chat(chat, "private")
        await db.subscriptions.subscribe("mlsys2026", chat)
    await db.subscriptions.unsubscribe("euromlsys", 2)
    await db.subscriptions.set_reminder_mode("mlsys2026", 2, "off")
    await db.subscriptions.mute_key_date("mlsys2026", 3, "paper")
    await db.subscriptions.choose_series(3, "mlsys2026")
    assert await db.subscriptions.merge_series("mlsys2026", "euromlsys") == 3
    assert await db.subscriptions.merge_series("mlsys2026", "euromlsys") == 0
    subs = {c: await db.subscriptions.get_subscription("euromlsys", c) for c in (1, 2, 3)}
    assert {c: (s.active, s.reminders) for c, s in subs.items() if s} == {
        1: (True, "all"),
        2: (True, "off"),  # the active one won over the unsubscribed one
        3: (True, "all"),
    }
    assert await db.subscriptions.muted_key_dates("euromlsys", 3) == {"paper"}
    assert await db.subscriptions.default_series(3) == "euromlsys"
    assert await db.subscriptions.followed(3) == ["euromlsys"]


async def test_a_kill_between_the_steps_leaves_nothing(db: Database, db_url: str) -> None:
    """SIGKILL after the ledger row, before the outbox rows: none of it stays."""
    await _followers(db, 1, 2)
    await db.editions.record("euromlsys2026", "euromlsys", 2026)
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.storage.edition_crash_child",
        db_url,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(child.communicate(), 60)
    assert child.returncode == -signal.SIGKILL, output.decode()
    assert "building 2 row(s); killed now" in output.decode()
    assert [k.event_id for k in await db.editions.known("euromlsys")] == ["euromlsys2026"]
    assert await db.outbox.find_broadcast("euromlsys2027", "edition", "euromlsys2027") is None
    made = await db.editions.announce("euromlsys2027", "euromlsys", 2027, _rows)
    assert made is not None and made.inserted == 2  # the next start announces it, once


async def _parts(db: Database) -> list[tuple[int, int, str]]:
    p = broadcast_parts.c
    async with db.engine.connect() as conn:
        rows = await conn.execute(select(p.broadcast_id, p.part, p.payload).order_by(p.part))
        return [(int(r[0]), int(r[1]), str(r[2])) for r in rows]


async def test_announcement_stores_its_payload_once_in_the_unit_of_work(db: Database) -> None:
    """The announcement's text is one broadcast part, written in the announcing transaction."""
    await _followers(db, 1, 2)
    made = await db.editions.announce("euromlsys2027", "euromlsys", 2027, _rows)
    assert made is not None and made.inserted == 2
    assert [(b, n) for b, n, _ in await _parts(db)] == [(made.broadcast_id, 0)]
    assert [r.payload for r in await db.outbox.rows_for(made.broadcast_id)] == [{"text": "out"}] * 2
    with pytest.raises(RuntimeError):
        async with db.unit_of_work():
            await db.outbox.create_broadcast(
                "euromlsys2028", "edition", "euromlsys2028", None, [(1, "k:1", {"t": "x"})]
            )
            raise RuntimeError("the rest of the unit of work failed")
    assert await db.outbox.find_broadcast("euromlsys2028", "edition", "euromlsys2028") is None
    assert [(b, n) for b, n, _ in await _parts(db)] == [(made.broadcast_id, 0)]
