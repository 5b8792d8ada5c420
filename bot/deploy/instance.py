"""The one-active-instance lock of a bot: its name derived in one place.

``run`` holds this lock while it schedules and sends; ``news`` from the shell asks for the
same lock to learn whether a bot is running against the database. Both build it here, so
they can never disagree on its name and send side by side.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.deploy.lock import InstanceLock
from bot.settings import Settings
from bot.storage.urls import search_path_schema


def lock_name(token: str, database_url: str | None = None) -> str:
    """Return the lock name of the bot whose token is ``token`` over ``database_url``.

    The bot's numeric id (never the secret part), and for PostgreSQL the schema the URL
    selects (``options=-csearch_path=…``): an advisory lock is database-wide, while two
    schemas hold two separate bots' data, so they must not exclude each other.
    """
    name = f"deadline-bot:{token.split(':', 1)[0]}"
    schema = search_path_schema(database_url)
    return f"{name}:{schema}" if schema else name


def instance_lock(
    settings: Settings, token: str, *, on_lost: Callable[[], None] | None = None
) -> InstanceLock:
    """Return the instance lock of the bot with ``token`` over the configured database."""
    return InstanceLock(
        settings.database_url,
        name=lock_name(token, settings.database_url),
        data_dir=settings.data_dir,
        on_lost=on_lost,
    )
