"""The unit of work: one connection and one transaction for a whole use case.

    async with db.unit_of_work() as uow:
        item = await db.news.add_news(...)        # these repository calls all run on
        await db.audit.record(...)                # the unit's connection, in its transaction
        uow.after_commit(engine.wake)             # in-memory effects wait for the commit
    # committed here; rolled back (and nothing run after commit) if the block raised

Repositories find the open unit through a context variable, so a use case is made atomic
without passing connections around; only the task that opened the unit joins it (a task
started inside inherits the variable but not the unit). Outside a unit a repository call
is one short transaction of its own, as before. A unit opened inside another joins it
as a savepoint: the inner block is all-or-nothing, the outer commits.

The transaction takes the write lock at ``BEGIN`` (``BEGIN IMMEDIATE`` on SQLite), so a
use case that reads and then writes never fails half-way with "database is locked"; so
do not wait inside a unit for another task that writes (on SQLite it would wait for the
lock the unit holds). A repository call that raised inside a unit may have written part
of its work: let the exception leave the block.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager, nullcontext
from contextvars import ContextVar, Token
from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncTransaction

from bot.storage.engine import writer

log = logging.getLogger(__name__)

Hook = Callable[[], object]
"""Something to run once the unit's fate is known: in memory, quick, no database access.

A hook that raises is logged and the others still run; the caller sees the use case's
outcome, not the hook's.
"""

_current: ContextVar[UnitOfWork | None] = ContextVar("deadline_bot_unit_of_work", default=None)


class UnitOfWork:
    """An open transaction that repositories join; see the module docstring."""

    def __init__(
        self, engine: AsyncEngine, connection: AsyncConnection, parent: UnitOfWork | None
    ) -> None:
        self.engine = engine
        self.connection = connection
        self.task = asyncio.current_task()
        self._parent = parent
        self._on_commit: list[Hook] = []
        self._on_rollback: list[Hook] = []

    def after_commit(self, hook: Hook) -> None:
        """Run ``hook`` once the outermost transaction has committed (never on rollback)."""
        self._on_commit.append(hook)

    def after_rollback(self, hook: Hook) -> None:
        """Run ``hook`` if this unit's writes are undone (e.g. to restore in-memory state)."""
        self._on_rollback.append(hook)

    def _settled(self, committed: bool) -> None:
        """Hand the hooks to the enclosing unit, or run them (a nested unit's own rollback)."""
        if committed and self._parent is not None:
            self._parent._on_commit += self._on_commit
            self._parent._on_rollback += self._on_rollback
            return
        for hook in self._on_commit if committed else reversed(self._on_rollback):
            try:
                hook()
            except Exception:  # the data's fate is sealed: report, and run the other hooks
                log.exception("a hook after %s failed", "commit" if committed else "rollback")


def current(engine: AsyncEngine) -> UnitOfWork | None:
    """The unit of work open on ``engine`` in this task, if any."""
    unit = _current.get()
    if unit is None or unit.engine is not engine or unit.task is not asyncio.current_task():
        return None
    return unit


class unit_of_work:
    """Open a unit of work on ``engine`` (or join the one open in this task)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._unit: UnitOfWork | None = None
        self._connection: AsyncConnection | None = None
        self._transaction: AsyncTransaction | None = None
        self._token: Token[UnitOfWork | None] | None = None

    async def __aenter__(self) -> UnitOfWork:
        parent = current(self._engine)
        if parent is None:
            conn = await writer(self._engine).connect()
            try:
                self._transaction = await conn.begin()
            except BaseException:
                await conn.close()
                raise
            self._connection = conn
        else:
            conn = parent.connection
            self._transaction = await conn.begin_nested()
        self._unit = UnitOfWork(self._engine, conn, parent)
        self._token = _current.set(self._unit)
        return self._unit

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._unit is not None and self._transaction is not None
        assert self._token is not None
        _current.reset(self._token)
        committed = False
        try:
            if exc_type is None:
                await self._transaction.commit()
                committed = True
            else:
                try:
                    await self._transaction.rollback()
                except Exception as failure:  # the connection died: nothing was committed
                    log.warning("rolling back a unit of work failed: %s", failure)
        finally:
            if self._connection is not None:
                await self._connection.close()
            self._unit._settled(committed)


class Connections:
    """How a repository reaches the database: the open unit's connection, else its own.

    The unit's connection comes in a ``nullcontext``: joining neither commits nor closes.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._writer = writer(engine)

    def read(self) -> AbstractAsyncContextManager[AsyncConnection]:
        """A connection to read on (``async with``): the unit's, else a pooled one."""
        unit = current(self.engine)
        return nullcontext(unit.connection) if unit is not None else self.engine.connect()

    def write(self) -> AbstractAsyncContextManager[AsyncConnection]:
        """A connection in a write transaction (``async with``): the unit's, else a new one."""
        unit = current(self.engine)
        return nullcontext(unit.connection) if unit is not None else self._writer.begin()
