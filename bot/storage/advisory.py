"""A PostgreSQL session-level advisory lock on a dedicated connection: every SQL it takes.

The lock (``pg_try_advisory_lock(key)``) belongs to the session, so it lives exactly as
long as this module's own psycopg connection (autocommit, TCP keepalives on). The policy
around it (when to take it, watch it, give it up or take it back) is
:mod:`bot.deploy.lock`'s; this module only talks to the server.

Cancellation: every step runs in a child task behind :func:`asyncio.timeout`; a cancelled
or timed-out step closes the connection at once (psycopg would otherwise spend up to 10 s
cancelling the query on a server that does not answer) and ``CancelledError`` always
propagates, never turned into :class:`AdvisoryLockError`.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy.engine import make_url

from bot.storage.urls import redact_url

T = TypeVar("T")

#: PostgreSQL keeps the first 63 bytes of an ``application_name`` (NAMEDATALEN - 1).
APPLICATION_NAME_LIMIT = 63


class AdvisoryLockError(RuntimeError):
    """The server could not be reached, or a lock statement failed (message has no password)."""


@dataclass(frozen=True)
class LockHolder:
    """The session holding an advisory lock, as ``pg_stat_activity`` shows it."""

    application_name: str | None
    client_addr: str | None
    backend_start: dt.datetime | None
    pid: int


def split_key(key: int) -> tuple[int, int]:
    """Return the (classid, objid) pair that ``pg_locks`` shows for a bigint key."""
    unsigned = key & 0xFFFFFFFFFFFFFFFF
    return unsigned >> 32, unsigned & 0xFFFFFFFF


class AdvisorySession:
    """One advisory lock ``key`` over ``url``, on a connection of its own.

    ``app_name`` names the session in ``pg_stat_activity`` (cut to what the server keeps,
    so :attr:`app_name` compares equal to what :meth:`holder` reads back). Each step may
    take ``timeout`` seconds; then, or on any failure, it raises :class:`AdvisoryLockError`.
    """

    def __init__(self, url: str, key: int, *, timeout: float, app_name: str) -> None:
        parsed = make_url(url)
        self.conninfo = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
        #: The URL fit for a log (no password).
        self.shown = redact_url(url)
        self.key = key
        self.timeout = timeout
        self.app_name = app_name[:APPLICATION_NAME_LIMIT]
        self._conn: Any = None  # psycopg.AsyncConnection[Any]; imported lazily

    @property
    def connected(self) -> bool:
        """True while the session's connection is open (the lock may be held on it)."""
        return self._conn is not None and not self._conn.closed

    def abandon(self) -> None:
        """Drop the connection at once, without waiting; the server drops the lock."""
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.pgconn.finish()  # closes the socket now

    async def try_lock(self) -> bool:
        """``pg_try_advisory_lock``: True when the lock is this session's now."""
        row = await self._query(
            "SELECT pg_try_advisory_lock(%s)", (self.key,), "lock query failed on"
        )
        return bool(row and row[0])

    async def holds(self) -> bool:
        """Whether this session holds the lock now, as ``pg_locks`` says."""
        high, low = split_key(self.key)
        row = await self._query(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' "
            "AND pid = pg_backend_pid() AND granted AND classid::bigint = %s "
            "AND objid::bigint = %s AND objsubid = 1)",
            (high, low),
            "lock check failed on",
        )
        return bool(row and row[0])

    async def unlock(self) -> None:
        """``pg_advisory_unlock`` on this session (the connection stays open)."""
        await self._query("SELECT pg_advisory_unlock(%s)", (self.key,), "unlock failed on")

    async def holder(self) -> LockHolder | None:
        """The session holding the lock (any session), or None when it is free."""
        high, low = split_key(self.key)
        row = await self._query(
            "SELECT a.application_name, host(a.client_addr), a.backend_start, a.pid "
            "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.classid::bigint = %s "
            "AND l.objid::bigint = %s AND l.objsubid = 1",
            (high, low),
            "lock holder query failed on",
        )
        if not row:
            return None
        name, addr, since, pid = row
        return LockHolder(name, addr, since, int(pid))

    async def terminate(self, pid: int) -> None:
        """End the server session ``pid`` (``pg_terminate_backend``); its locks go with it."""
        await self._query("SELECT pg_terminate_backend(%s)", (pid,), "ending a session on")

    # ------------------------------------------------------------------ connection

    async def _run(self, step: Callable[[], Awaitable[T]], what: str) -> T:
        """Run one database step within ``timeout``, promptly on cancellation.

        The step runs in a child task: when it times out or the caller is cancelled, the
        connection is closed at once and the child is left to unwind by itself (psycopg's
        own cancel dance may take seconds on a server that does not answer).
        """
        import psycopg

        task = asyncio.ensure_future(step())
        try:
            async with asyncio.timeout(self.timeout):
                return await asyncio.shield(task)
        except (psycopg.Error, OSError, TimeoutError) as exc:
            self._stop(task)
            raise AdvisoryLockError(
                f"{what} {self.shown}: {type(exc).__name__}: {_first_line(exc)}"
            ) from exc
        except BaseException:
            self._stop(task)
            raise

    def _stop(self, task: asyncio.Future[Any]) -> None:
        self.abandon()
        if not task.done():
            task.cancel()
        task.add_done_callback(_retrieve)

    async def _connection(self) -> Any:
        import psycopg

        if self._conn is not None and not self._conn.closed:
            return self._conn

        async def connect() -> Any:
            return await psycopg.AsyncConnection.connect(
                self.conninfo,
                autocommit=True,
                application_name=self.app_name,
                connect_timeout=max(1, int(self.timeout)),
                # The kernel notices a dead peer too, not only the lock's checks.
                keepalives=1,
                keepalives_idle=10,
                keepalives_interval=5,
                keepalives_count=3,
            )

        task = asyncio.ensure_future(connect())
        try:
            self._conn = await self._run(lambda: task, "cannot reach")
        except BaseException:
            # A connection that arrived anyway is closed, never left holding anything.
            task.add_done_callback(_close_result)
            raise
        return self._conn

    async def _query(self, sql: str, params: tuple[Any, ...], what: str) -> Any:
        conn = await self._connection()

        async def step() -> Any:
            cursor = await conn.execute(sql, params)
            return await cursor.fetchone()

        return await self._run(step, what)


def _retrieve(task: asyncio.Future[Any]) -> None:
    """Read an abandoned step's outcome so asyncio does not log it as never retrieved."""
    if not task.cancelled():
        task.exception()


def _close_result(task: asyncio.Future[Any]) -> None:
    """Close a connection whose connect finished after its caller gave up on it."""
    if task.cancelled() or task.exception() is not None:
        return
    with contextlib.suppress(Exception):
        task.result().pgconn.finish()


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else ""
