"""Series and editions: subscriptions by series, ``editions``, ``chats.default_series``.

Revision ID: 0003
Revises: 0002

The hand-written runner's migration 3 (frozen history). Subscriptions, muted dates and
a chat's choice belong to a *series* from now on (``euromlsys``), so they carry over
from one edition (``euromlsys2026``) to the next. Every edition the old release worked
with is entered in ``editions`` (not announced: its followers subscribed to it), so
only an edition loaded later is announced.
"""

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.engine import Connection

from bot.storage import types

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TRAILING_YEAR = re.compile(r"^(?P<series>[a-z0-9][a-z0-9_-]*?)[-_]?(?P<year>(?:19|20|21)\d\d)$")
_KINDS_BEFORE = "('reminder', 'news', 'extension')"
_KINDS_AFTER = "('reminder', 'news', 'extension', 'edition')"


def upgrade() -> None:
    """Move what people chose to the series; record the editions; widen the kinds."""
    conn = op.get_bind()
    _editions(conn)
    _subscriptions_by_series(conn)
    op.add_column("chats", sa.Column("default_series", sa.String(64)))
    _edition_broadcasts(conn)


def downgrade() -> None:
    """Migrations go forward only: restore a backup to go back."""
    raise NotImplementedError("the schema is never downgraded; restore a backup")


def _series(event_id: str) -> tuple[str, int | None]:
    """The series and year an edition id names (a frozen copy of the rule of the time)."""
    match = _TRAILING_YEAR.match(event_id)
    return (match["series"], int(match["year"])) if match else (event_id, None)


def _editions(conn: Connection) -> None:
    table = op.create_table(
        "editions",
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("series_id", sa.String(64), nullable=False),
        sa.Column("year", sa.Integer()),
        sa.Column("first_seen", types.UTCDateTime(), nullable=False),
        sa.Column("announced_at", types.UTCDateTime()),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_editions")),
    )
    op.create_index(op.f("ix_editions_series_id"), "editions", ["series_id"])
    ids: set[str] = set()
    for name in ("subscriptions", "muted_key_dates", "news", "extensions", "broadcasts"):
        ids |= {str(v) for (v,) in conn.exec_driver_sql(f"SELECT DISTINCT event_id FROM {name}")}
    for (key,) in conn.execute(sa.text("SELECT key FROM kv WHERE key LIKE 'keydate:%'")):
        ids.add(str(key).split(":")[1])
    now = _server_now(conn)
    for event_id in sorted(ids):
        series, year = _series(event_id)
        conn.execute(
            sa.insert(table).values(
                event_id=event_id, series_id=series, year=year, first_seen=now, announced_at=None
            )
        )


def _subscriptions_by_series(conn: Connection) -> None:
    for name in ("subscriptions", "muted_key_dates"):
        conn.exec_driver_sql(f"ALTER TABLE {name} RENAME COLUMN event_id TO series_id")
    rows = conn.exec_driver_sql(
        "SELECT series_id, chat_id, subscribed_at, unsubscribed_at, reminders, active"
        " FROM subscriptions"
    ).all()
    winners: dict[tuple[str, int], tuple[Any, ...]] = {}
    for row in sorted(rows, key=lambda r: (bool(r[5]), str(r[2]))):
        # Per chat and series, the active and most recent subscription of its editions wins.
        winners[(_series(row[0])[0], int(row[1]))] = tuple(row)
    moved = [row for row in rows if _series(row[0])[0] != row[0]]
    if moved:
        conn.execute(
            sa.text("DELETE FROM subscriptions WHERE series_id = :s AND chat_id = :c"),
            [{"s": r[0], "c": r[1]} for r in moved],
        )
        for (series, chat), won in winners.items():
            if won[0] == series:
                continue  # the series' own row won and is still there
            conn.execute(
                sa.text("DELETE FROM subscriptions WHERE series_id = :s AND chat_id = :c"),
                {"s": series, "c": chat},
            )
            conn.execute(
                sa.text(
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
        kept[(_series(row[0])[0], int(row[1]), str(row[2]))] = tuple(row)  # earliest wins
    if any(_series(r[0])[0] != r[0] for r in mutes):
        conn.exec_driver_sql("DELETE FROM muted_key_dates")
        conn.execute(
            sa.text(
                "INSERT INTO muted_key_dates (series_id, chat_id, key_date_id, muted_at)"
                " VALUES (:s, :c, :k, :m)"
            ),
            [{"s": s, "c": c, "k": k, "m": row[3]} for (s, c, k), row in kept.items()],
        )


def _edition_broadcasts(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        op.drop_constraint(op.f("ck_broadcasts_kind"), "broadcasts", type_="check")
        op.create_check_constraint(
            op.f("ck_broadcasts_kind"), "broadcasts", sa.text(f"kind IN {_KINDS_AFTER}")
        )
        return
    # SQLite cannot alter a CHECK, and a batch rebuild would drop ``broadcasts`` while the
    # outbox refers to it (foreign keys are on, and cannot be turned off inside the
    # migration's transaction). Widening the CHECK by editing the stored table definition
    # is the procedure SQLite documents for this (https://sqlite.org/lang_altertable.html
    # §7), with the schema version bumped so every connection rereads it.
    (sql,) = conn.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'broadcasts'"
    ).one()
    if _KINDS_BEFORE not in sql:
        raise RuntimeError(f"unexpected broadcasts table definition: {sql}")
    (version,) = conn.exec_driver_sql("PRAGMA schema_version").one()
    conn.exec_driver_sql("PRAGMA writable_schema = ON")
    conn.execute(
        sa.text("UPDATE sqlite_master SET sql = :sql WHERE type = 'table' AND name = 'broadcasts'"),
        {"sql": sql.replace(_KINDS_BEFORE, _KINDS_AFTER)},
    )
    conn.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1}")
    conn.exec_driver_sql("PRAGMA writable_schema = OFF")


def _server_now(conn: Connection) -> dt.datetime:
    value = conn.execute(sa.select(sa.func.current_timestamp())).scalar_one()
    if isinstance(value, str):  # SQLite answers with UTC text
        value = dt.datetime.fromisoformat(value)
    if not isinstance(value, dt.datetime):
        raise TypeError(f"unexpected CURRENT_TIMESTAMP value {value!r}")
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value
