"""Databases the hand-written runner migrated (versions 0..4) upgrade in place under Alembic.

Each dump in ``tests/data/legacy`` was written by the old runner itself, with rows added at
every step (see ``make_legacy_dumps.py`` there). Upgraded by the new code, each must end
with exactly the rows the old runner ended with, and with the schema a fresh database
gets: same tables, columns, keys, constraints and indexes (and, on SQLite, the same stored
table definitions, byte for byte).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from psycopg import sql
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.domain.clock import FixedClock
from bot.storage import LATEST_VERSION, Database, SchemaTooNewError
from bot.storage.migrations import LEGACY_LATEST, LEGACY_VERSION_TABLE
from tests.storage.legacy_dumps import describe, dialect_of, expected_rows, restore, rows


@pytest.fixture
def fresh_url(db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A second empty database on the same dialect as ``db_url``."""
    if dialect_of(db_url) == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('fresh') / 'fresh.sqlite3'}"
        return
    url = make_url(db_url)
    schema = f"t_{uuid.uuid4().hex[:16]}"
    conninfo = url.set(drivername="postgresql").set(query={}).render_as_string(False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    try:
        yield url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False
        )
    finally:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


async def _schema(db: Database) -> dict[str, Any]:
    async with db.engine.connect() as conn:
        return await conn.run_sync(describe)


@pytest.mark.parametrize("version", range(LEGACY_LATEST + 1))
async def test_old_runner_database_upgrades_in_place(
    db_url: str, fresh_url: str, clock: FixedClock, version: int
) -> None:
    async with await Database.connect(fresh_url, clock, migrate=True) as fresh:
        wanted = await _schema(fresh)
    restore(db_url, version)
    async with await Database.connect(db_url, clock) as db:
        assert await db.schema_version() == version  # read from the old runner's table
        report = await db.migrate()
        assert (report.from_version, report.to_version) == (version, LATEST_VERSION)
        assert report.applied == tuple(range(version + 1, LATEST_VERSION + 1))
        assert await db.schema_version() == LATEST_VERSION
        async with db.engine.connect() as conn:
            assert await conn.run_sync(rows) == expected_rows(db.dialect, version)
            stamped = (await conn.execute(text("SELECT version_num FROM alembic_version"))).all()
        assert stamped == [(f"{LATEST_VERSION:04d}",)]
        schema = await _schema(db)
        assert LEGACY_VERSION_TABLE not in schema  # adopted: the old table is gone
        assert schema == wanted
        assert (await db.migrate()).applied == ()


async def test_old_runner_database_from_the_future_is_refused(
    db_url: str, clock: FixedClock
) -> None:
    restore(db_url, LEGACY_LATEST)
    async with await Database.connect(db_url, clock) as db:
        async with db.engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO schema_version (version, description, applied_at)"
                    " SELECT 5, 'from a branch that never shipped', applied_at"
                    " FROM schema_version WHERE version = 4"
                )
            )
        with pytest.raises(SchemaTooNewError, match="version 5 of the old migration runner"):
            await db.migrate()
        async with db.engine.connect() as conn:  # left as it was
            count = (await conn.execute(text("SELECT count(*) FROM schema_version"))).scalar()
        assert count == 5
