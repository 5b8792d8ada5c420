"""Build databases with the hand-written migration runner (schema versions 0..4) and dump them.

The bot replaced its own runner (``schema_version`` table, versions 1..4) with Alembic.
These dumps are what the old runner left behind at each version, with rows written at
every step, so the tests can upgrade them with the new code. Run it with the *old* code
first on the path (a ``git worktree`` of the last commit with the runner)::

    git worktree add --detach ../legacy 2c712e1
    PYTHONPATH=../legacy python tests/data/legacy/make_legacy_dumps.py \\
        --out tests/data/legacy --postgres postgresql+psycopg://postgres@HOST/DB

For each version N it writes ``vN.sqlite.sql`` (``sqlite3 FILE .dump``) and
``vN.postgresql.sql`` (``pg_dump --schema=legacy_vN --no-owner --no-privileges
--inserts``), then lets the old runner upgrade the same database to 4 and writes every
row it holds to ``vN.<dialect>.rows.json``: what the new code must end with too.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, inspect, text
from sqlalchemy.engine import Connection, make_url

from bot.domain.clock import FixedClock
from bot.storage.engine import create_engine
from bot.storage.migrations import migrate
from bot.storage.types import UTCDateTime

T = dt.datetime(2026, 2, 1, 12, 0, tzinfo=dt.UTC)
EARLIER = T - dt.timedelta(days=365)

#: Rows written right after each version is reached (so a dump at N holds steps 1..N).
ROWS: dict[int, list[str]] = {
    1: [
        "INSERT INTO chats (chat_id, type, title, username, first_name, timezone, active,"
        " inactive_reason, first_seen, updated_at, migrated_to) VALUES"
        " (-1002000000001, 'supergroup', 'ML Sys', NULL, NULL, 'Europe/Berlin', :yes,"
        " NULL, :at, :at, NULL),"
        " (42, 'private', NULL, 'ada', 'Ada', NULL, :yes, NULL, :at, :at, NULL),"
        " (43, 'private', NULL, NULL, 'Bob', 'Asia/Tokyo', :no, 'blocked', :early, :at, NULL)",
        "INSERT INTO subscriptions (event_id, chat_id, subscribed_at, unsubscribed_at,"
        " reminders, active) VALUES"
        " ('euromlsys2026', -1002000000001, :at, NULL, 'deadlines', :yes),"
        " ('euromlsys2026', 42, :at, NULL, 'all', :yes),"
        " ('euromlsys2025', 42, :early, NULL, 'off', :yes),"
        " ('euromlsys2026', 43, :early, :at, 'all', :no)",
        "INSERT INTO muted_key_dates (event_id, chat_id, key_date_id, muted_at) VALUES"
        " ('euromlsys2026', 42, 'camera-ready', :at), ('euromlsys2025', 42, 'paper', :early)",
        "INSERT INTO news (event_id, html, posted_at, posted_by, source, source_key) VALUES"
        " ('euromlsys2026', '<b>CfP out</b>', :at, NULL, 'config', 'cfp'),"
        " ('euromlsys2026', 'Room change', :at, 99, 'admin', NULL)",
        "INSERT INTO extensions (event_id, key_date_id, previous_at, new_at, new_as_written,"
        " recorded_at, recorded_by) VALUES"
        " ('euromlsys2026', 'paper', :early, :at, '1 Feb 2026 12:00 UTC', :at, 99)",
        "INSERT INTO audit (at, user_id, action, detail, outcome) VALUES"
        " (:at, 99, 'news.post', 'Room change', 'ok')",
        "INSERT INTO kv (key, value, updated_at) VALUES ('webhook_secret', 'abc', :at),"
        " ('keydate:euromlsys2026:paper', '2026-02-16T11:59:00Z', :at)",
        "INSERT INTO broadcasts (id, event_id, kind, ref, created_at, created_by, status,"
        " total, report, finished_at) VALUES"
        " (7, 'euromlsys2026', 'news', '1', :at, 99, 'running', 2, NULL, NULL)",
        "INSERT INTO outbox (broadcast_id, chat_id, idempotency_key, payload, status,"
        " attempts, next_attempt_at, claimed_at, message_id, last_error, created_at, sent_at)"
        " VALUES (7, 42, 'news:7:42', '{\"text\":\"hi\"}', 'pending', 0, :at,"
        " NULL, NULL, NULL, :at, NULL),"
        " (7, -1002000000001, 'news:7:-1002000000001', '{\"text\":\"hi\"}', 'sent', 1, :at,"
        " :at, 1001, NULL, :at, :at)",
    ],
    2: [
        "UPDATE chats SET language_code = 'de' WHERE chat_id = 42",
        "INSERT INTO broadcasts (id, event_id, kind, ref, created_at, created_by, status,"
        " total, report, finished_at) VALUES (8, 'euromlsys2026', 'reminder',"
        " 'paper:7d', :at, NULL, 'done', 1, 'sent 1', :at)",
        "INSERT INTO outbox (broadcast_id, chat_id, idempotency_key, payload, status,"
        " attempts, next_attempt_at, claimed_at, message_id, last_error, created_at, sent_at)"
        " VALUES (8, 42, 'reminder:8:42', '{\"text\":\"7 days\"}', 'failed', 5, :at,"
        " NULL, NULL, 'Bad Request', :at, NULL)",
    ],
    3: [
        "UPDATE chats SET default_series = 'euromlsys' WHERE chat_id = 42",
        "INSERT INTO editions (event_id, series_id, year, first_seen, announced_at) VALUES"
        " ('euromlsys2027', 'euromlsys', 2027, :at, :at)",
        "INSERT INTO subscriptions (series_id, chat_id, subscribed_at, unsubscribed_at,"
        " reminders, active) VALUES ('mlsys', 42, :at, NULL, 'deadlines', :yes)",
        "INSERT INTO broadcasts (id, event_id, kind, ref, created_at, created_by, status,"
        " total, report, finished_at) VALUES (9, 'euromlsys2027', 'edition',"
        " 'euromlsys2027', :at, NULL, 'pending', 1, NULL, NULL)",
        "INSERT INTO outbox (broadcast_id, chat_id, idempotency_key, payload, status,"
        " attempts, next_attempt_at, claimed_at, message_id, last_error, created_at, sent_at)"
        " VALUES (9, 42, 'edition:9:42', '{\"text\":\"2027\"}', 'sending', 1, :at,"
        " :at, NULL, NULL, :at, NULL)",
    ],
    4: [
        "INSERT INTO broadcasts (id, event_id, kind, ref, created_at, created_by, status,"
        " total, report, finished_at, paid) VALUES (10, 'euromlsys2026', 'news', '2',"
        " :at, 99, 'running', 1, NULL, NULL, :yes)",
        "INSERT INTO broadcast_parts (broadcast_id, part, payload) VALUES"
        ' (10, 0, \'{"text":"part 0"}\'), (10, 1, \'{"text":"part 1"}\')',
        "INSERT INTO outbox (broadcast_id, chat_id, idempotency_key, payload, status,"
        " attempts, next_attempt_at, claimed_at, message_id, last_error, created_at, sent_at,"
        " part) VALUES (10, 42, 'news:10:42:1', NULL, 'pending', 0, :at,"
        " NULL, NULL, NULL, :at, NULL, 1)",
    ],
}

#: Columns whose value is the database server's clock at migration time (not comparable).
SERVER_TIME = {("editions", "first_seen")}


def fill(conn: Connection, version: int) -> None:
    """Write the rows of ``version`` (plain SQL: the columns of that version)."""
    for statement in ROWS.get(version, []):
        params = {"at": T, "early": EARLIER, "yes": True, "no": False}
        used = {k: v for k, v in params.items() if f":{k}" in statement}
        clause = text(statement).bindparams(
            *(bindparam(k, type_=UTCDateTime) for k in used if k in ("at", "early"))
        )
        conn.execute(clause, used)


def rows(conn: Connection) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, in primary key order, as JSON-ready values."""
    out: dict[str, list[dict[str, Any]]] = {}
    insp = inspect(conn)
    for table in sorted(insp.get_table_names()):
        if table in ("schema_version", "alembic_version"):
            continue
        columns = sorted(c["name"] for c in insp.get_columns(table))
        keys = insp.get_pk_constraint(table)["constrained_columns"]
        result = conn.exec_driver_sql(
            f"SELECT {', '.join(columns)} FROM {table} ORDER BY {', '.join(keys)}"
        )
        out[table] = [
            {c: None if (table, c) in SERVER_TIME else v for c, v in zip(columns, row, strict=True)}
            for row in result
        ]
    return json.loads(json.dumps(out, default=str))


