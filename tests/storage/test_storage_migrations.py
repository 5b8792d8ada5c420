import asyncio
import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Column, MetaData, inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

import bot.storage.migrations as migrations
from bot.domain.clock import FixedClock
from bot.storage import LATEST_VERSION, Database, SchemaTooNewError
from bot.storage.schema import metadata
from bot.storage.types import UTCDateTime

T1 = dt.datetime(2025, 11, 3, 9, 30, tzinfo=dt.UTC)


async def test_migrate_from_empty(db_url: str, clock: FixedClock) -> None:
    async with await Database.connect(db_url, clock) as db:
        assert await db.schema_version() == 0
        report = await db.migrate()
        assert (report.from_version, report.to_version) == (0, LATEST_VERSION)
        assert report.applied == tuple(range(1, LATEST_VERSION + 1))
        again = await db.migrate()
        assert again.applied == () and again.from_version == LATEST_VERSION
        assert await db.schema_version() == LATEST_VERSION
        async with db.engine.connect() as conn:
            rows = (await conn.execute(text("SELECT version_num FROM alembic_version"))).all()
        assert rows == [(f"{LATEST_VERSION:04d}",)]


def test_revisions_are_one_numbered_line() -> None:
    """0001, 0002, … each revising the one before: a schema version stays a number."""
    config = Config()
    config.set_main_option("script_location", migrations.SCRIPT_LOCATION)
    script = ScriptDirectory.from_config(config)
    chain = [rev.revision for rev in script.walk_revisions()][::-1]
    assert chain == [f"{n:04d}" for n in range(1, LATEST_VERSION + 1)]
    assert script.get_heads() == [f"{LATEST_VERSION:04d}"]
    for rev in script.walk_revisions():
        assert rev.down_revision == (
            f"{int(rev.revision) - 1:04d}" if rev.revision != "0001" else None
        )


def _describe(conn: Connection) -> dict[str, tuple[set[str], set[str]]]:
    insp = inspect(conn)
    out = {}
    for name in insp.get_table_names():
        columns = {c["name"] for c in insp.get_columns(name)}
        indexes = {str(i["name"]) for i in insp.get_indexes(name)}
        out[name] = (columns, indexes)
    return out


async def test_migrated_schema_matches_schema_module(db: Database) -> None:
    async with db.engine.connect() as conn:
        actual = await conn.run_sync(_describe)
    for table in metadata.sorted_tables:
        columns, indexes = actual[table.name]
        assert columns == {c.name for c in table.columns}, table.name
        assert {str(i.name) for i in table.indexes} <= indexes, table.name
    assert set(actual) == {*metadata.tables, migrations.VERSION_TABLE}


async def _build_v1_with_data(db: Database) -> None:
    report = await db.migrate(target=1)
    assert report.applied == (1,)
    rows = [
        "INSERT INTO chats (chat_id, type, title, username, first_name, timezone, active,"
        " inactive_reason, first_seen, updated_at, migrated_to) VALUES"
        " (-1002000000001, 'supergroup', 'ML Sys', NULL, NULL, 'Europe/Berlin', :t,"
        " NULL, :at, :at, NULL),"
        " (42, 'private', NULL, 'ada', 'Ada', NULL, :t, NULL, :at, :at, NULL)",
        "INSERT INTO subscriptions (event_id, chat_id, subscribed_at, unsubscribed_at,"
        " reminders, active) VALUES ('euromlsys2026', -1002000000001, :at, NULL, 'deadlines', :t),"
        " ('euromlsys2026', 42, :at, NULL, 'all', :t)",
        "INSERT INTO muted_key_dates (event_id, chat_id, key_date_id, muted_at)"
        " VALUES ('euromlsys2026', 42, 'camera-ready', :at)",
        "INSERT INTO news (event_id, html, posted_at, posted_by, source, source_key)"
        " VALUES ('euromlsys2026', '<b>CfP out</b>', :at, NULL, 'config', 'cfp')",
        "INSERT INTO broadcasts (id, event_id, kind, ref, created_at, created_by, status,"
        " total, report, finished_at) VALUES (7, 'euromlsys2026', 'news', '1', :at, 99,"
        " 'running', 1, NULL, NULL)",
        "INSERT INTO outbox (broadcast_id, chat_id, idempotency_key, payload, status,"
        " attempts, next_attempt_at, claimed_at, message_id, last_error, created_at, sent_at)"
        " VALUES (7, 42, 'news:euromlsys2026:1:42', '{\"text\":\"hi\"}', 'pending', 0, :at,"
        " NULL, NULL, NULL, :at, NULL)",
        "INSERT INTO kv (key, value, updated_at) VALUES ('webhook_secret', 'abc', :at)",
    ]
    # SQLite stores instants as naive UTC text; PostgreSQL takes an aware value.
    at: object = T1.replace(tzinfo=None) if db.dialect == "sqlite" else T1
    async with db.engine.begin() as conn:
        for statement in rows:
            params = {k: v for k, v in {"at": at, "t": True}.items() if f":{k}" in statement}
            await conn.execute(text(statement), params)


