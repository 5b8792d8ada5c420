"""The typed python-telegram-bot wiring: what ``context.bot_data`` holds, and the app's type.

``Application`` and ``CallbackContext`` are generic in the bot, the per-user, per-chat and
per-bot data and the job queue. :data:`CONTEXT_TYPES` tells PTB to make one :class:`BotData`
per Application; :data:`Context` is the type of every handler's ``context``, and
:data:`BotApp` the type of the Application they are registered on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot, JobQueue

if TYPE_CHECKING:
    from bot.delivery import DeliveryEngine
    from bot.services.admin import AdminService
    from bot.services.news import NewsService
    from bot.services.reminders import ReminderService
    from bot.services.subscribers import SubscriberService
    from bot.supervision import HealthBoard

__all__ = ["CONTEXT_TYPES", "BotApp", "BotData", "Context", "Services"]


@dataclass(frozen=True)
class Services:
    """What handlers may call: services only, never storage or SQL."""

    subscribers: SubscriberService
    reminders: ReminderService
    engine: DeliveryEngine
    admin: AdminService
    news: NewsService
    health: HealthBoard | None = None
    """Where handlers report a failing storage (admins are alerted from it)."""


@dataclass
class BotData:
    """``context.bot_data``: PTB makes it (empty) with the Application; the root fills it."""

    services: Services | None = None
    """Installed by the composition root once the services exist (they need the bot)."""
    admin_menus: set[int] = field(default_factory=set)
    """Admins whose own command menu is published in their chat."""


Context = CallbackContext[ExtBot[Any], dict[Any, Any], dict[Any, Any], BotData]
"""The ``context`` of every handler, error handler and job."""

BotApp = Application[
    ExtBot[Any], Context, dict[Any, Any], dict[Any, Any], BotData, JobQueue[Context]
]
"""The Application the handlers are registered on."""

CONTEXT_TYPES = ContextTypes(bot_data=BotData)
"""Handed to ``ApplicationBuilder.context_types``: one :class:`BotData` per Application."""
