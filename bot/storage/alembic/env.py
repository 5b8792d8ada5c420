"""Alembic's environment: run the revisions on the connection the caller hands over.

Nothing here opens a connection or reads an ``alembic.ini``: :mod:`bot.storage.migrations`
builds the :class:`~alembic.config.Config` in code and puts an open connection, already in
its transaction and holding the migration lock, in ``config.attributes["connection"]``.
Everything Alembic does then happens in that one transaction.
"""

from alembic import context

from bot.storage.migrations import VERSION_TABLE
from bot.storage.schema import metadata

config = context.config
connection = config.attributes.get("connection")
if connection is None or context.is_offline_mode():
    raise RuntimeError(
        "run migrations through bot.storage.migrations (Database.migrate, or"
        " `python -m bot.storage.revision` for a new revision), with a connection"
    )

context.configure(
    connection=connection,
    target_metadata=metadata,
    version_table=VERSION_TABLE,
    # The caller's transaction wraps everything; SQLite's DDL is transactional too here
    # (bot.storage.engine makes SQLAlchemy, not the driver, emit BEGIN).
    transactional_ddl=True,
    # Autogenerate writes SQLite-safe batch operations (plain ALTERs on PostgreSQL).
    render_as_batch=True,
    # Custom column types render as ``types.UTCDateTime()`` (script.py.mako imports it).
    user_module_prefix="types.",
    on_version_apply=config.attributes.get("on_version_apply", ()),
)
with context.begin_transaction():
    context.run_migrations()
