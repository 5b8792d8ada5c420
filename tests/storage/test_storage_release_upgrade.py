"""Upgrading a database made by the released bot (schema 2) to series and editions.

``release/release-v2.*.sql`` are dumps of what the release's own code wrote (see
``release/make_release_db.py``): five chats subscribed to ``euromlsys2026`` with zones,
modes, a muted date, an unsubscription and a blocked chat; the key dates it acted on;
a reminder and a news item in the outbox, one row sent. Nothing may be lost.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.domain.clock import FixedClock
from bot.domain.series import KnownEdition
from bot.storage import LATEST_VERSION, Database

RELEASE = Path(__file__).with_name("release")
DUMP_SCHEMA = "deadline_bot_release"
T = dt.datetime(2026, 2, 1, 12, 0, tzinfo=dt.UTC)


def _restore(url: str) -> None:
    """Load the release's dump into the fresh database at ``url``."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = Path(str(parsed.database))
        path.parent.mkdir(parents=True, exist_ok=True)
        with sqlite3.connect(path) as conn:
            conn.executescript((RELEASE / "release-v2.sqlite.sql").read_text())
        return
    schema = str(parsed.query["options"]).split("=", 1)[1]
    lines = []
    for line in (RELEASE / "release-v2.postgresql.sql").read_text().splitlines():
        if line.startswith("\\") or "set_config('search_path'" in line:
            continue  # psql meta-commands; the dump's own search path
        if line.startswith(f"CREATE SCHEMA {DUMP_SCHEMA}"):
            continue
        lines.append(line.replace(f"{DUMP_SCHEMA}.", f"{schema}."))
    conninfo = parsed.set(drivername="postgresql").set(query={}).render_as_string(False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("\n".join(lines).encode())


async def _counts(db: Database) -> dict[str, int]:
    tables = ("chats", "subscriptions", "muted_key_dates", "news", "broadcasts", "outbox", "kv")
    async with db.engine.connect() as conn:
        return {
            t: int((await conn.execute(text(f"SELECT count(*) FROM {t}"))).scalar_one())
            for t in tables
        }


async def test_release_database_upgrades_in_place(db_url: str) -> None:
    _restore(db_url)
    async with await Database.connect(db_url, FixedClock(T)) as db:
        assert await db.schema_version() == 2
        before = await _counts(db)
        async with db.engine.connect() as conn:
            keys_before = sorted(
                (await conn.execute(text("SELECT idempotency_key, status FROM outbox"))).all()
            )
        report = await db.migrate()
        assert report.applied == tuple(range(3, LATEST_VERSION + 1))
        assert await _counts(db) == before  # not a row lost (nor added)

        subs = {
            chat: await db.subscriptions.get_subscription("euromlsys", chat)
            for chat in (42, 43, -1002000000001, 44, 45)
        }
        assert {c: (s.reminders, s.active) for c, s in subs.items() if s} == {
            42: ("deadlines", True),
            43: ("all", True),
            -1002000000001: ("off", True),
            44: ("all", False),
            45: ("all", True),
        }
        assert await db.subscriptions.get_subscription("euromlsys2026", 42) is None
        assert await db.subscriptions.muted_key_dates("euromlsys", 42) == {"notification"}
        zones = {c: (await db.chats.get_chat(c)) for c in (42, -1002000000001, 45)}
        assert zones[42] and zones[42].timezone == "Europe/Berlin"
        assert zones[-1002000000001] and zones[-1002000000001].timezone == "Asia/Tokyo"
        assert zones[45] and not zones[45].active  # blocked stays blocked
        recipients = await db.subscriptions.active_recipients(
            "euromlsys", key_date_id="paper", kind="deadline"
        )
        assert [r.chat_id for r in recipients] == [42, 43]

        async with db.engine.connect() as conn:
            keys_after = sorted(
                (await conn.execute(text("SELECT idempotency_key, status FROM outbox"))).all()
            )
        assert keys_after == keys_before
        assert await db.kv.get("keydate:euromlsys2026:paper") == "2026-02-16T11:59:00Z"
        assert next(n.html for n in await db.news.latest_news("euromlsys2026", 10)) == (
            "<b>Registration is open</b>"
        )
        # The release's edition is known, not to be announced again.
        assert await db.editions.known("euromlsys") == [KnownEdition("euromlsys2026", 2026)]
        # The pending rows still go out; the new broadcast kind is accepted.
        claimed = await db.outbox.claim_due(10, T)
        assert sorted(r.idempotency_key for r in claimed) == [
            "news:2:42:0",
            "news:2:43:0",
            "reminder:euromlsys2026:paper:7d@2026-02-16T11:59:00Z:42",
            "reminder:euromlsys2026:paper:7d@2026-02-16T11:59:00Z:43",
        ]
        made = await db.outbox.create_broadcast(
            "euromlsys2027", "edition", "euromlsys2027", None, [(42, "edition:x:42", {})]
        )
        assert made.inserted == 1
        assert await db.subscriptions.choose_series(42, "euromlsys")
        assert await db.subscriptions.default_series(42) == "euromlsys"


@pytest.mark.parametrize("newest_active", [True, False])
async def test_two_editions_of_one_chat_merge_into_one_subscription(
    db_url: str, newest_active: bool
) -> None:
    earlier = T - dt.timedelta(days=365)
    async with await Database.connect(db_url, FixedClock(T)) as db:
        await db.migrate(target=2)
        at = {"e": earlier, "t": T}
        if db.dialect == "sqlite":
            at = {k: v.replace(tzinfo=None) for k, v in at.items()}
        async with db.engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO chats (chat_id, type, first_name, active, first_seen,"
                    " updated_at) VALUES (42, 'private', 'Ada', :a, :t, :t)"
                ),
                {"a": True, "t": at["t"]},
            )
            await conn.execute(
                text(
                    "INSERT INTO subscriptions (event_id, chat_id, subscribed_at,"
                    " unsubscribed_at, reminders, active) VALUES"
                    " ('euromlsys2025', 42, :e, NULL, 'off', :old),"
                    " ('euromlsys2026', 42, :t, NULL, 'deadlines', :new)"
                ),
                {**at, "old": True, "new": newest_active},
            )
            await conn.execute(
                text(
                    "INSERT INTO muted_key_dates (event_id, chat_id, key_date_id, muted_at)"
                    " VALUES ('euromlsys2025', 42, 'paper', :e),"
                    " ('euromlsys2026', 42, 'paper', :t), ('euromlsys2026', 42, 'poster', :t)"
                ),
                at,
            )
        assert (await db.migrate()).applied == tuple(range(3, LATEST_VERSION + 1))
        sub = await db.subscriptions.get_subscription("euromlsys", 42)
        assert sub is not None and sub.active
        assert sub.reminders == ("deadlines" if newest_active else "off")
        assert await db.subscriptions.muted_key_dates("euromlsys", 42) == {"paper", "poster"}
        known = await db.editions.known("euromlsys")
        assert [k.event_id for k in known] == ["euromlsys2025", "euromlsys2026"]
