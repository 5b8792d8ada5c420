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
from collections.abc import Callable
from dataclasses import dataclass

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


# --- migration 3: a broadcast's payload stored once, a due-order index, paid broadcasts ---

_V3_OUTBOX_COLUMNS = (
    "id, broadcast_id, chat_id, idempotency_key, payload, status, attempts, next_attempt_at,"
    " claimed_at, message_id, last_error, created_at, sent_at"
)


def _v3_metadata() -> MetaData:
    """The tables migration 3 creates (a frozen copy, do not edit)."""
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


def _migration_3(conn: Connection) -> None:
    md = _v3_metadata()
    md.tables["broadcast_parts"].create(conn)
    conn.exec_driver_sql(
        "ALTER TABLE broadcasts ADD COLUMN paid BOOLEAN NOT NULL DEFAULT "
        + ("0" if conn.dialect.name == "sqlite" else "false")
    )
    conn.exec_driver_sql("DROP INDEX ix_outbox_status_next_attempt_at")
    outbox_v3 = md.tables["outbox"]
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("ALTER TABLE outbox ALTER COLUMN payload DROP NOT NULL")
        conn.exec_driver_sql("ALTER TABLE outbox ADD COLUMN part INTEGER NOT NULL DEFAULT 0")
        for index in outbox_v3.indexes:
            if index.name == "ix_outbox_due":
                index.create(conn)
        return
    # SQLite cannot drop a NOT NULL: rebuild the table, keeping every row (and its id).
    conn.exec_driver_sql("DROP INDEX ix_outbox_broadcast_id_status")
    conn.exec_driver_sql("ALTER TABLE outbox RENAME TO outbox_v2")
    outbox_v3.create(conn)
    conn.exec_driver_sql(
        f"INSERT INTO outbox ({_V3_OUTBOX_COLUMNS}) SELECT {_V3_OUTBOX_COLUMNS} FROM outbox_v2"
    )
    conn.exec_driver_sql("DROP TABLE outbox_v2")


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "chats, subscriptions, news, extensions, audit, kv, outbox", _migration_1),
    Migration(2, "chats.language_code; outbox (broadcast_id, status) index", _migration_2),
    Migration(
        3,
        "broadcast payload stored once (broadcast_parts, outbox.part); outbox due index; paid",
        _migration_3,
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
