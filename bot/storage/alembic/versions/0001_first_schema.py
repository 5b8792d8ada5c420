"""Chats, subscriptions, news, extensions, audit, kv, broadcasts and the outbox.

Revision ID: 0001
Revises:

The first schema, as the hand-written runner's migration 1 created it (frozen history:
never edit a released revision; add one). Every name is spelled out with ``op.f`` so
that the naming convention of today's metadata cannot change what this creates.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bot.storage import types

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_OUTBOX_STATUSES = "('pending', 'sending', 'sent', 'failed', 'blocked', 'cancelled', 'skipped')"


def upgrade() -> None:
    """Create the first schema's tables (fails if any exists: it is not ours then)."""
    op.create_table(
        "chats",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("title", sa.Text()),
        sa.Column("username", sa.String(64)),
        sa.Column("first_name", sa.Text()),
        sa.Column("timezone", sa.String(64)),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("inactive_reason", sa.String(32)),
        sa.Column("first_seen", types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", types.UTCDateTime(), nullable=False),
        sa.Column("migrated_to", sa.BigInteger()),
        sa.PrimaryKeyConstraint("chat_id", name=op.f("pk_chats")),
    )
    op.create_table(
        "subscriptions",
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("subscribed_at", types.UTCDateTime(), nullable=False),
        sa.Column("unsubscribed_at", types.UTCDateTime()),
        sa.Column("reminders", sa.String(16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "reminders IN ('all', 'deadlines', 'off')", name=op.f("ck_subscriptions_reminders")
        ),
        sa.ForeignKeyConstraint(
            ["chat_id"], ["chats.chat_id"], name=op.f("fk_subscriptions_chat_id_chats")
        ),
        sa.PrimaryKeyConstraint("event_id", "chat_id", name=op.f("pk_subscriptions")),
    )
    op.create_table(
        "muted_key_dates",
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("key_date_id", sa.String(64), nullable=False),
        sa.Column("muted_at", types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["chat_id"], ["chats.chat_id"], name=op.f("fk_muted_key_dates_chat_id_chats")
        ),
        sa.PrimaryKeyConstraint(
            "event_id", "chat_id", "key_date_id", name=op.f("pk_muted_key_dates")
        ),
    )
    op.create_table(
        "news",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("html", sa.Text(), nullable=False),
        sa.Column("posted_at", types.UTCDateTime(), nullable=False),
        sa.Column("posted_by", sa.BigInteger()),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("source_key", sa.String(128)),
        sa.CheckConstraint("source IN ('config', 'admin')", name=op.f("ck_news_source")),
        sa.UniqueConstraint("event_id", "source_key", name=op.f("uq_news_event_id_source_key")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_news")),
    )
    op.create_index(op.f("ix_news_event_id_posted_at"), "news", ["event_id", "posted_at"])
    op.create_table(
        "extensions",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("key_date_id", sa.String(64), nullable=False),
        sa.Column("previous_at", types.UTCDateTime(), nullable=False),
        sa.Column("new_at", types.UTCDateTime(), nullable=False),
        sa.Column("new_as_written", sa.Text(), nullable=False),
        sa.Column("recorded_at", types.UTCDateTime(), nullable=False),
        sa.Column("recorded_by", sa.BigInteger()),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_extensions")),
    )
    op.create_index(
        op.f("ix_extensions_event_id_key_date_id"), "extensions", ["event_id", "key_date_id"]
    )
    op.create_table(
        "audit",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("at", types.UTCDateTime(), nullable=False),
        sa.Column("user_id", sa.BigInteger()),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit")),
    )
    op.create_index(op.f("ix_audit_at"), "audit", ["at"])
    op.create_table(
        "kv",
        sa.Column("key", sa.String(128), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_kv")),
    )
    op.create_table(
        "broadcasts",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("ref", sa.String(255), nullable=False),
        sa.Column("created_at", types.UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.BigInteger()),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("report", sa.Text()),
        sa.Column("finished_at", types.UTCDateTime()),
        sa.CheckConstraint(
            "kind IN ('reminder', 'news', 'extension')", name=op.f("ck_broadcasts_kind")
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'running', 'done', 'cancelled')",
            name=op.f("ck_broadcasts_status"),
        ),
        sa.UniqueConstraint(
            "event_id", "kind", "ref", name=op.f("uq_broadcasts_event_id_kind_ref")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_broadcasts")),
    )
    op.create_table(
        "outbox",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("broadcast_id", _ID, nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("idempotency_key", sa.String(255), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", types.UTCDateTime(), nullable=False),
        sa.Column("claimed_at", types.UTCDateTime()),
        sa.Column("message_id", sa.BigInteger()),
        sa.Column("last_error", sa.Text()),
        sa.Column("created_at", types.UTCDateTime(), nullable=False),
        sa.Column("sent_at", types.UTCDateTime()),
        sa.CheckConstraint(f"status IN {_OUTBOX_STATUSES}", name=op.f("ck_outbox_status")),
        sa.ForeignKeyConstraint(
            ["broadcast_id"], ["broadcasts.id"], name=op.f("fk_outbox_broadcast_id_broadcasts")
        ),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_outbox_idempotency_key")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
    )
    op.create_index(
        op.f("ix_outbox_status_next_attempt_at"), "outbox", ["status", "next_attempt_at"]
    )


def downgrade() -> None:
    """Migrations go forward only: restore a backup to go back."""
    raise NotImplementedError("the schema is never downgraded; restore a backup")
