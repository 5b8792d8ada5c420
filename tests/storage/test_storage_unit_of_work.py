"""The unit of work: repositories join it, it commits or rolls back as one, hooks wait for it."""

from __future__ import annotations

import asyncio

import pytest

from bot.domain.clock import FixedClock
from bot.storage import Database

EVENT = "euromlsys2026"


async def _news(db: Database) -> list[str]:
    return [n.html for n in reversed(await db.news.latest_news(EVENT, 50))]


async def test_repositories_join_the_unit_and_it_commits_as_one(
    db: Database, db_url: str, clock: FixedClock
) -> None:
    """Writes inside a unit are seen inside it, by nobody else until it commits."""
    other = await Database.connect(db_url, clock)
    try:
        async with db.unit_of_work():
            await db.news.add_news(EVENT, "one")
            await db.audit.record(1, "post", "one")
            assert await _news(db) == ["one"]  # read on the unit's connection
            assert await other.news.latest_news(EVENT) == []  # not committed yet
        assert await _news(other) == ["one"]
        assert [e.action for e in await other.audit.latest()] == ["post"]
    finally:
        await other.close()


async def test_an_exception_rolls_everything_back_and_skips_the_commit_hooks(
    db: Database,
) -> None:
    happened: list[str] = []
    with pytest.raises(RuntimeError, match="half-way"):
        async with db.unit_of_work() as uow:
            uow.after_commit(lambda: happened.append("committed"))
            db.after_rollback(lambda: happened.append("rolled back"))
            await db.news.add_news(EVENT, "lost")
            await db.kv.set("k", "v")
            raise RuntimeError("half-way")
    assert await _news(db) == [] and await db.kv.get("k") is None
    assert happened == ["rolled back"]


async def test_commit_hooks_run_after_the_commit_and_at_once_outside_a_unit(
    db: Database, db_url: str, clock: FixedClock
) -> None:
    other = await Database.connect(db_url, clock)
    seen: list[list[str]] = []

    async def look() -> None:
        seen.append(await _news(other))

    try:
        hooks: list[asyncio.Task[None]] = []
        async with db.unit_of_work():
            await db.news.add_news(EVENT, "first")
            db.after_commit(lambda: hooks.append(asyncio.create_task(look())))
            assert hooks == []
        await asyncio.gather(*hooks)
        assert seen == [["first"]]  # the hook's reader saw the committed row
        db.after_commit(lambda: seen.append(["outside"]))
        assert seen[-1] == ["outside"]
    finally:
        await other.close()


async def test_a_nested_unit_is_a_savepoint_of_the_outer_one(db: Database) -> None:
    """An inner failure undoes only the inner writes (and drops its hooks); the outer commits."""
    happened: list[str] = []
    async with db.unit_of_work():
        await db.news.add_news(EVENT, "outer")
        with pytest.raises(KeyError):
            async with db.unit_of_work() as inner:
                inner.after_commit(lambda: happened.append("inner committed"))
                inner.after_rollback(lambda: happened.append("inner rolled back"))
                await db.news.add_news(EVENT, "inner, undone")
                raise KeyError("inner")
        async with db.unit_of_work() as kept:
            await db.news.add_news(EVENT, "inner, kept")
            kept.after_commit(lambda: happened.append("kept committed"))
        assert happened == ["inner rolled back"]  # the kept hook waits for the outer commit
    assert happened == ["inner rolled back", "kept committed"]
    assert await _news(db) == ["outer", "inner, kept"]


async def test_a_task_started_inside_a_unit_does_not_join_it(db: Database) -> None:
    """Only the task that opened the unit writes on its connection."""

    async def outsider() -> list[str]:
        return await _news(db)  # its own connection: the unit's write is not visible

    async with db.unit_of_work():
        await db.news.add_news(EVENT, "inside")
        assert await asyncio.create_task(outsider()) == []
    assert await _news(db) == ["inside"]


async def test_concurrent_read_then_write_units_take_turns(db: Database) -> None:
    """Both read, then write: the write lock taken at BEGIN keeps SQLite from deadlocking."""

    async def use_case(n: int) -> None:
        async with db.unit_of_work():
            await db.news.latest_news(EVENT)
            await asyncio.sleep(0)  # let the other one start its transaction
            await db.news.add_news(EVENT, f"item {n}")

    await asyncio.gather(*(use_case(n) for n in range(4)))
    assert sorted(await _news(db)) == [f"item {n}" for n in range(4)]


async def test_a_failing_hook_is_logged_and_the_others_still_run(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    happened: list[str] = []

    def broken() -> None:
        raise RuntimeError("hook broke")

    async with db.unit_of_work() as uow:
        await db.news.add_news(EVENT, "kept")
        uow.after_commit(broken)
        uow.after_commit(lambda: happened.append("second hook"))
    assert happened == ["second hook"]
    assert await _news(db) == ["kept"]
    assert "a hook after commit failed" in caplog.text
