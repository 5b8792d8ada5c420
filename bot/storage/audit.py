"""The audit log: what organizers (and the system) did, and how it went."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.clock import Clock
from bot.storage._sql import dump_json, instant, opt_int
from bot.storage.models import AuditEntry
from bot.storage.schema import audit
from bot.storage.unit import Connections


def audit_from_row(row: RowMapping) -> AuditEntry:
    """Build an :class:`AuditEntry` from an ``audit`` row."""
    return AuditEntry(
        id=int(row["id"]),
        at=instant(row["at"]),
        user_id=opt_int(row["user_id"]),
        action=str(row["action"]),
        detail=str(row["detail"]),
        outcome=str(row["outcome"]),
    )


class AuditRepository:
    """Appends to and reads ``audit``."""

    def __init__(self, engine: AsyncEngine, clock: Clock) -> None:
        self._engine = engine
        self._conns = Connections(engine)
        self._clock = clock

    async def record(
        self,
        user_id: int | None,
        action: str,
        detail: str | Mapping[str, Any] = "",
        outcome: str = "ok",
    ) -> AuditEntry:
        """Append an entry; a mapping ``detail`` is stored as JSON. Never log secrets."""
        text = detail if isinstance(detail, str) else dump_json(detail)
        stmt = (
            insert(audit)
            .values(
                at=self._clock.now(), user_id=user_id, action=action, detail=text, outcome=outcome
            )
            .returning(*audit.c)
        )
        async with self._conns.write() as conn:
            row = (await conn.execute(stmt)).mappings().one()
        return audit_from_row(row)

    async def latest(
        self, limit: int = 20, *, user_id: int | None = None, action: str | None = None
    ) -> list[AuditEntry]:
        """Return the newest entries first, optionally of one user or one action."""
        stmt = select(audit)
        if user_id is not None:
            stmt = stmt.where(audit.c.user_id == user_id)
        if action is not None:
            stmt = stmt.where(audit.c.action == action)
        stmt = stmt.order_by(audit.c.at.desc(), audit.c.id.desc()).limit(limit)
        async with self._conns.read() as conn:
            rows = (await conn.execute(stmt)).mappings().all()
        return [audit_from_row(r) for r in rows]
