"""Schema migrations: Alembic revisions in ``bot/storage/alembic``, run in one locked transaction.

The revisions are numbered ``0001``, ``0002``… in one line (no branches), so a schema
version is still a number: revision ``0004`` is version 4. :func:`migrate` builds Alembic's
configuration in code (no ``alembic.ini``) and hands Alembic an open connection whose
transaction it holds: on PostgreSQL that transaction first takes
``pg_advisory_xact_lock``; on SQLite it begins with ``BEGIN IMMEDIATE``, which admits one
writer at a time. Both dialects have transactional DDL, so a failing revision leaves the
database as it was, and a second process starting at once waits, then finds nothing to do.
On SQLite foreign keys are off while migrating (Alembic's batch operations rebuild a table
by dropping it) and ``PRAGMA foreign_key_check`` must find nothing before the commit.

Databases the earlier, hand-written runner migrated carry a ``schema_version`` table
(versions 1..4, the same steps as revisions 0001..0004). :func:`migrate` stamps such a
database with the matching revision and drops that table, in the same transaction,
before upgrading it; an old bot started on it afterwards finds no ``schema_version`` and
fails loudly instead of running on a schema it does not know.

Alembic is imported only when :func:`migrate` runs: importing the bot stays cheap.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.storage.engine import writer

if TYPE_CHECKING:
    from alembic.config import Config

#: Key of the PostgreSQL advisory lock held while migrating (any fixed 64-bit number).
ADVISORY_LOCK_KEY = 0x64_6C_62_6F_74_5F_6D_67  # "dlbot_mg"

#: Where the Alembic environment lives, as a package resource (ships inside the wheel).
SCRIPT_LOCATION = "bot.storage:alembic"

#: Alembic's table (one row: the revision the database is at).
VERSION_TABLE = "alembic_version"

#: The hand-written runner's table, dropped once its version is stamped in Alembic's.
LEGACY_VERSION_TABLE = "schema_version"

#: The newest legacy version; revisions 0001..0004 are its steps 1..4.
LEGACY_LATEST = 4

_REVISION_FILE = re.compile(r"^(\d{4})_\w+\.py$")


def _versions_folder() -> str:
    return str(resources.files("bot.storage").joinpath("alembic", "versions"))


def _latest_version() -> int:
    names = os.listdir(_versions_folder())
    return max(int(m[1]) for name in names if (m := _REVISION_FILE.match(name)))


#: The newest schema version this code knows: the number of its head revision.
LATEST_VERSION = _latest_version()


class SchemaTooNewError(RuntimeError):
    """The database was migrated by a newer version of the bot than this one."""


@dataclass(frozen=True)
class MigrationReport:
    """What ``migrate`` did."""

    from_version: int
    to_version: int
    applied: tuple[int, ...]


def revision_id(version: int) -> str:
    """Return the Alembic revision id of a schema version (4 → ``"0004"``)."""
    return f"{version:04d}"


async def current_version(engine: AsyncEngine) -> int:
    """Return the schema version of the database (0 when it has never been migrated)."""
    async with engine.connect() as conn:
        return await conn.run_sync(_read_version)


async def migrate(engine: AsyncEngine, *, target: int | None = None) -> MigrationReport:
    """Upgrade the database to ``target`` (default: the newest version).

    Runs every pending revision in one transaction under a lock; a second process
    waits, then finds nothing to do. A database at or past ``target`` is left alone.
    Raises :class:`SchemaTooNewError` when the database is ahead of this code.
    """
    goal = LATEST_VERSION if target is None else target
    if not 0 <= goal <= LATEST_VERSION:
        raise ValueError(f"target version {goal} is not in 0..{LATEST_VERSION}")

    def run(conn: Connection) -> MigrationReport:
        from alembic import command

        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
        config = alembic_config(conn)
        _adopt_legacy(conn, config)
        start = _read_version(conn)
        if start > LATEST_VERSION:
            raise SchemaTooNewError(
                f"database schema is at version {start}, this code knows up to "
                f"{LATEST_VERSION}; upgrade the bot"
            )
        applied: list[int] = []
        if goal > start:
            config.attributes["on_version_apply"] = _recorder(applied)
            command.upgrade(config, revision_id(goal))
        if conn.dialect.name == "sqlite":
            _check_foreign_keys(conn)
        return MigrationReport(start, max(start, goal), tuple(applied))

    async with writer(engine).connect() as conn:
        # SQLite: foreign keys off while migrating, so that a batch operation may rebuild
        # a table others refer to (chats, broadcasts); checked before the commit instead.
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            await _sqlite_foreign_keys(conn, "OFF")
        try:
            async with conn.begin():
                return await conn.run_sync(run)
        finally:
            if sqlite:
                await _sqlite_foreign_keys(conn, "ON")


def alembic_config(conn: Connection, extra_versions: Sequence[Path] = ()) -> Config:
    """Return Alembic's configuration, built in code, running on ``conn``.

    ``extra_versions`` are folders of revisions beside the package's own (for tests).
    """
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    config.set_main_option("path_separator", "os")
    if extra_versions:
        folders = [_versions_folder(), *map(str, extra_versions)]
        config.set_main_option("version_locations", os.pathsep.join(folders))
    # New revision files are named like the others: 0005_what_it_does.py.
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    config.attributes["connection"] = conn
    return config


async def _sqlite_foreign_keys(conn: AsyncConnection, state: str) -> None:
    """Turn SQLite's foreign keys on or off (outside a transaction, where it takes effect)."""
    raw = await conn.get_raw_connection()
    driver = raw.driver_connection
    assert driver is not None
    await driver.execute(f"PRAGMA foreign_keys = {state}")