async def build(url: str, version: int) -> None:
    """Migrate step by step to ``version``, writing each step's rows."""
    engine = create_engine(url)
    clock = FixedClock(T)
    try:
        for step in range(version + 1):
            await migrate(engine, clock, target=step)
            async with engine.begin() as conn:
                await conn.run_sync(fill, step)
    finally:
        await engine.dispose()


async def upgrade_and_read(url: str) -> dict[str, list[dict[str, Any]]]:
    """Let the old runner finish the upgrade, then read every row."""
    engine = create_engine(url)
    try:
        await migrate(engine, FixedClock(T))
        async with engine.connect() as conn:
            return await conn.run_sync(rows)
    finally:
        await engine.dispose()


def pg_exec(conninfo: str, sql: str) -> None:
    """Run one statement with psql."""
    subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", conninfo, "-c", sql], check=True)


def main() -> None:
    """Write the dumps and expected rows for every version."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--postgres", required=True)
    args = parser.parse_args()
    base = make_url(args.postgres)
    conninfo = base.set(drivername="postgresql").render_as_string(hide_password=False)
    for version in range(5):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"v{version}.sqlite3"
            url = f"sqlite+aiosqlite:///{path.as_posix()}"
            asyncio.run(build(url, version))
            dump = subprocess.run(
                ["sqlite3", str(path), ".dump"], check=True, capture_output=True, text=True
            ).stdout
            (args.out / f"v{version}.sqlite.sql").write_text(dump)
            expected = asyncio.run(upgrade_and_read(url))
            (args.out / f"v{version}.sqlite.rows.json").write_text(
                json.dumps(expected, indent=1) + "\n"
            )
        schema = f"legacy_v{version}"
        pg_exec(conninfo, f"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}")
        try:
            url = base.update_query_dict({"options": f"-csearch_path={schema}"})
            pg_url = url.render_as_string(hide_password=False)
            asyncio.run(build(pg_url, version))
            dump = subprocess.run(
                [
                    "pg_dump",
                    f"--schema={schema}",
                    "--no-owner",
                    "--no-privileges",
                    "--inserts",
                    conninfo,
                ],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            lines = [line for line in dump.splitlines() if not line.startswith("\\")]
            (args.out / f"v{version}.postgresql.sql").write_text("\n".join(lines) + "\n")
            expected = asyncio.run(upgrade_and_read(pg_url))
            (args.out / f"v{version}.postgresql.rows.json").write_text(
                json.dumps(expected, indent=1) + "\n"
            )
        finally:
            pg_exec(conninfo, f"DROP SCHEMA {schema} CASCADE")


if __name__ == "__main__":
    main()