async def test_upgrade_from_v1_keeps_data(db_url: str, clock: FixedClock) -> None:
    async with await Database.connect(db_url, clock) as db:
        await _build_v1_with_data(db)
        assert await db.schema_version() == 1

        report = await db.migrate()
        assert (report.from_version, report.applied) == (1, tuple(range(2, LATEST_VERSION + 1)))

        group = await db.chats.get_chat(-1002000000001)
        assert group is not None
        assert (group.title, group.timezone, group.language_code) == (
            "ML Sys",
            "Europe/Berlin",
            None,
        )
        assert group.first_seen == T1 and group.first_seen.tzinfo is dt.UTC
        # Subscriptions and mutes belong to the series since migration 3.
        recipients = await db.subscriptions.active_recipients(
            "euromlsys", key_date_id="camera-ready", kind="deadline"
        )
        assert [r.chat_id for r in recipients] == [-1002000000001]
        assert await db.subscriptions.muted_key_dates("euromlsys", 42) == {"camera-ready"}
        news = await db.news.latest_news("euromlsys2026")
        assert [(n.html, n.source_key, n.posted_at) for n in news] == [
            ("<b>CfP out</b>", "cfp", T1)
        ]
        assert await db.kv.get("webhook_secret") == "abc"
        assert await db.outbox.has_key("news:euromlsys2026:1:42")
        progress = await db.outbox.broadcast_progress(7)
        assert progress is not None and progress.by_status == {"pending": 1}
        claimed = await db.outbox.claim_due(10, T1)
        assert [(r.chat_id, r.payload) for r in claimed] == [(42, {"text": "hi"})]

        # The new column works, and the upgraded database takes new rows.
        await db.chats.upsert_chat(42, "private", first_name="Ada", language_code="de")
        chat = await db.chats.upsert_chat(42, "private", first_name="Ada")
        assert chat.language_code == "de"
        new_news = await db.news.add_news("euromlsys2026", "second")
        assert new_news.id > news[0].id


async def test_concurrent_migrations_apply_once(db_url: str, clock: FixedClock) -> None:
    first = await Database.connect(db_url, clock)
    second = await Database.connect(db_url, clock)
    try:
        reports = await asyncio.gather(first.migrate(), second.migrate(), first.migrate())
        applied = sorted(r.applied for r in reports)
        assert applied == [(), (), tuple(range(1, LATEST_VERSION + 1))]
        assert await second.schema_version() == LATEST_VERSION
    finally:
        await first.close()
        await second.close()


_MIGRATE_CHILD = """
import asyncio, sys
from bot.storage.engine import create_engine
from bot.storage.migrations import migrate

async def main():
    engine = create_engine(sys.argv[1])
    try:
        print((await migrate(engine)).applied)
    finally:
        await engine.dispose()

asyncio.run(main())
"""


