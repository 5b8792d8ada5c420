"""The one-active-instance lock of a bot: its name derived in one place.

``run`` holds this lock while it schedules and sends; ``news`` from the shell asks for the
same lock to learn whether a bot is running against the database. Both build it here, so
they can never disagree on its name and send side by side.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.deploy.lock import InstanceLock
from bot.settings import Settings


def lock_name(token: str) -> str:
    """Return the lock name of the bot whose token is ``token``: its numeric id, no secret."""
    return f"deadline-bot:{token.split(':', 1)[0]}"


def instance_lock(
    settings: Settings, token: str, *, on_lost: Callable[[], None] | None = None
) -> InstanceLock:
    """Return the instance lock of the bot with ``token`` over the configured database."""
    return InstanceLock(
        settings.database_url,
        name=lock_name(token),
        data_dir=settings.data_dir,
        on_lost=on_lost,
    )
