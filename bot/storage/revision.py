"""Write the next Alembic revision: ``python -m bot.storage.revision "what it does"``.

Alembic's autogenerate compares :mod:`bot.storage.schema` with a scratch database migrated
to the newest revision (a temporary SQLite file, or the empty database ``--url`` names,
e.g. a PostgreSQL schema of its own) and writes
``bot/storage/alembic/versions/NNNN_what_it_does.py`` with the operations it found, as
batch operations so that they run on SQLite too. Read what it wrote: autogenerate does not
see CHECK constraints, partial index conditions or data that must move; add those by hand.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path

from alembic import command
from alembic.script import Script
from sqlalchemy.engine import Connection

from bot.storage.engine import create_engine, writer
from bot.storage.migrations import LATEST_VERSION, alembic_config, migrate, revision_id


async def write_revision(
    message: str, url: str, *, autogenerate: bool = True, version_path: Path | None = None
) -> Path:
    """Write revision ``LATEST_VERSION + 1`` compared against the database at ``url``.

    ``version_path`` puts the file elsewhere than the package's ``versions`` folder.
    """
    engine = create_engine(url)

    def run(conn: Connection) -> Script:
        script = command.revision(
            alembic_config(conn, () if version_path is None else (version_path,)),
            message=message,
            autogenerate=autogenerate,
            rev_id=revision_id(LATEST_VERSION + 1),
            version_path=None if version_path is None else str(version_path),
        )
        if not isinstance(script, Script):
            raise RuntimeError(f"expected one revision, Alembic wrote {script!r}")
        return script

    try:
        await migrate(engine)
        async with writer(engine).connect() as conn:
            script = await conn.run_sync(run)
    finally:
        await engine.dispose()
    return Path(script.path)


def main() -> None:
    """Parse the command line and write the revision."""
    parser = argparse.ArgumentParser(
        prog="python -m bot.storage.revision",
        description="Write the next Alembic revision (bot/storage/alembic/versions).",
    )
    parser.add_argument("message", help='what the revision does, e.g. "chats.muted_until"')
    parser.add_argument(
        "--url", help="a database to compare against, migrated first (default: scratch SQLite)"
    )
    parser.add_argument(
        "--empty", action="store_true", help="write an empty revision (no autogenerate)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        url = args.url or f"sqlite+aiosqlite:///{(Path(scratch) / 'head.sqlite3').as_posix()}"
        path = asyncio.run(write_revision(args.message, url, autogenerate=not args.empty))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
