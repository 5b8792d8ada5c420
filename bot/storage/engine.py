"""Creating the async engine: one place that knows each dialect's quirks."""

from __future__ import annotations

import logging
import sqlite3
import time
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry

from bot.storage.urls import sqlite_path

#: Execution option that asks SQLite for ``BEGIN IMMEDIATE`` (take the write lock up
#: front), so that read-then-write transactions never fail with "database is locked".
WRITE_OPTION = "deadline_bot_write"

#: How long a SQLite connection waits for another writer, in seconds.
SQLITE_BUSY_TIMEOUT = 30.0

#: How often a new connection tries to switch to WAL while another holds the file.
WAL_SWITCH_ATTEMPTS = 40

log = logging.getLogger(__name__)


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """Create an async engine for a normalized URL (see ``normalize_database_url``).

    On SQLite the folder of the database file is created, foreign keys are enforced,
    the journal is WAL (readers never wait for the writer) and SQLAlchemy, not the
    driver, emits ``BEGIN`` so that DDL is transactional and writers can ask for
    ``BEGIN IMMEDIATE``. On PostgreSQL pooled connections are pinged before use.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = sqlite_path(url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        connect_args = dict(kwargs.pop("connect_args", {}))
        connect_args.setdefault("timeout", SQLITE_BUSY_TIMEOUT)
        engine = create_async_engine(url, connect_args=connect_args, **kwargs)
        _install_sqlite_hooks(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_async_engine(url, **kwargs)


def writer(engine: AsyncEngine) -> AsyncEngine:
    """Return a view of ``engine`` whose transactions take the write lock at ``BEGIN``.

    Same pool, same connections; only SQLite notices the difference.
    """
    return engine.execution_options(**{WRITE_OPTION: True})


def _use_wal(cursor: Any) -> None:
    """Switch the database to WAL (it stays so), even while another process opens it.

    The switch needs an exclusive lock that SQLite takes without its busy handler: a
    second process starting at the same moment gets "database is locked" at once. So
    try again for a short while; the first process usually converts it meanwhile. If it
    still cannot, the connection goes on in the rollback journal, which is as correct.
    """
    for attempt in range(1, WAL_SWITCH_ATTEMPTS + 1):
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc):
                raise
            if attempt == WAL_SWITCH_ATTEMPTS:
                log.warning("SQLite stays in its rollback journal for now: %s", exc)
                return
        time.sleep(0.005 * attempt)  # once, at connect: a few ms in all


def _install_sqlite_hooks(engine: AsyncEngine) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        # Stop the sqlite3 module from issuing its own BEGIN; SQLAlchemy does it below.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA foreign_keys=ON")
            _use_wal(cursor)
        finally:
            cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get(WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