async def test_two_processes_starting_at_once_migrate_once(db_url: str) -> None:
    """Two bots started together: one applies every revision, the other waits and finds none."""
    children = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            _MIGRATE_CHILD,
            db_url,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        for _ in range(2)
    ]
    outputs = [await child.communicate() for child in children]
    assert [child.returncode for child in children] == [0, 0], outputs
    applied = sorted(out.decode().strip() for out, _ in outputs)
    assert applied == ["()", str(tuple(range(1, LATEST_VERSION + 1)))]


async def test_database_newer_than_code_is_refused(db: Database) -> None:
    async with db.engine.begin() as conn:
        await conn.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    assert await db.schema_version() == 99
    with pytest.raises(SchemaTooNewError, match="version 99"):
        await db.migrate()


_NEXT = '''"""A revision beyond the package's own, for a test.

Revision ID: {rev}
Revises: {down}
"""

import sqlalchemy as sa
from alembic import op

revision = "{rev}"
down_revision = "{down}"


def upgrade() -> None:
{body}
'''

_BROKEN = """\
    op.execute("CREATE TABLE half_done (x INTEGER)")
    raise RuntimeError("step failed")"""

#: What autogenerate writes for a changed column: on SQLite a rebuild of ``chats``, which
#: ``subscriptions`` and ``muted_key_dates`` refer to.
_BATCH = """\
    with op.batch_alter_table("chats") as batch_op:
        batch_op.alter_column("type", existing_type=sa.String(16), type_=sa.String(32))"""

_ORPHANS = """\
    op.execute("DELETE FROM chats WHERE chat_id = 42")"""


def _next_revision(
    monkeypatch: pytest.MonkeyPatch, folder: Path, body: str, *, version: int | None = None
) -> None:
    """Make ``body`` the upgrade of revision ``LATEST_VERSION + 1`` until the test ends."""
    version = LATEST_VERSION + 1 if version is None else version
    (folder / f"{version:04d}_next.py").write_text(
        _NEXT.format(rev=f"{version:04d}", down=f"{version - 1:04d}", body=body)
    )
    real_config = migrations.alembic_config
    monkeypatch.setattr(migrations, "alembic_config", lambda c: real_config(c, [folder]))
    monkeypatch.setattr(migrations, "LATEST_VERSION", version)


