"""Outbox benchmarks: claim cost against the backlog, and enqueueing a million recipients.

(1) **claim**: the cost of one ``claim_due(32)`` with 1,000 / 100,000 / 1,000,000 rows
    pending (median of 300 claims each, after 20 to warm up; the three backlogs are claimed
    from in turn so the machine's load weighs on each alike), and the database's plan.
(2) **enqueue**: ``create_broadcast_to`` for 1,000,000 subscribers (a news item of one
    part): wall time (monotonic) and the process's peak RSS, each run in a fresh child
    process so the peak is this run's alone.

Subscribers and pending rows are generated inside the database (a recursive CTE on
SQLite, ``generate_series`` on PostgreSQL), so the set-up does not distort the RSS.

Run::

    .venv/bin/python bench/bench_outbox.py                      # SQLite and PostgreSQL
    .venv/bin/python bench/bench_outbox.py --only claim --db sqlite
    .venv/bin/python bench/bench_outbox.py --pg postgresql+psycopg://postgres@127.0.0.1/test
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.domain.clock import FixedClock
from bot.storage import Database
from bot.storage.models import Audience, AudienceBroadcast

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
T0 = dt.datetime(2026, 2, 1, 12, 0, tzinfo=dt.UTC)
EVENT = "bench"
SIZES = (1_000, 100_000, 1_000_000)
ROUNDS = 300


# ------------------------------------------------------------------------------ databases


async def open_db(kind: str, pg_url: str, folder: str) -> Database:
    """A fresh, migrated database: a new SQLite file, or a new PostgreSQL schema."""
    if kind == "sqlite":
        url = f"sqlite+aiosqlite:///{folder}/bench-{time.monotonic_ns()}.sqlite3"
        return await Database.connect(url, FixedClock(T0), migrate=True)
    schema = f"bench_{time.monotonic_ns()}"
    admin = await Database.connect(pg_url, FixedClock(T0))
    async with admin.engine.begin() as conn:
        await conn.execute(text(f"CREATE SCHEMA {schema}"))
    await admin.close()
    return await Database.connect(
        pg_url,
        FixedClock(T0),
        migrate=True,
        connect_args={"options": f"-csearch_path={schema}"},
    )


async def drop(db: Database) -> None:
    """Drop a PostgreSQL bench schema (a SQLite file goes with its temp folder)."""
    if db.dialect == "postgresql":
        async with db.engine.begin() as conn:
            schema = (await conn.execute(text("SELECT current_schema()"))).scalar_one()
            await conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    await db.close()


def series(db: Database, count: int) -> tuple[str, str]:
    """(prefix, FROM clause) yielding ``n`` = 1..count in SQL."""
    if db.dialect == "sqlite":
        prefix = (
            f"WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < {count}) "
        )
        return prefix, "FROM s"
    return "", f"FROM generate_series(1, {count}) AS s(n)"


def stamp(db: Database) -> Any:
    """T0 as the database stores it (SQLite: naive UTC text)."""
    return T0.replace(tzinfo=None).isoformat(sep=" ") if db.dialect == "sqlite" else T0


async def add_subscribers(db: Database, count: int) -> None:
    """``count`` private chats subscribed to the bench event, generated in SQL."""
    prefix, source = series(db, count)
    true = "1" if db.dialect == "sqlite" else "true"
    async with db.engine.begin() as conn:
        await conn.execute(
            text(
                f"{prefix}INSERT INTO chats (chat_id, type, active, first_seen, updated_at) "
                f"SELECT n, 'private', {true}, :at, :at {source}"
            ),
            {"at": stamp(db)},
        )
        await conn.execute(
            text(
                f"{prefix}INSERT INTO subscriptions (series_id, chat_id, subscribed_at, "
                f"reminders, active) SELECT '{EVENT}', n, :at, 'all', {true} {source}"
            ),
            {"at": stamp(db)},
        )
        if db.dialect == "postgresql":
            await conn.execute(text("ANALYZE chats"))
            await conn.execute(text("ANALYZE subscriptions"))


async def add_pending(db: Database, count: int) -> None:
    """A broadcast with ``count`` pending rows (one stored payload), generated in SQL."""
    created = await db.outbox.create_broadcast(EVENT, "news", "claim", None, [])
    async with db.engine.begin() as conn:
        await conn.execute(
            text("INSERT INTO broadcast_parts (broadcast_id, part, payload) VALUES (:b, 0, :p)"),
            {"b": created.broadcast_id, "p": '{"text":"bench"}'},
        )
        prefix, source = series(db, count)
        await conn.execute(
            text(
                f"{prefix}INSERT INTO outbox (broadcast_id, chat_id, idempotency_key, part, "
                "status, attempts, next_attempt_at, created_at) "
                f"SELECT :b, n, 'claim:' || n, 0, 'pending', 0, :at, :at {source}"
            ),
            {"b": created.broadcast_id, "at": stamp(db)},
        )
        if db.dialect == "postgresql":
            await conn.execute(text("ANALYZE outbox"))


# ---------------------------------------------------------------------------------- claim


async def claim_once(db: Database) -> float:
    """Time one claim of 32 rows; put them back to pending by id (not timed)."""
    began = time.perf_counter()
    claimed = await db.outbox.claim_due(32, T0)
    seconds = time.perf_counter() - began
    assert len(claimed) == 32
    ids = ",".join(str(row.id) for row in claimed)
    async with db.engine.begin() as conn:
        await conn.execute(text(f"UPDATE outbox SET status = 'pending' WHERE id IN ({ids})"))
    return seconds


async def bench_claim(kind: str, pg_url: str, folder: str) -> list[dict[str, Any]]:
    """Median claim cost per backlog size, and the plan, per size.

    The three databases are claimed from in turn (round robin), so whatever else the
    machine is doing weighs on every size alike: the ratio is what to read.
    """
    dbs = [await open_db(kind, pg_url, folder) for _ in SIZES]
    try:
        for db, size in zip(dbs, SIZES, strict=True):
            await add_pending(db, size)
        costs: list[list[float]] = [[] for _ in SIZES]
        for n in range(ROUNDS + 20):
            for index, db in enumerate(dbs):
                seconds = await claim_once(db)
                if n >= 20:  # the first rounds warm up caches and connections
                    costs[index].append(seconds)
        results = []
        for db, size, mine in zip(dbs, SIZES, costs, strict=True):
            results.append(
                {
                    "db": kind,
                    "pending": size,
                    "median_ms": 1000 * statistics.median(mine),
                    "p95_ms": 1000 * statistics.quantiles(mine, n=20)[-1],
                    "plan": await db.outbox.explain_claim(32, T0),
                }
            )
            print(
                f"  {kind:10} {size:>9,} pending: claim(32) median "
                f"{results[-1]['median_ms']:.2f} ms, p95 {results[-1]['p95_ms']:.2f} ms",
                flush=True,
            )
        return results
    finally:
        for db in dbs:
            await drop(db)


# -------------------------------------------------------------------------------- enqueue


async def enqueue_child(kind: str, pg_url: str, folder: str, count: int) -> dict[str, Any]:
    """In a child process: set up ``count`` subscribers, then time the enqueue alone."""
    db = await open_db(kind, pg_url, folder)
    try:
        began = time.monotonic()
        await add_subscribers(db, count)
        setup_s = time.monotonic() - began
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        parts = [{"text": "<b>EuroMLSys</b>: the program is online", "parse_mode": "HTML"}]
        began = time.monotonic()
        created = await db.outbox.create_broadcast_to(
            AudienceBroadcast(
                EVENT, "news", "1", None, Audience(EVENT), parts, "news:1:", part_suffix=True
            )
        )
        seconds = time.monotonic() - began
        rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        pending = await db.outbox.pending_count(created.broadcast_id)
        async with db.engine.connect() as conn:
            stored = (await conn.execute(text("SELECT count(*) FROM broadcast_parts"))).scalar_one()
        return {
            "db": kind,
            "recipients": count,
            "rows": created.inserted,
            "pending": pending,
            "payloads_stored": int(stored),
            "setup_s": setup_s,
            "seconds": seconds,
            "rss_before_mb": rss_before / 1024,
            "rss_peak_mb": rss_peak / 1024,
        }
    finally:
        await drop(db)


def bench_enqueue(kind: str, pg_url: str, count: int) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child-enqueue", kind, "--count", str(count)]
    command += ["--pg", pg_url]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    print(
        f"  {kind:10} {count:,} recipients: {result['rows']:,} rows in "
        f"{result['seconds']:.1f} s (set-up {result['setup_s']:.1f} s), peak RSS "
        f"{result['rss_peak_mb']:.0f} MB, payloads stored {result['payloads_stored']}",
        flush=True,
    )
    return result


# ----------------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--only", choices=("claim", "enqueue"), help="one benchmark")
    parser.add_argument("--db", choices=("sqlite", "postgresql"), help="one database")
    parser.add_argument("--pg", default=DEFAULT_PG, help="PostgreSQL URL")
    parser.add_argument("--count", type=int, default=1_000_000, help="enqueue recipients")
    parser.add_argument("--child-enqueue", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        if args.child_enqueue:
            result = asyncio.run(enqueue_child(args.child_enqueue, args.pg, folder, args.count))
            print(json.dumps(result))
            return
        kinds = [args.db] if args.db else ["sqlite", "postgresql"]
        if args.only in (None, "claim"):
            print("(1) claim cost vs backlog")
            claims = [r for kind in kinds for r in asyncio.run(bench_claim(kind, args.pg, folder))]
            for kind in kinds:
                mine = [r for r in claims if r["db"] == kind]
                costs = [r["median_ms"] for r in mine]
                print(
                    f"  {kind}: largest / smallest median = {max(costs) / min(costs):.2f}x "
                    "(target <= 1.5x)"
                )
                print(f"  {kind} plan at {mine[-1]['pending']:,} pending rows:")
                for line in str(mine[-1]["plan"]).splitlines():
                    print(f"      {line}")
        if args.only in (None, "enqueue"):
            print(f"(2) enqueue {args.count:,} recipients (target <= 30 s, peak RSS <= 300 MB)")
            for kind in kinds:
                bench_enqueue(kind, args.pg, args.count)


if __name__ == "__main__":
    main()
