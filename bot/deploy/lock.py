"""One active instance: a lock held for the life of the process, over the configured database.

* **PostgreSQL**: a session-level advisory lock (``pg_try_advisory_lock(key)``, the key a
  stable 64-bit number derived from a name) on a dedicated connection that stays open
  while the lock is held (:class:`bot.storage.advisory.AdvisorySession` holds that
  connection and every statement; this module decides when to use them). The lock dies
  with that connection (process killed, server restarted, network cut), so a watchdog
  checks the connection every few seconds and, when it is gone, marks the lock lost and
  calls ``on_lost`` so the bot stops sending.
* **SQLite**: an OS file lock (``fcntl.flock`` ``LOCK_EX | LOCK_NB``) on
  ``<database file>.lock`` next to the database; the kernel drops it when the process dies.

A second instance is a hot standby: :meth:`InstanceLock.acquire` says once that another
instance is active, polls, and returns when the first one is gone.

After a loss (the database blinked), :meth:`InstanceLock.regain` takes the lock back when
nobody else did: a lock still held by this very lock's old session (the network stalled,
the server has not noticed yet) is recognised by its ``application_name`` and that session
is terminated. When another instance holds it, ``regain`` says so and the caller stands down.

Cancellation: every database step runs in a child task behind :func:`asyncio.timeout`
(see :mod:`bot.storage.advisory`); a cancelled or timed-out step closes its connection at
once and ``CancelledError`` always propagates, never turned into :class:`InstanceLockError`.
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
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Literal

from bot.defaults import DEFAULT_DATA_DIR
from bot.storage.advisory import AdvisoryLockError, AdvisorySession
from bot.storage.urls import normalize_database_url, sqlite_path

log = logging.getLogger(__name__)

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
    """The lock as a PostgreSQL session advisory lock (:mod:`bot.storage.advisory`)."""

    def __init__(self, url: str, key: int, timeout: float, token: str) -> None:
        #: Names this lock's sessions in ``pg_stat_activity`` (pid first: it survives the cut).
        app_name = f"deadline-bot lock pid {os.getpid()} {token} {socket.gethostname()}"
        self.session = AdvisorySession(url, key, timeout=timeout, app_name=app_name)

    def describe(self) -> str:
        return f"advisory lock {self.session.key} on {self.session.shown}"

    def abandon(self) -> None:
        self.session.abandon()

    async def try_lock(self) -> bool:
        with _lock_errors():
            return await self.session.try_lock()

    async def still_held(self) -> bool:
        if not self.session.connected:
            return False
        try:
            held = await self.session.holds()
        except AdvisoryLockError as exc:
            log.warning("instance lock check failed: %s", exc)
            return False
        if not held:
            self.session.abandon()
        return held

    async def unlock(self, held: bool) -> None:
        if held and self.session.connected:
            with contextlib.suppress(AdvisoryLockError):
                await self.session.unlock()
        # Closing the session drops the lock even if the unlock above failed.
        self.session.abandon()

    async def holder(self) -> str | None:
        if not self.session.connected:
            return None
        try:
            found = await self.session.holder()
        except AdvisoryLockError:
            return None
        if found is None:
            return None
        parts = [str(found.application_name or "?")]
        if found.client_addr:
            parts.append(f"from {found.client_addr}")
        if found.backend_start is not None:
            parts.append(f"since {found.backend_start.isoformat(timespec='seconds')}")
        return " ".join(parts)

    async def end_own_stale_session(self) -> bool:
        with _lock_errors():
            found = await self.session.holder()
            if found is None or found.application_name != self.session.app_name:
                return False
            await self.session.terminate(found.pid)
        return True


@contextlib.contextmanager
def _lock_errors() -> Iterator[None]:
    """Report the storage's :class:`AdvisoryLockError` as :class:`InstanceLockError`."""
    try:
        yield
    except AdvisoryLockError as exc:
        raise InstanceLockError(str(exc)) from exc
