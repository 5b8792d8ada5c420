"""The python-telegram-bot Application: built from settings and services, handlers registered."""

from __future__ import annotations

import asyncio
import logging

from telegram import BotCommand, BotCommandScopeDefault, Update
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder

from bot.render.messages import COMMANDS_HELP
from bot.services.subscribers import SubscriberService
from bot.telegram import common
from bot.telegram.handlers import (
    calendar,
    fallback,
    info,
    inline,
    members,
    subscription,
    timezone,
)

log = logging.getLogger(__name__)

PUBLIC_COMMANDS = [BotCommand(name, what[:256]) for name, what in COMMANDS_HELP]


async def publish_commands(application: Application) -> None:  # type: ignore[type-arg]
    """Publish the public command menu (setMyCommands)."""
    await application.bot.set_my_commands(PUBLIC_COMMANDS, scope=BotCommandScopeDefault())


def build_application(
    token: str, service: SubscriberService, *, base_url: str | None = None
) -> Application:  # type: ignore[type-arg]
    """Return the bot with every handler registered; :func:`serve` runs it."""
    # Interactive replies: python-telegram-bot's limiter keeps under the overall and group
    # limits and retries a 429 after its retry_after. Broadcasts use the delivery engine.
    builder = ApplicationBuilder().token(token).rate_limiter(AIORateLimiter(max_retries=3))
    if base_url:
        builder = builder.base_url(base_url).base_file_url(base_url.replace("/bot", "/file/bot"))
    application = builder.build()
    common.install(application, service)
    register_handlers(application)
    return application


async def serve(
    application: Application,  # type: ignore[type-arg]
    service: SubscriberService,
    stop: asyncio.Event,
    *,
    poll_timeout: int = 10,
) -> None:
    """Run the bot with long polling until ``stop`` is set; close everything after."""
    async with application:
        await service.seed_config_news()
        await publish_commands(application)
        log.info("bot @%s ready for %s", application.bot.username, service.event.id)
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(
            timeout=poll_timeout, allowed_updates=Update.ALL_TYPES
        )
        try:
            await stop.wait()
        finally:
            await application.updater.stop()
            await application.stop()
    await service.db.close()


def register_handlers(application: Application) -> None:  # type: ignore[type-arg]
    """Register every handler group, catch-alls last."""
    fallback.register_flood_control(application)
    info.register(application)
    subscription.register(application)
    timezone.register(application)
    members.register(application)
    calendar.register(application)
    inline.register(application)
    fallback.register(application)
