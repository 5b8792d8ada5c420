"""One active instance: a lock held for the life of the process, over the configured database.

* **PostgreSQL**: a session-level advisory lock (``pg_try_advisory_lock(key)``, the key a
  stable 64-bit number derived from a name) on a dedicated connection that stays open
  while the lock is held. The lock dies with that connection (process killed, server
  restarted, network cut), so a watchdog checks the connection every few seconds and,
  when it is gone, marks the lock lost and calls ``on_lost`` so the bot stops sending.
* **SQLite**: an OS file lock (``fcntl.flock`` ``LOCK_EX | LOCK_NB``) on
  ``<database file>.lock`` next to the database; the kernel drops it when the process dies.

A second instance is a hot standby: :meth:`InstanceLock.acquire` says once that another
instance is active, polls, and returns when the first one is gone.

After a loss (the database blinked), :meth:`InstanceLock.regain` takes the lock back when
nobody else did: a lock still held by this very lock's old session (the network stalled,
the server has not noticed yet) is recognised by its ``application_name`` and that session
is terminated. When another instance holds it, ``regain`` says so and the caller stands down.

Cancellation: every database step runs in a child task behind :func:`asyncio.timeout`; a
cancelled or timed-out step closes its connection at once (psycopg would otherwise spend up
to 10 s cancelling the query on a server that does not answer) and ``CancelledError`` always
propagates, never turned into :class:`InstanceLockError`.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import logging
import os
import secrets
import socket
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Literal, TypeVar

from sqlalchemy.engine import make_url

from bot.defaults import DEFAULT_DATA_DIR
from bot.storage.urls import normalize_database_url, redact_url, sqlite_path

log = logging.getLogger(__name__)

T = TypeVar("T")

#: What :meth:`InstanceLock.regain` found: ours again, another instance's, or our own old
#: session still holding it (terminated; ask again in a moment).
Regained = Literal["held", "taken", "stale"]

#: The lock's name when none is given (one bot per database).
DEFAULT_LOCK_NAME = "deadline-bot"
#: Seconds between two checks that the PostgreSQL lock connection is alive.
DEFAULT_CHECK_INTERVAL = 5.0
#: Seconds a check (or a connect) may take before the connection counts as dead.
DEFAULT_CHECK_TIMEOUT = 5.0


def advisory_key(name: str) -> int:
    """Return the signed 64-bit advisory-lock key of ``name`` (stable across runs and hosts)."""
    digest = hashlib.sha256(f"deadline-bot instance lock:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _holder_text() -> str:
    """Describe this process for the other instances: host, pid."""
    return f"{socket.gethostname()} pid {os.getpid()}"


class InstanceLockError(RuntimeError):
    """The lock could not be checked (the database is unreachable, the file not writable)."""


class InstanceLock:
    """The one-active-instance lock over a database URL (see the module docstring).

    ``on_lost`` is called (once, from the event loop) when a held lock is lost without
    :meth:`release`; :attr:`held` turns false and :meth:`wait_lost` returns.
    """

    def __init__(
        self,
        database_url: str | None,
        *,
        name: str = DEFAULT_LOCK_NAME,
        data_dir: Path = DEFAULT_DATA_DIR,
        on_lost: Callable[[], None] | None = None,
        check_interval: float = DEFAULT_CHECK_INTERVAL,
        check_timeout: float = DEFAULT_CHECK_TIMEOUT,
    ) -> None:
        self.url = normalize_database_url(database_url, data_dir)
        self.name = name
        self.on_lost = on_lost
        self.check_interval = check_interval
        self.check_timeout = check_timeout
        path = sqlite_path(self.url)
        self._backend: _Backend
        if path is not None:
            self._backend = _FileBackend(_lock_file(path, name))
        else:
            self._backend = _PostgresBackend(
                self.url, advisory_key(name), check_timeout, secrets.token_hex(4)
            )
        self._held = False
        self._lost = asyncio.Event()
        self._watchdog: asyncio.Task[None] | None = None

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return "sqlite" if isinstance(self._backend, _FileBackend) else "postgresql"

    @property
    def held(self) -> bool:
        """True while this process holds the lock."""
        return self._held

    @property
    def lost(self) -> bool:
        """True once a held lock was lost (not released)."""
        return self._lost.is_set()

    def describe(self) -> str:
        """Say what is locked, fit for a log (no password)."""
        return self._backend.describe()

    async def try_acquire(self) -> bool:
        """Take the lock if it is free; return whether this process holds it now.

        Raises :class:`InstanceLockError` when the database (or lock file) cannot be reached.
        """
        if self._held:
            return True
        if not await self._backend.try_lock():
            return False
        self._held = True
        if self._lost.is_set():
            self._lost = asyncio.Event()
        if isinstance(self._backend, _PostgresBackend):
            self._watchdog = asyncio.get_running_loop().create_task(
                self._watch(), name=f"instance-lock-watchdog-{self.name}"
            )
        log.info("instance lock taken (%s): this instance is active", self.describe())
        return True

    async def acquire(
        self,
        poll_interval: float = 2.0,
        on_waiting: Callable[[], None] | None = None,
    ) -> None:
        """Wait as a hot standby until the lock is ours.

        When another instance is active this logs it once (with who holds it when that is
        known) and calls ``on_waiting`` once, then polls every ``poll_interval`` seconds.
        A database that cannot be reached while waiting is logged and retried. Cancelling
        it returns promptly (see the module docstring), never holding the lock.
        """
        said = False
        unreachable = False
        try:
            while True:
                try:
                    if await self.try_acquire():
                        return
                    unreachable = False
                except InstanceLockError as exc:
                    if not unreachable:
                        log.warning("instance lock: %s; retrying every %.1f s", exc, poll_interval)
                    unreachable = True
                else:
                    if not said:
                        said = True
                        holder = await self._backend.holder()
                        log.info(
                            "another instance is active (%s%s); standing by, will take over "
                            "when it stops",
                            self.describe(),
                            f", held by {holder}" if holder else "",
                        )
                        if on_waiting is not None:
                            on_waiting()
                await asyncio.sleep(poll_interval)
        except BaseException:
            if not self._held:
                self._backend.abandon()
            raise

    async def regain(self) -> Regained:
        """After a loss, try once to take the lock back (see the module docstring).

        ``held``: ours again. ``taken``: another instance holds it (stand down).
        ``stale``: this lock's own old session still held it and was ended; ask again.
        Raises :class:`InstanceLockError` while the database cannot be reached.
        """
        if await self.try_acquire():
            return "held"
        if await self._backend.end_own_stale_session():
            log.warning("instance lock: our previous session outlived its connection; ended it")
            return "stale"
        return "taken"

    async def release(self) -> None:
        """Give the lock up (idempotent); the standby takes over."""
        watchdog, self._watchdog = self._watchdog, None
        if watchdog is not None and watchdog is not asyncio.current_task():
            watchdog.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watchdog
        was_held, self._held = self._held, False
        await self._backend.unlock(was_held)
        if was_held:
            log.info("instance lock released (%s)", self.describe())

    async def wait_lost(self) -> None:
        """Return when a held lock is lost (never, if it is released normally)."""
        await self._lost.wait()

    async def check(self) -> bool:
        """Check now that a held lock is still ours; on failure mark it lost. Return held."""
        if not self._held:
            return False
        if await self._backend.still_held():
            return True
        self._mark_lost()
        return False

    async def _watch(self) -> None:
        while self._held:
            await asyncio.sleep(self.check_interval)
            try:
                held = await self.check()
            except Exception:  # never die silently: an unknown state counts as lost
                log.exception("instance lock: the check failed unexpectedly")
                self._backend.abandon()
                self._mark_lost()
                return
            if not held:
                return

    def _mark_lost(self) -> None:
        if not self._held:
            return
        self._held = False
        log.error(
            "instance lock LOST (%s): the lock connection is gone; another instance may take "
            "over, so this one must stop sending",
            self.describe(),
        )
        self._lost.set()
        if self.on_lost is not None:
            try:
                self.on_lost()
            except Exception:
                log.exception("instance lock: on_lost callback failed")

    async def __aenter__(self) -> InstanceLock:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.release()


def _lock_file(database: Path, name: str) -> Path:
    """``<database>.lock`` for the default name, ``<database>.<name>.lock`` otherwise."""
    if name == DEFAULT_LOCK_NAME:
        return database.with_name(database.name + ".lock")
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in name)
    return database.with_name(f"{database.name}.{safe}.lock")


class _Backend:
    """What each dialect does to lock."""

    def describe(self) -> str:
        raise NotImplementedError

    async def try_lock(self) -> bool:
        raise NotImplementedError

    async def still_held(self) -> bool:
        raise NotImplementedError

    async def unlock(self, held: bool) -> None:
        raise NotImplementedError

    async def holder(self) -> str | None:
        raise NotImplementedError

    async def end_own_stale_session(self) -> bool:
        """End a session of this very lock that still holds it; True if there was one."""
        return False

    def abandon(self) -> None:
        """Drop any connection at once, without waiting (after a cancellation)."""


class _FileBackend(_Backend):
    """An exclusive, non-blocking ``flock`` on a file next to the SQLite database."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def describe(self) -> str:
        return f"file lock {self.path}"

    async def try_lock(self) -> bool:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise InstanceLockError(f"cannot open lock file {self.path}: {exc}") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        except OSError as exc:
            os.close(fd)
            raise InstanceLockError(f"cannot lock {self.path}: {exc}") from exc
        self._fd = fd
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
            os.pwrite(fd, (_holder_text() + "\n").encode(), 0)
        return True

    async def still_held(self) -> bool:
        return self._fd is not None

    async def unlock(self, held: bool) -> None:
        fd, self._fd = self._fd, None
        if fd is None:
            return
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)

    async def holder(self) -> str | None:
        try:
            text = self.path.read_text(encoding="utf-8", errors="replace").strip()
        except OSError:
            return None
        return text or None


