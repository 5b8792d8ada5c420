"""The storage entry point: one engine, one clock, every repository."""

from __future__ import annotations

import contextlib
import logging
import os
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.defaults import DEFAULT_DATA_DIR
from bot.domain.clock import Clock
from bot.storage.audit import AuditRepository
from bot.storage.chats import ChatRepository
from bot.storage.editions import EditionRepository
from bot.storage.engine import create_engine
from bot.storage.extensions import ExtensionRepository
from bot.storage.kv import KeyValueRepository
from bot.storage.migrations import MigrationReport, current_version, migrate
from bot.storage.news import NewsRepository
from bot.storage.outbox import OutboxRepository
from bot.storage.probe import ping
from bot.storage.subscriptions import SubscriptionRepository
from bot.storage.unit import Hook, UnitOfWork, current, unit_of_work
from bot.storage.urls import normalize_database_url, redact_url, sqlite_path

log = logging.getLogger(__name__)

#: The ``kv`` key the write probe of :meth:`Database.check_writable` refreshes.
HEARTBEAT_KEY = "heartbeat"


class Database:
    """A connected database and its repositories.

    ``chats``, ``subscriptions``, ``news``, ``extensions``, ``audit``, ``kv``,
    ``outbox`` and ``editions`` each own one concern. A repository method is one short
    transaction of its own, or part of the :meth:`unit_of_work` open in the task.
    """

    def __init__(self, engine: AsyncEngine, clock: Clock) -> None:
        self.engine = engine
        self.clock = clock
        self.chats = ChatRepository(engine, clock)
        self.subscriptions = SubscriptionRepository(engine, clock)
        self.news = NewsRepository(engine, clock)
        self.extensions = ExtensionRepository(engine, clock)
        self.audit = AuditRepository(engine, clock)
        self.kv = KeyValueRepository(engine, clock)
        self.outbox = OutboxRepository(engine, clock)
        self.editions = EditionRepository(engine, clock, self.outbox, self.subscriptions)
        self.path = sqlite_path(engine.url.render_as_string(hide_password=False))
        """The SQLite file (None on PostgreSQL)."""
        self._identity = _identity(self.path)

    @classmethod
    async def connect(
        cls,
        url: str | None,
        clock: Clock,
        *,
        data_dir: Path = DEFAULT_DATA_DIR,
        migrate: bool = False,
        **engine_kwargs: Any,
    ) -> Self:
        """Open the database at ``url`` (normalized; empty means SQLite in ``data_dir``).

        Connects once so that a wrong URL or an unreachable server fails here, with
        the password redacted. With ``migrate=True`` the schema is upgraded too.
        """
        normalized = normalize_database_url(url, data_dir)
        engine = create_engine(normalized, **engine_kwargs)
        try:
            await ping(engine)
        except Exception as exc:
            await engine.dispose()
            raise ConnectionError(
                f"cannot open database {redact_url(normalized)}: {_describe(exc, engine)}"
            ) from exc
        db = cls(engine, clock)
        if migrate:
            await db.migrate()
        return db

    def unit_of_work(self) -> AbstractAsyncContextManager[UnitOfWork]:
        """One transaction for a use case: ``async with db.unit_of_work() as uow: ...``.

        Every repository call inside the block runs in it; it commits at the end and rolls
        back if the block raises. Inside another unit it joins that one (as a savepoint).
        See :mod:`bot.storage.unit`.
        """
        return unit_of_work(self.engine)

    def after_commit(self, hook: Hook) -> None:
        """Run ``hook`` once the unit of work open in this task commits; now, outside one."""
        unit = current(self.engine)
        if unit is None:
            hook()
        else:
            unit.after_commit(hook)

    def after_rollback(self, hook: Hook) -> None:
        """Run ``hook`` if the unit of work open in this task rolls back (outside one: never)."""
        unit = current(self.engine)
        if unit is not None:
            unit.after_rollback(hook)

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    @property
    def url(self) -> str:
        """The database URL, fit for logs (password hidden)."""
        return redact_url(self.engine.url.render_as_string(hide_password=False))

    async def migrate(self, *, target: int | None = None) -> MigrationReport:
        """Upgrade the schema to the newest version (see :func:`migrate`)."""
        return await migrate(self.engine, target=target)

    async def schema_version(self) -> int:
        """Return the schema version (0 for an empty database)."""
        return await current_version(self.engine)

    async def check_writable(self) -> None:
        """Write a heartbeat row; raises when the database refuses writes."""
        await self.kv.set(HEARTBEAT_KEY, self.clock.now().isoformat())

    def file_problem(self) -> str | None:
        """Say what is wrong when the SQLite file was deleted or replaced while open.

        The open connections keep writing into the deleted file, which vanishes with the
        process; a new connection would create an empty one: every subscriber gone.
        """
        if self.path is None or self._identity is None:
            return None
        now = _identity(self.path)
        if now is None:
            return f"the database file {self.path} was deleted while the bot was running"
        if now != self._identity:
            return f"the database file {self.path} was replaced while the bot was running"
        return None

    async def rescue(self) -> Path | None:
        """Write the open SQLite database back to its path (``VACUUM INTO``); return where.

        Used after :meth:`file_problem`: a file that was put in its place is moved aside
        first. Falls back to a file next to the working directory when the path cannot be
        written. Returns None when nothing could be saved (the log says why).
        """
        if self.path is None:
            return None
        targets = [self.path, Path.cwd() / f"{self.path.name}.rescued"]
        for target in targets:
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                if target.exists():
                    aside = target.with_name(f"{target.name}.replaced-{os.getpid()}")
                    target.rename(aside)
                    log.warning("moved %s aside to %s", target, aside)
                    for suffix in ("-wal", "-shm"):
                        with contextlib.suppress(OSError):
                            target.with_name(target.name + suffix).unlink()
                async with self.engine.connect() as conn:
                    raw = await conn.get_raw_connection()
                    # Straight on the driver: VACUUM cannot run inside SQLAlchemy's BEGIN.
                    driver = raw.driver_connection
                    assert driver is not None
                    await driver.execute("VACUUM INTO ?", (str(target),))
            except Exception as exc:
                log.error("could not save the database to %s: %s", target, exc)
                continue
            self._identity = _identity(target) if target == self.path else self._identity
            return target
        return None

    async def close(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()


def _identity(path: Path | None) -> tuple[int, int] | None:
    """``(device, inode)`` of a file, or None when it does not exist (or no path)."""
    if path is None:
        return None
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_dev, stat.st_ino


def _describe(exc: BaseException, engine: AsyncEngine) -> str:
    """Return the first line of the driver's message, without the password."""
    cause = getattr(exc, "orig", None) or exc
    lines = str(cause).strip().splitlines()
    text = f"{type(cause).__name__}: {lines[0] if lines else ''}"
    password = engine.url.password
    if password:
        text = text.replace(str(password), "***")
    return text
