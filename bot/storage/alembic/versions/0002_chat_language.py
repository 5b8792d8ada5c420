"""Chat language, and an index for broadcast progress.

Revision ID: 0002
Revises: 0001

The hand-written runner's migration 2 (frozen history).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add ``chats.language_code`` and the ``outbox (broadcast_id, status)`` index."""
    op.add_column("chats", sa.Column("language_code", sa.String(16)))
    op.create_index("ix_outbox_broadcast_id_status", "outbox", ["broadcast_id", "status"])


def downgrade() -> None:
    """Migrations go forward only: restore a backup to go back."""
    raise NotImplementedError("the schema is never downgraded; restore a backup")
