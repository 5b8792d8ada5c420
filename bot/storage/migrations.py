"""Schema migrations: an ordered list of steps, applied in one locked transaction.

Each step is a version number and a function that receives a synchronous
:class:`~sqlalchemy.engine.Connection` inside the migration transaction. Steps are
frozen history: once released, a step is never edited; change the schema by
appending a step (and updating :mod:`bot.storage.schema` to match).

``migrate`` is idempotent and safe when several processes start at once: on
PostgreSQL the transaction first takes ``pg_advisory_xact_lock``; on SQLite it
begins with ``BEGIN IMMEDIATE``, which admits one writer at a time. Both dialects
have transactional DDL, so a failing step leaves the database as it was.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.clock import Clock
from bot.storage.engine import writer
from bot.storage.schema import NAMING, one_of
from bot.storage.types import IdType, UTCDateTime

#: Key of the PostgreSQL advisory lock held while migrating (any fixed 64-bit number).
ADVISORY_LOCK_KEY = 0x64_6C_62_6F_74_5F_6D_67  # "dlbot_mg"


class SchemaTooNewError(RuntimeError):
    """The database was migrated by a newer version of the bot than this one."""


@dataclass(frozen=True)
class Migration:
    """One step: bring the schema from ``version - 1`` to ``version``."""

    version: int
    description: str
    apply: Callable[[Connection], None]


@dataclass(frozen=True)
class MigrationReport:
    """What ``migrate`` did."""

    from_version: int
    to_version: int
    applied: tuple[int, ...]


# --- the version table (never changes) -----------------------------------------------

_version_metadata = MetaData(naming_convention=NAMING)
_schema_version = Table(
    "schema_version",
    _version_metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("description", Text, nullable=False),
    Column("applied_at", UTCDateTime, nullable=False),
)


# --- migration 1: the first schema (a frozen copy, do not edit) ----------------------


def _v1_metadata() -> MetaData:
    md = MetaData(naming_convention=NAMING)
    Table(
        "chats",
        md,
        Column("chat_id", BigInteger, primary_key=True, autoincrement=False),
        Column("type", String(16), nullable=False),
        Column("title", Text),
        Column("username", String(64)),
        Column("first_name", Text),
        Column("timezone", String(64)),
        Column("active", Boolean, nullable=False),
        Column("inactive_reason", String(32)),
        Column("first_seen", UTCDateTime, nullable=False),
        Column("updated_at", UTCDateTime, nullable=False),
        Column("migrated_to", BigInteger),
    )
    Table(
        "subscriptions",
        md,
        Column("event_id", String(64), primary_key=True),
        Column("chat_id", BigInteger, ForeignKey("chats.chat_id"), primary_key=True),
        Column("subscribed_at", UTCDateTime, nullable=False),
        Column("unsubscribed_at", UTCDateTime),
        Column("reminders", String(16), nullable=False),
        Column("active", Boolean, nullable=False),
        CheckConstraint(one_of("reminders", ("all", "deadlines", "off")), name="reminders"),
    )
    Table(
        "muted_key_dates",
        md,
        Column("event_id", String(64), primary_key=True),
        Column("chat_id", BigInteger, ForeignKey("chats.chat_id"), primary_key=True),
        Column("key_date_id", String(64), primary_key=True),
        Column("muted_at", UTCDateTime, nullable=False),
    )
    Table(
        "news",
        md,
        Column("id", IdType, primary_key=True, autoincrement=True),
        Column("event_id", String(64), nullable=False),
        Column("html", Text, nullable=False),
        Column("posted_at", UTCDateTime, nullable=False),
        Column("posted_by", BigInteger),
        Column("source", String(16), nullable=False),
        Column("source_key", String(128)),
        CheckConstraint(one_of("source", ("config", "admin")), name="source"),
        UniqueConstraint("event_id", "source_key"),
        Index(None, "event_id", "posted_at"),
    )
    Table(
        "extensions",
        md,
        Column("id", IdType, primary_key=True, autoincrement=True),
        Column("event_id", String(64), nullable=False),
        Column("key_date_id", String(64), nullable=False),
        Column("previous_at", UTCDateTime, nullable=False),
        Column("new_at", UTCDateTime, nullable=False),
        Column("new_as_written", Text, nullable=False),
        Column("recorded_at", UTCDateTime, nullable=False),
        Column("recorded_by", BigInteger),
        Index(None, "event_id", "key_date_id"),
    )
    Table(
        "audit",
        md,
        Column("id", IdType, primary_key=True, autoincrement=True),
        Column("at", UTCDateTime, nullable=False),
        Column("user_id", BigInteger),
        Column("action", String(64), nullable=False),
        Column("detail", Text, nullable=False),
        Column("outcome", String(32), nullable=False),
        Index(None, "at"),
    )
    Table(
        "kv",
        md,
        Column("key", String(128), primary_key=True),
        Column("value", Text, nullable=False),
        Column("updated_at", UTCDateTime, nullable=False),
    )
    Table(
        "broadcasts",
        md,
        Column("id", IdType, primary_key=True, autoincrement=True),
        Column("event_id", String(64), nullable=False),
        Column("kind", String(16), nullable=False),
        Column("ref", String(255), nullable=False),
        Column("created_at", UTCDateTime, nullable=False),
        Column("created_by", BigInteger),
        Column("status", String(16), nullable=False),
        Column("total", Integer, nullable=False),
        Column("report", Text),
        Column("finished_at", UTCDateTime),
        CheckConstraint(one_of("kind", ("reminder", "news", "extension")), name="kind"),
        CheckConstraint(
            one_of("status", ("pending", "running", "done", "cancelled")), name="status"
        ),
        UniqueConstraint("event_id", "kind", "ref"),
    )
    outbox_statuses = ("pending", "sending", "sent", "failed", "blocked", "cancelled", "skipped")
    Table(
        "outbox",
        md,
        Column("id", IdType, primary_key=True, autoincrement=True),
        Column("broadcast_id", IdType, ForeignKey("broadcasts.id"), nullable=False),
        Column("chat_id", BigInteger, nullable=False),
        Column("idempotency_key", String(255), nullable=False, unique=True),
        Column("payload", Text, nullable=False),
        Column("status", String(16), nullable=False),
        Column("attempts", Integer, nullable=False),
        Column("next_attempt_at", UTCDateTime, nullable=False),
        Column("claimed_at", UTCDateTime),
        Column("message_id", BigInteger),
        Column("last_error", Text),
        Column("created_at", UTCDateTime, nullable=False),
        Column("sent_at", UTCDateTime),
        CheckConstraint(one_of("status", outbox_statuses), name="status"),
        Index(None, "status", "next_attempt_at"),
    )
    return md


def _migration_1(conn: Connection) -> None:
    # checkfirst=False: tables without a schema_version row are not ours; fail loudly.
    _v1_metadata().create_all(conn, checkfirst=False)


# --- migration 2: chat language, and an index for broadcast progress ----------------


def _migration_2(conn: Connection) -> None:
    conn.exec_driver_sql("ALTER TABLE chats ADD COLUMN language_code VARCHAR(16)")
    conn.exec_driver_sql(
        "CREATE INDEX ix_outbox_broadcast_id_status ON outbox (broadcast_id, status)"
    )


# --- migration 3: series and editions ------------------------------------------------
#
# Subscriptions, muted dates and a chat's choice belong to a *series* from now on
# (``euromlsys``), so they carry over from one edition (``euromlsys2026``) to the next.
# Every edition the old release worked with is entered in ``editions`` (not announced:
# its followers subscribed to it), so only an edition loaded later is announced.

_V3_TRAILING_YEAR = re.compile(r"^(?P<series>[a-z0-9][a-z0-9_-]*?)[-_]?(?P<year>(?:19|20|21)\d\d)$")
_V3_KINDS_BEFORE = "('reminder', 'news', 'extension')"
_V3_KINDS_AFTER = "('reminder', 'news', 'extension', 'edition')"


def _v3_series(event_id: str) -> tuple[str, int | None]:
    """The series and year an edition id names (a frozen copy of the rule of the time)."""
    match = _V3_TRAILING_YEAR.match(event_id)
    return (match["series"], int(match["year"])) if match else (event_id, None)


def _v3_editions(conn: Connection) -> None:
    md = MetaData(naming_convention=NAMING)
    table = Table(
        "editions",
        md,
        Column("event_id", String(64), primary_key=True),
        Column("series_id", String(64), nullable=False),
        Column("year", Integer),
        Column("first_seen", UTCDateTime, nullable=False),
        Column("announced_at", UTCDateTime),
        Index(None, "series_id"),
    )
    table.create(conn, checkfirst=False)
    ids: set[str] = set()
    for name in ("subscriptions", "muted_key_dates", "news", "extensions", "broadcasts"):
        ids |= {str(v) for (v,) in conn.exec_driver_sql(f"SELECT DISTINCT event_id FROM {name}")}
    for (key,) in conn.execute(text("SELECT key FROM kv WHERE key LIKE 'keydate:%'")):
        ids.add(str(key).split(":")[1])
    now = _server_now(conn)
    for event_id in sorted(ids):
        series, year = _v3_series(event_id)
        conn.execute(
            insert(table).values(
                event_id=event_id, series_id=series, year=year, first_seen=now, announced_at=None
            )
        )


def _v3_subscriptions_by_series(conn: Connection) -> None:
    for name in ("subscriptions", "muted_key_dates"):
        conn.exec_driver_sql(f"ALTER TABLE {name} RENAME COLUMN event_id TO series_id")
    rows = conn.exec_driver_sql(
        "SELECT series_id, chat_id, subscribed_at, unsubscribed_at, reminders, active"
        " FROM subscriptions"
    ).all()
    winners: dict[tuple[str, int], tuple[Any, ...]] = {}
    for row in sorted(rows, key=lambda r: (bool(r[5]), str(r[2]))):
        # Per chat and series, the active and most recent subscription of its editions wins.
        winners[(_v3_series(row[0])[0], int(row[1]))] = tuple(row)
    moved = [row for row in rows if _v3_series(row[0])[0] != row[0]]
    if moved:
        conn.execute(
            text("DELETE FROM subscriptions WHERE series_id = :s AND chat_id = :c"),
            [{"s": r[0], "c": r[1]} for r in moved],
        )
        for (series, chat), won in winners.items():
            if won[0] == series:
                continue  # the series' own row won and is still there
            conn.execute(
                text("DELETE FROM subscriptions WHERE series_id = :s AND chat_id = :c"),
                {"s": series, "c": chat},
            )
            conn.execute(
                text(
                    "INSERT INTO subscriptions (series_id, chat_id, subscribed_at,"
                    " unsubscribed_at, reminders, active) VALUES (:s, :c, :sa, :ua, :r, :a)"
                ),
                {"s": series, "c": chat, "sa": won[2], "ua": won[3], "r": won[4], "a": won[5]},
            )
    mutes = conn.exec_driver_sql(
        "SELECT series_id, chat_id, key_date_id, muted_at FROM muted_key_dates"
    ).all()
    kept: dict[tuple[str, int, str], tuple[Any, ...]] = {}
    for row in sorted(mutes, key=lambda r: str(r[3]), reverse=True):
        kept[(_v3_series(row[0])[0], int(row[1]), str(row[2]))] = tuple(row)  # earliest wins
    if any(_v3_series(r[0])[0] != r[0] for r in mutes):
        conn.exec_driver_sql("DELETE FROM muted_key_dates")
        conn.execute(
            text(
                "INSERT INTO muted_key_dates (series_id, chat_id, key_date_id, muted_at)"
                " VALUES (:s, :c, :k, :m)"
            ),
            [{"s": s, "c": c, "k": k, "m": row[3]} for (s, c, k), row in kept.items()],
        )


def _v3_edition_broadcasts(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("ALTER TABLE broadcasts DROP CONSTRAINT ck_broadcasts_kind")
        conn.exec_driver_sql(
            "ALTER TABLE broadcasts ADD CONSTRAINT ck_broadcasts_kind"
            f" CHECK (kind IN {_V3_KINDS_AFTER})"
        )
        return
    # SQLite cannot alter a CHECK; widening one by editing the stored table definition is
    # the procedure SQLite documents for it (https://sqlite.org/lang_altertable.html §7),
    # inside this transaction, with the schema version bumped so every connection rereads.
    (sql,) = conn.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'broadcasts'"
    ).one()
    if _V3_KINDS_BEFORE not in sql:
        raise RuntimeError(f"unexpected broadcasts table definition: {sql}")
    (version,) = conn.exec_driver_sql("PRAGMA schema_version").one()
    conn.exec_driver_sql("PRAGMA writable_schema = ON")
    conn.execute(
        text("UPDATE sqlite_master SET sql = :sql WHERE type = 'table' AND name = 'broadcasts'"),
        {"sql": sql.replace(_V3_KINDS_BEFORE, _V3_KINDS_AFTER)},
    )
    conn.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1}")
    conn.exec_driver_sql("PRAGMA writable_schema = OFF")


def _migration_3(conn: Connection) -> None:
    _v3_editions(conn)
    _v3_subscriptions_by_series(conn)
    conn.exec_driver_sql("ALTER TABLE chats ADD COLUMN default_series VARCHAR(64)")
    _v3_edition_broadcasts(conn)


# --- migration 4: a broadcast's payload stored once, a due-order index, paid broadcasts ---

_V4_OUTBOX_COLUMNS = (
    "id, broadcast_id, chat_id, idempotency_key, payload, status, attempts, next_attempt_at,"
    " claimed_at, message_id, last_error, created_at, sent_at"
)


def _v4_metadata() -> MetaData:
    """The tables migration 4 creates (a frozen copy, do not edit)."""
    md = MetaData(naming_convention=NAMING)
    Table("broadcasts", md, Column("id", IdType, primary_key=True))
    Table(
        "broadcast_parts",
        md,
        Column("broadcast_id", IdType, ForeignKey("broadcasts.id"), primary_key=True),
        Column("part", Integer, primary_key=True, autoincrement=False),
        Column("payload", Text, nullable=False),
    )
    outbox_statuses = ("pending", "sending", "sent", "failed", "blocked", "cancelled", "skipped")
    Table(
        "outbox",
        md,
        Column("id", IdType, primary_key=True, autoincrement=True),
        Column("broadcast_id", IdType, ForeignKey("broadcasts.id"), nullable=False),
        Column("chat_id", BigInteger, nullable=False),
        Column("idempotency_key", String(255), nullable=False, unique=True),
        Column("payload", Text),
        Column("status", String(16), nullable=False),
        Column("attempts", Integer, nullable=False),
        Column("next_attempt_at", UTCDateTime, nullable=False),
        Column("claimed_at", UTCDateTime),
        Column("message_id", BigInteger),
        Column("last_error", Text),
        Column("created_at", UTCDateTime, nullable=False),
        Column("sent_at", UTCDateTime),
        CheckConstraint(one_of("status", outbox_statuses), name="status"),
        Index(None, "broadcast_id", "status"),
        Column("part", Integer, nullable=False, server_default="0"),
        Index(
            "ix_outbox_due",
            "next_attempt_at",
            "id",
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
    )
    return md


def _migration_4(conn: Connection) -> None:
    md = _v4_metadata()
    md.tables["broadcast_parts"].create(conn)
    conn.exec_driver_sql(
        "ALTER TABLE broadcasts ADD COLUMN paid BOOLEAN NOT NULL DEFAULT "
        + ("0" if conn.dialect.name == "sqlite" else "false")
    )
    conn.exec_driver_sql("DROP INDEX ix_outbox_status_next_attempt_at")
    outbox_v4 = md.tables["outbox"]
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("ALTER TABLE outbox ALTER COLUMN payload DROP NOT NULL")
        conn.exec_driver_sql("ALTER TABLE outbox ADD COLUMN part INTEGER NOT NULL DEFAULT 0")
        for index in outbox_v4.indexes:
            if index.name == "ix_outbox_due":
                index.create(conn)
        return
    # SQLite cannot drop a NOT NULL: rebuild the table, keeping every row (and its id).
    conn.exec_driver_sql("DROP INDEX ix_outbox_broadcast_id_status")
    conn.exec_driver_sql("ALTER TABLE outbox RENAME TO outbox_v3")
    outbox_v4.create(conn)
    conn.exec_driver_sql(
        f"INSERT INTO outbox ({_V4_OUTBOX_COLUMNS}) SELECT {_V4_OUTBOX_COLUMNS} FROM outbox_v3"
    )
    conn.exec_driver_sql("DROP TABLE outbox_v3")


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "chats, subscriptions, news, extensions, audit, kv, outbox", _migration_1),
    Migration(2, "chats.language_code; outbox (broadcast_id, status) index", _migration_2),
    Migration(3, "series: subscriptions by series, editions, chats.default_series", _migration_3),
    Migration(
        4,
        "broadcast payload stored once (broadcast_parts, outbox.part); outbox due index; paid",
        _migration_4,
    ),
)

LATEST_VERSION = MIGRATIONS[-1].version


def _check_sequence(steps: tuple[Migration, ...]) -> None:
    expected = list(range(1, len(steps) + 1))
    if [m.version for m in steps] != expected:
        raise RuntimeError(f"migration versions must be 1..{len(steps)} in order")


_check_sequence(MIGRATIONS)


def _read_version(conn: Connection) -> int:
    value = conn.execute(select(func.max(_schema_version.c.version))).scalar_one()
    return int(value or 0)


async def current_version(engine: AsyncEngine) -> int:
    """Return the schema version of the database (0 when it has never been migrated)."""
    async with engine.connect() as conn:
        exists = await conn.run_sync(
            lambda sync: sync.dialect.has_table(sync, _schema_version.name)
        )
        if not exists:
            return 0
        return await conn.run_sync(_read_version)


async def migrate(
    engine: AsyncEngine,
    clock: Clock | None = None,
    *,
    target: int | None = None,
) -> MigrationReport:
    """Upgrade the database to ``target`` (default: the newest version).

    Runs every pending step and records it in ``schema_version``, all in one
    transaction under a lock; a second process waits, then finds nothing to do.
    ``applied_at`` comes from ``clock``, or from the database server without one.
    Raises :class:`SchemaTooNewError` when the database is ahead of this code.
    """
    goal = LATEST_VERSION if target is None else target
    if not 0 <= goal <= LATEST_VERSION:
        raise ValueError(f"target version {goal} is not in 0..{LATEST_VERSION}")
    applied_at = clock.now() if clock is not None else None

    def run(conn: Connection) -> MigrationReport:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
        _schema_version.create(conn, checkfirst=True)
        start = _read_version(conn)
        if start > LATEST_VERSION:
            raise SchemaTooNewError(
                f"database schema is at version {start}, this code knows up to "
                f"{LATEST_VERSION}; upgrade the bot"
            )
        done: list[int] = []
        for step in MIGRATIONS:
            if start < step.version <= goal:
                step.apply(conn)
                conn.execute(
                    insert(_schema_version).values(
                        version=step.version,
                        description=step.description,
                        applied_at=(applied_at if applied_at is not None else _server_now(conn)),
                    )
                )
                done.append(step.version)
        return MigrationReport(start, max(start, goal), tuple(done))

    async with writer(engine).begin() as conn:
        return await conn.run_sync(run)


def _server_now(conn: Connection) -> dt.datetime:
    value = conn.execute(select(func.current_timestamp())).scalar_one()
    if isinstance(value, str):  # SQLite answers with UTC text
        value = dt.datetime.fromisoformat(value)
    if not isinstance(value, dt.datetime):
        raise TypeError(f"unexpected CURRENT_TIMESTAMP value {value!r}")
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value
