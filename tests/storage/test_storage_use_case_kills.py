"""Kill a process between the steps of each use case: the database holds all of it or none.

A child process (``tests.storage.use_case_crash_child``) runs the use case on a real
SQLite file or PostgreSQL schema and SIGKILLs itself right after one of its steps. The
parent then finds every table exactly as it was before the use case began, and running
the use case again completes it once.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.domain.times import iso_utc
from bot.storage.schema import metadata
from tests.storage.use_cases import (
    EXTENDED_TO,
    FOLLOWERS,
    KILL_POINTS,
    NEWCOMER,
    NEWS,
    ORGANIZER,
    UseCases,
    write_configs,
)

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "config" / "euromlsys2026.yaml"


async def tables(cases: UseCases) -> dict[str, list[str]]:
    """Every row of every table, as text, in a stable order."""
    async with cases.db.engine.connect() as conn:
        return {
            table.name: sorted(repr(tuple(row)) for row in await conn.execute(select(table)))
            for table in metadata.sorted_tables
        }


async def notices(cases: UseCases) -> list[list[int]]:
    """The chats of each date-change broadcast."""
    found = [b for b in await cases.db.outbox.list_broadcasts() if b.kind == "extension"]
    return [[r.chat_id for r in await cases.db.outbox.rows_for(b.id)] for b in found]


async def posted_once(cases: UseCases) -> None:
    [item] = await cases.db.news.latest_news(cases.book.primary.id)
    assert (item.html, item.posted_by) == (NEWS, ORGANIZER)
    [broadcast] = await cases.db.outbox.list_broadcasts()
    assert (broadcast.kind, broadcast.ref) == ("news", str(item.id))
    rows = await cases.db.outbox.rows_for(broadcast.id)
    assert sorted(r.chat_id for r in rows) == list(FOLLOWERS)
    assert [e.action for e in await cases.db.audit.latest()] == ["post"]


async def announced_once(cases: UseCases) -> None:
    paper = cases.book.primary.key_date("paper")
    assert paper is not None and await cases.acted_on() == iso_utc(paper.at)
    assert await notices(cases) == [list(FOLLOWERS)]
    assert await cases.book.refresh() == []  # acted on: the next start sends nothing
    await cases.run("announce")
    assert await notices(cases) == [list(FOLLOWERS)]


async def subscribed_once(cases: UseCases) -> None:
    chat = await cases.db.chats.get_chat(NEWCOMER.chat_id)
    assert chat is not None and chat.first_name == NEWCOMER.first_name
    assert await cases.db.subscriptions.is_subscribed(cases.series, NEWCOMER.chat_id)
    assert await cases.db.subscriptions.default_series(NEWCOMER.chat_id) == cases.series
    assert not await cases.subscribers.subscribe(NEWCOMER, cases.series, choose=True)


async def extended_once(cases: UseCases) -> None:
    event = cases.book.primary
    [extension] = await cases.db.extensions.extensions_for(event.id)
    assert (extension.key_date_id, extension.recorded_by) == ("paper", ORGANIZER)
    assert await cases.acted_on() == iso_utc(extension.new_at)
    assert await notices(cases) == [list(FOLLOWERS)]
    assert [(e.action, e.outcome) for e in await cases.db.audit.latest()] == [("extend", "ok")]
    assert cases.scheduler.reschedules == 1  # after the commit
    again = await cases.admin.extend(ORGANIZER, "paper", EXTENDED_TO)
    assert not again.ok  # not later than the date now in force: nothing twice
    assert len(await cases.db.extensions.extensions_for(event.id)) == 1
    assert await notices(cases) == [list(FOLLOWERS)]


DONE_ONCE: dict[str, Any] = {
    "post": posted_once,
    "announce": announced_once,
    "subscribe": subscribed_once,
    "extend": extended_once,
}


@pytest.mark.parametrize(
    ("case", "point"),
    [(case, point) for case, points in KILL_POINTS.items() for point in points],
    ids=lambda value: str(value),
)
async def test_a_kill_between_the_steps_leaves_all_or_nothing(
    db_url: str, tmp_path: Path, case: str, point: str
) -> None:
    original, moved = write_configs(SHIPPED, tmp_path)
    config = moved if case == "announce" else original
    setup = await UseCases.open(db_url, original)
    try:
        await setup.prepare()
        before = await tables(setup)
    finally:
        await setup.close()

    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.storage.use_case_crash_child",
        db_url,
        str(config),
        case,
        point,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(child.communicate(), 120)
    assert child.returncode == -signal.SIGKILL, output.decode()
    assert f"killed after {point}" in output.decode()

    cases = await UseCases.open(db_url, config)
    try:
        assert await tables(cases) == before  # nothing of the use case was kept
        await cases.run(case)  # the retry (the next start, the organizer again)
        await DONE_ONCE[case](cases)
    finally:
        await cases.close()
