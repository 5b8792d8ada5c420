"""A broadcast's payload stored once, a due-order index, paid broadcasts.

Revision ID: 0004
Revises: 0003

The hand-written runner's migration 4 (frozen history): ``broadcast_parts`` holds what
every recipient of a broadcast gets (``outbox.payload`` becomes optional, ``outbox.part``
points into it); the partial index ``ix_outbox_due`` (pending rows in due order) replaces
the ``(status, next_attempt_at)`` one; ``broadcasts.paid``.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bot.storage import types

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_OUTBOX_STATUSES = "('pending', 'sending', 'sent', 'failed', 'blocked', 'cancelled', 'skipped')"
_OUTBOX_COLUMNS = (
    "id, broadcast_id, chat_id, idempotency_key, payload, status, attempts, next_attempt_at,"
    " claimed_at, message_id, last_error, created_at, sent_at"
)
_PENDING = sa.text("status = 'pending'")


def upgrade() -> None:
    """Add ``broadcast_parts``, ``broadcasts.paid``, ``outbox.part``; swap the due index."""
    conn = op.get_bind()
    op.create_table(
        "broadcast_parts",
        sa.Column("broadcast_id", _ID, nullable=False),
        sa.Column("part", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["broadcast_id"],
            ["broadcasts.id"],
            name=op.f("fk_broadcast_parts_broadcast_id_broadcasts"),
        ),
        sa.PrimaryKeyConstraint("broadcast_id", "part", name=op.f("pk_broadcast_parts")),
    )
    # Spelled out as the runner wrote it (op.add_column puts DEFAULT before NOT NULL).
    false = "0" if conn.dialect.name == "sqlite" else "false"
    op.execute(f"ALTER TABLE broadcasts ADD COLUMN paid BOOLEAN NOT NULL DEFAULT {false}")
    op.drop_index("ix_outbox_status_next_attempt_at", table_name="outbox")
    if conn.dialect.name == "postgresql":
        op.alter_column("outbox", "payload", existing_type=sa.Text(), nullable=True)
        op.execute("ALTER TABLE outbox ADD COLUMN part INTEGER NOT NULL DEFAULT 0")
        op.create_index(
            "ix_outbox_due", "outbox", ["next_attempt_at", "id"], postgresql_where=_PENDING
        )
        return
    # SQLite cannot drop a NOT NULL: rebuild the table, keeping every row (and its id). The
    # outbox is referred to by no other table, so dropping it is safe with foreign keys on.
    op.drop_index("ix_outbox_broadcast_id_status", table_name="outbox")
    op.rename_table("outbox", "outbox_v3")
    op.create_table(
        "outbox",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("broadcast_id", _ID, nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("idempotency_key", sa.String(255), nullable=False),
        sa.Column("payload", sa.Text()),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", types.UTCDateTime(), nullable=False),
        sa.Column("claimed_at", types.UTCDateTime()),
        sa.Column("message_id", sa.BigInteger()),
        sa.Column("last_error", sa.Text()),
        sa.Column("created_at", types.UTCDateTime(), nullable=False),
        sa.Column("sent_at", types.UTCDateTime()),
        sa.Column("part", sa.Integer(), nullable=False, server_default="0"),
        sa.CheckConstraint(f"status IN {_OUTBOX_STATUSES}", name=op.f("ck_outbox_status")),
        sa.ForeignKeyConstraint(
            ["broadcast_id"], ["broadcasts.id"], name=op.f("fk_outbox_broadcast_id_broadcasts")
        ),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_outbox_idempotency_key")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
    )
    op.create_index(op.f("ix_outbox_broadcast_id_status"), "outbox", ["broadcast_id", "status"])
    op.create_index("ix_outbox_due", "outbox", ["next_attempt_at", "id"], sqlite_where=_PENDING)
    op.execute(f"INSERT INTO outbox ({_OUTBOX_COLUMNS}) SELECT {_OUTBOX_COLUMNS} FROM outbox_v3")
    op.drop_table("outbox_v3")


def downgrade() -> None:
    """Migrations go forward only: restore a backup to go back."""
    raise NotImplementedError("the schema is never downgraded; restore a backup")
