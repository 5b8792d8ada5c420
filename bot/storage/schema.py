"""The current schema, as SQLAlchemy Core tables: what the repositories query.

This describes the database *after* every Alembic revision (``bot/storage/alembic/
versions``) has run; the revisions (not ``metadata.create_all``) build it, and a test
compares a migrated database with these tables (Alembic's ``compare_metadata``). Change
the schema here *and* add a revision (``python -m bot.storage.revision``).

Conventions: instants are :class:`UTCDateTime` (aware UTC); Telegram chat and user
ids are ``BIGINT``; what people choose (subscriptions, muted dates, a chat's default)
belongs to a *series* (``series_id``: ``euromlsys``), so it carries over from one
edition to the next; what happens to one edition (news, extensions, broadcasts)
carries its ``event_id`` (``euromlsys2026``); one database serves several series;
closed sets of values are ``CHECK``-ed; nothing a user did is deleted
(unsubscribing flips ``active``).
"""

from __future__ import annotations

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
    false,
    text,
)

from bot.domain.outbox_keys import BROADCAST_KINDS as BROADCAST_KINDS
from bot.domain.reminding import REMINDER_MODES
from bot.storage.types import IdType, UTCDateTime

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

CHAT_TYPES = ("private", "group", "supergroup", "channel")
NEWS_SOURCES = ("config", "admin")
BROADCAST_STATUSES = ("pending", "running", "done", "cancelled")
OUTBOX_STATUSES = ("pending", "sending", "sent", "failed", "blocked", "cancelled", "skipped")


def one_of(column: str, values: tuple[str, ...]) -> str:
    """Return the SQL of a ``CHECK`` that ``column`` holds one of ``values``."""
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


metadata = MetaData(naming_convention=NAMING)

chats = Table(
    "chats",
    metadata,
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
    # Added by revision 0002.
    Column("language_code", String(16)),
    # Added by revision 0003: the series the chat chose to talk about (when it follows several).
    Column("default_series", String(64)),
)

subscriptions = Table(
    "subscriptions",
    metadata,
    # Renamed from event_id by revision 0003.
    Column("series_id", String(64), primary_key=True),
    Column("chat_id", BigInteger, ForeignKey("chats.chat_id"), primary_key=True),
    Column("subscribed_at", UTCDateTime, nullable=False),
    Column("unsubscribed_at", UTCDateTime),
    Column("reminders", String(16), nullable=False),
    Column("active", Boolean, nullable=False),
    CheckConstraint(one_of("reminders", REMINDER_MODES), name="reminders"),
)

muted_key_dates = Table(
    "muted_key_dates",
    metadata,
    # Renamed from event_id by revision 0003.
    Column("series_id", String(64), primary_key=True),
    Column("chat_id", BigInteger, ForeignKey("chats.chat_id"), primary_key=True),
    Column("key_date_id", String(64), primary_key=True),
    Column("muted_at", UTCDateTime, nullable=False),
)

editions = Table(
    # Added by revision 0003: every edition the bot has loaded, so a new one is told once.
    "editions",
    metadata,
    Column("event_id", String(64), primary_key=True),
    Column("series_id", String(64), nullable=False),
    Column("year", Integer),
    Column("first_seen", UTCDateTime, nullable=False),
    Column("announced_at", UTCDateTime),
    Index(None, "series_id"),
)

news = Table(
    "news",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("event_id", String(64), nullable=False),
    Column("html", Text, nullable=False),
    Column("posted_at", UTCDateTime, nullable=False),
    Column("posted_by", BigInteger),
    Column("source", String(16), nullable=False),
    Column("source_key", String(128)),
    CheckConstraint(one_of("source", NEWS_SOURCES), name="source"),
    UniqueConstraint("event_id", "source_key"),
    Index(None, "event_id", "posted_at"),
)

extensions = Table(
    "extensions",
    metadata,
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

audit = Table(
    "audit",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime, nullable=False),
    Column("user_id", BigInteger),
    Column("action", String(64), nullable=False),
    Column("detail", Text, nullable=False),
    Column("outcome", String(32), nullable=False),
    Index(None, "at"),
)

kv = Table(
    "kv",
    metadata,
    Column("key", String(128), primary_key=True),
    Column("value", Text, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

broadcasts = Table(
    "broadcasts",
    metadata,
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
    CheckConstraint(one_of("kind", BROADCAST_KINDS), name="kind"),
    CheckConstraint(one_of("status", BROADCAST_STATUSES), name="status"),
    UniqueConstraint("event_id", "kind", "ref"),
    # Added by revision 0004.
    Column("paid", Boolean, nullable=False, server_default=false()),
)

#: What a broadcast sends, stored once (revision 0004): part ``n`` of every recipient's message.
broadcast_parts = Table(
    "broadcast_parts",
    metadata,
    Column("broadcast_id", IdType, ForeignKey("broadcasts.id"), primary_key=True),
    Column("part", Integer, primary_key=True, autoincrement=False),
    Column("payload", Text, nullable=False),
)

#: Rows the delivery engine may claim next: pending ones, in due order (a partial index,
#: so its size is the backlog, not the history; queries must say ``status = 'pending'``
#: as a literal for SQLite and PostgreSQL to use it).
OUTBOX_DUE_INDEX = "ix_outbox_due"

outbox = Table(
    "outbox",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("broadcast_id", IdType, ForeignKey("broadcasts.id"), nullable=False),
    Column("chat_id", BigInteger, nullable=False),
    Column("idempotency_key", String(255), nullable=False, unique=True),
    # The row's own payload; NULL (revision 0004): part ``part`` of its broadcast's.
    Column("payload", Text),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("claimed_at", UTCDateTime),
    Column("message_id", BigInteger),
    Column("last_error", Text),
    Column("created_at", UTCDateTime, nullable=False),
    Column("sent_at", UTCDateTime),
    CheckConstraint(one_of("status", OUTBOX_STATUSES), name="status"),
    # Added by revision 0002.
    Index(None, "broadcast_id", "status"),
    # Added by revision 0004 (which dropped the (status, next_attempt_at) index).
    Column("part", Integer, nullable=False, server_default="0"),
    Index(
        OUTBOX_DUE_INDEX,
        "next_attempt_at",
        "id",
        sqlite_where=text("status = 'pending'"),
        postgresql_where=text("status = 'pending'"),
    ),
)
