import asyncio
import datetime as dt

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

import bot.storage.migrations as migrations
from bot.domain.clock import FixedClock
from bot.storage import LATEST_VERSION, Database, SchemaTooNewError
from bot.storage.schema import metadata

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
            rows = (
                await conn.execute(text("SELECT version, applied_at FROM schema_version"))
            ).all()
        assert [r[0] for r in rows] == list(range(1, LATEST_VERSION + 1))


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
    assert set(actual) == set(metadata.tables)


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


async def test_database_newer_than_code_is_refused(db: Database) -> None:
    async with db.engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO schema_version (version, description, applied_at)"
                " VALUES (99, 'from the future', :at)"
            ),
            {"at": T1 if db.dialect == "postgresql" else T1.replace(tzinfo=None)},
        )
    with pytest.raises(SchemaTooNewError, match="version 99"):
        await db.migrate()


async def test_failed_step_rolls_everything_back(
    db_url: str, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(conn: Connection) -> None:
        conn.exec_driver_sql("CREATE TABLE half_done (x INTEGER)")
        raise RuntimeError("step failed")

    steps = (*migrations.MIGRATIONS, migrations.Migration(LATEST_VERSION + 1, "broken", broken))
    async with await Database.connect(db_url, clock) as db:
        await db.migrate(target=1)
        monkeypatch.setattr(migrations, "MIGRATIONS", steps)
        monkeypatch.setattr(migrations, "LATEST_VERSION", LATEST_VERSION + 1)
        with pytest.raises(RuntimeError, match="step failed"):
            await db.migrate()
        monkeypatch.undo()
        assert await db.schema_version() == 1  # migration 2 rolled back with the broken step
        async with db.engine.connect() as conn:
            tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
        assert "half_done" not in tables
        async with db.engine.connect() as conn:
            columns = await conn.run_sync(
                lambda c: {col["name"] for col in inspect(c).get_columns("chats")}
            )
        assert "language_code" not in columns
        assert (await db.migrate()).applied == tuple(range(2, LATEST_VERSION + 1))


async def test_target_out_of_range(db: Database) -> None:
    with pytest.raises(ValueError, match="target version"):
        await db.migrate(target=LATEST_VERSION + 1)


async def test_migrate_without_a_clock_uses_server_time(db_url: str, clock: FixedClock) -> None:
    async with await Database.connect(db_url, clock) as db:
        report = await migrations.migrate(db.engine)
        assert report.to_version == LATEST_VERSION
        async with db.engine.connect() as conn:
            stamps = await conn.run_sync(
                lambda c: [
                    r.applied_at for r in c.execute(migrations._schema_version.select()).all()
                ]
            )
        assert len(stamps) == LATEST_VERSION
        assert all(s.tzinfo is dt.UTC and s.year >= 2024 for s in stamps)


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