class _PostgresBackend(_Backend):
    """A session advisory lock on a dedicated psycopg connection (autocommit)."""

    def __init__(self, url: str, key: int, timeout: float, token: str) -> None:
        parsed = make_url(url)
        self.conninfo = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
        self.shown = redact_url(url)
        self.key = key
        self.timeout = timeout
        #: Names this lock's sessions in ``pg_stat_activity`` (pid first: it survives the cut).
        self.app_name = f"deadline-bot lock pid {os.getpid()} {token} {socket.gethostname()}"[:63]
        self._conn: Any = None  # psycopg.AsyncConnection[Any]; imported lazily

    def describe(self) -> str:
        return f"advisory lock {self.key} on {self.shown}"

    def abandon(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.pgconn.finish()  # closes the socket now; the server drops the lock

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
            raise InstanceLockError(
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
                # The kernel notices a dead peer too, not only our checks.
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

    async def try_lock(self) -> bool:
        row = await self._query(
            "SELECT pg_try_advisory_lock(%s)", (self.key,), "lock query failed on"
        )
        return bool(row and row[0])

    async def still_held(self) -> bool:
        conn = self._conn
        if conn is None or conn.closed:
            return False
        high, low = _split_key(self.key)
        try:
            row = await self._query(
                "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' "
                "AND pid = pg_backend_pid() AND granted AND classid::bigint = %s "
                "AND objid::bigint = %s AND objsubid = 1)",
                (high, low),
                "lock check failed on",
            )
        except InstanceLockError as exc:
            log.warning("instance lock check failed: %s", exc)
            return False
        if not (row and row[0]):
            self.abandon()
            return False
        return True

    async def unlock(self, held: bool) -> None:
        conn = self._conn
        if held and conn is not None and not conn.closed:
            with contextlib.suppress(InstanceLockError):
                await self._query("SELECT pg_advisory_unlock(%s)", (self.key,), "unlock failed on")
        # Closing the session drops the lock even if the unlock above failed.
        self.abandon()

    async def _holder_row(self) -> tuple[Any, ...] | None:
        high, low = _split_key(self.key)
        row = await self._query(
            "SELECT a.application_name, host(a.client_addr), a.backend_start, a.pid "
            "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.classid::bigint = %s "
            "AND l.objid::bigint = %s AND l.objsubid = 1",
            (high, low),
            "lock holder query failed on",
        )
        return tuple(row) if row else None

    async def holder(self) -> str | None:
        if self._conn is None or self._conn.closed:
            return None
        try:
            row = await self._holder_row()
        except InstanceLockError:
            return None
        if not row:
            return None
        name, addr, since, _pid = row
        parts = [str(name or "?")]
        if addr:
            parts.append(f"from {addr}")
        if since is not None:
            parts.append(f"since {since.isoformat(timespec='seconds')}")
        return " ".join(parts)

    async def end_own_stale_session(self) -> bool:
        row = await self._holder_row()
        if not row or row[0] != self.app_name:
            return False
        await self._query("SELECT pg_terminate_backend(%s)", (row[3],), "ending a session on")
        return True


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


def _split_key(key: int) -> tuple[int, int]:
    """Return the (classid, objid) pair that ``pg_locks`` shows for a bigint key."""
    unsigned = key & 0xFFFFFFFFFFFFFFFF
    return unsigned >> 32, unsigned & 0xFFFFFFFF


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else ""