def _check_foreign_keys(conn: Connection) -> None:
    """Fail (and roll back) when a migration left a row pointing at nothing."""
    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
    if broken:
        raise RuntimeError(f"the migration broke foreign keys: {broken[:5]}")


def _recorder(applied: list[int]) -> Callable[..., None]:
    def record(*, step: Any, **_: Any) -> None:
        if step.is_upgrade and not step.is_stamp:
            applied.append(int(step.up_revision_id))

    return record


def _adopt_legacy(conn: Connection, config: Config) -> None:
    """Stamp a database the hand-written runner migrated with its revision; drop its table."""
    has = conn.dialect.has_table
    if not has(conn, LEGACY_VERSION_TABLE) or has(conn, VERSION_TABLE):
        return
    from alembic import command

    version = _legacy_version(conn)
    if version > LEGACY_LATEST:
        raise SchemaTooNewError(
            f"database schema is at version {version} of the old migration runner, which"
            f" ended at {LEGACY_LATEST}; upgrade the bot"
        )
    if version > 0:
        command.stamp(config, revision_id(version))
    conn.exec_driver_sql(f"DROP TABLE {LEGACY_VERSION_TABLE}")


def _legacy_version(conn: Connection) -> int:
    value = conn.exec_driver_sql(f"SELECT max(version) FROM {LEGACY_VERSION_TABLE}").scalar()
    return int(value or 0)


def _read_version(conn: Connection) -> int:
    """The schema version: Alembic's revision, else the old runner's, else 0."""
    if conn.dialect.has_table(conn, VERSION_TABLE):
        revisions = [r for (r,) in conn.exec_driver_sql(f"SELECT version_num FROM {VERSION_TABLE}")]
        if not revisions:
            return 0
        if len(revisions) > 1 or not re.fullmatch(r"\d{4}", revisions[0]):
            raise SchemaTooNewError(f"database is at revision(s) {revisions}, unknown here")
        return int(revisions[0])
    if conn.dialect.has_table(conn, LEGACY_VERSION_TABLE):
        return _legacy_version(conn)
    return 0