async def test_failed_step_rolls_everything_back(
    db_url: str, clock: FixedClock, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    async with await Database.connect(db_url, clock) as db:
        await db.migrate(target=1)
        _next_revision(monkeypatch, tmp_path, _BROKEN)
        with pytest.raises(RuntimeError, match="step failed"):
            await db.migrate()
        monkeypatch.undo()
        assert await db.schema_version() == 1  # revision 0002 rolled back with the broken one
        async with db.engine.connect() as conn:
            tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
        assert "half_done" not in tables
        async with db.engine.connect() as conn:
            columns = await conn.run_sync(
                lambda c: {col["name"] for col in inspect(c).get_columns("chats")}
            )
        assert "language_code" not in columns
        assert (await db.migrate()).applied == tuple(range(2, LATEST_VERSION + 1))


async def _chat_with_a_subscription(db: Database) -> None:
    await db.chats.upsert_chat(42, "private", first_name="Ada")
    await db.subscriptions.subscribe("euromlsys", 42)


async def test_a_batch_rebuild_of_a_referenced_table_keeps_its_rows(
    db: Database, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """SQLite rebuilds ``chats`` (drop and rename) with foreign keys off; nothing is lost."""
    await _chat_with_a_subscription(db)
    _next_revision(monkeypatch, tmp_path, _BATCH)
    assert (await db.migrate()).applied == (LATEST_VERSION + 1,)
    subscription = await db.subscriptions.get_subscription("euromlsys", 42)
    assert subscription is not None and subscription.active
    async with db.engine.connect() as conn:
        length = await conn.run_sync(
            lambda c: next(
                col["type"].length
                for col in inspect(c).get_columns("chats")
                if col["name"] == "type"
            )
        )
        # Used one at a time, the pool holds one connection: the one that migrated, which
        # must have its foreign keys back on.
        if db.dialect == "sqlite":
            assert (await conn.execute(text("PRAGMA foreign_keys"))).scalar() == 1
    assert length == 32


async def test_a_revision_that_orphans_rows_is_rolled_back(
    db: Database, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    await _chat_with_a_subscription(db)
    _next_revision(monkeypatch, tmp_path, _ORPHANS)
    # SQLite: PRAGMA foreign_key_check before the commit; PostgreSQL: the constraint itself.
    with pytest.raises((RuntimeError, IntegrityError), match=r"(?i)foreign key"):
        await db.migrate()
    monkeypatch.undo()
    assert await db.schema_version() == LATEST_VERSION
    assert await db.chats.get_chat(42) is not None


async def test_target_out_of_range(db: Database) -> None:
    with pytest.raises(ValueError, match="target version"):
        await db.migrate(target=LATEST_VERSION + 1)


async def test_a_lower_target_changes_nothing(db: Database) -> None:
    """Migrations go forward only: asking for an older version is a no-op, not a downgrade."""
    report = await db.migrate(target=1)
    assert (report.from_version, report.to_version, report.applied) == (
        LATEST_VERSION,
        LATEST_VERSION,
        (),
    )
    assert await db.schema_version() == LATEST_VERSION


async def test_upgrade_to_v4_keeps_every_pending_row_and_sends_its_payload(
    db_url: str, clock: FixedClock
) -> None:
    """From 2, 3 then 4 run; 4 puts new payloads in broadcast_parts, old rows keep theirs."""
    async with await Database.connect(db_url, clock) as db:
        await _build_v1_with_data(db)
        await db.migrate(target=2)
        at: object = T1.replace(tzinfo=None) if db.dialect == "sqlite" else T1
        async with db.engine.begin() as conn:
            for n in range(3):
                await conn.execute(
                    text(
                        "INSERT INTO outbox (broadcast_id, chat_id, idempotency_key, payload,"
                        " status, attempts, next_attempt_at, claimed_at, message_id, last_error,"
                        " created_at, sent_at) VALUES (7, :chat, :key, :payload, :status, 1, :at,"
                        " NULL, NULL, NULL, :at, NULL)"
                    ),
                    {
                        "chat": 42,
                        "key": f"old:{n}",
                        "payload": f'{{"text":"old {n}"}}',
                        "status": "sending" if n == 2 else "pending",
                        "at": at,
                    },
                )
        report = await db.migrate()
        assert report.applied == (3, 4) == tuple(range(3, LATEST_VERSION + 1))
        assert await db.outbox.release_stale_sending() == 1
        claimed = await db.outbox.claim_due(10, T1)
        assert sorted(str(r.payload["text"]) for r in claimed) == ["hi", "old 0", "old 1", "old 2"]
        broadcast = await db.outbox.get_broadcast(7)
        assert broadcast is not None and broadcast.paid is False


def test_importing_storage_does_not_import_alembic() -> None:
    """Alembic loads when a migration runs, not with every command (start-up stays cheap)."""
    code = "import sys, bot.storage, bot.cli; print('alembic' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert (result.returncode, result.stdout.strip()) == (0, "False"), result.stderr


async def test_next_revision_is_written_from_the_schema_module(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``python -m bot.storage.revision``: autogenerate against a database at the head."""
    from bot.storage import schema
    from bot.storage.revision import write_revision

    changed = MetaData(naming_convention=schema.NAMING)
    for table in schema.metadata.sorted_tables:
        table.to_metadata(changed)
    changed.tables["chats"].append_column(Column("muted_until", UTCDateTime))
    monkeypatch.setattr(schema, "metadata", changed)
    path = await write_revision("chats muted until", sqlite_url, version_path=tmp_path)
    assert path.name == f"{LATEST_VERSION + 1:04d}_chats_muted_until.py"
    source = path.read_text()
    assert f"revision: str = '{LATEST_VERSION + 1:04d}'" in source
    assert f"down_revision: str | None = '{LATEST_VERSION:04d}'" in source
    assert "with op.batch_alter_table('chats'" in source
    assert "batch_op.add_column(sa.Column('muted_until', types.UTCDateTime(" in source
