"""Is the database there? One trivial question, for ``/healthz``."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine


async def ping(engine: AsyncEngine) -> None:
    """Ask ``SELECT 1`` on a fresh connection; raise whatever the driver raises when it cannot."""
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
