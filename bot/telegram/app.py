"""The python-telegram-bot Application: typed, HTML by default, paced, every handler registered."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from typing import Any

from telegram import LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import ApplicationBuilder, BaseRateLimiter, Defaults, JobQueue

from bot.delivery.http import AiohttpRequest
from bot.telegram import errors
from bot.telegram.context import CONTEXT_TYPES, BotApp, Context
from bot.telegram.flood import FloodGuard
from bot.telegram.handlers import (
    admin,
    buttons,
    calendar,
    fallback,
    info,
    inline,
    members,
    news,
    questions,
    series,
    subscription,
    timezone,
)
from bot.telegram.menus import publish_admin_menu, publish_public_menu
from bot.telegram.updates import DrainReport, FairUpdateProcessor

log = logging.getLogger(__name__)

DEFAULTS = Defaults(
    parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)
)
"""Every message the bot sends itself is HTML (decision 5) and shows no link preview.

Outbox rows (``do_api_request``) carry their own parse mode and preview choice."""


async def publish_commands(
    application: BotApp,
    admin_ids: Iterable[int] = (),
) -> None:
    """Publish the public command menu, and the admins' own menu in their private chats.

    An admin who has never opened the bot has no chat yet; their menu is published when
    they first use an admin command.
    """
    await publish_public_menu(application.bot)
    for admin_id in sorted(admin_ids):
        try:
            await publish_admin_menu(application.bot, admin_id)
        except TelegramError as exc:
            log.info("admin menu for %d not set yet: %s", admin_id, exc)


def build_application(
    token: str,
    *,
    base_url: str | None = None,
    rate_limiter: BaseRateLimiter[Any] | None = None,
    flood_guard: FloodGuard | None = None,
) -> BotApp:
    """Return the bot with every handler registered (services are installed separately).

    Its ``context`` is :data:`~bot.telegram.context.Context`, its ``bot_data`` a
    :class:`~bot.telegram.context.BotData`, and its bot sends with :data:`DEFAULTS`.

    Updates are handled by a :class:`FairUpdateProcessor`: chats concurrently, each
    chat's updates in order, the flood guard counting at arrival. Requests go through
    :class:`~bot.delivery.http.AiohttpRequest` (PTB's request interface on aiohttp: the
    delivery engine's capacity); long polling keeps PTB's own backend.
    """
    processor = FairUpdateProcessor(flood_guard, warn=fallback.warn_flooder)
    builder = (
        ApplicationBuilder()
        .token(token)
        .context_types(CONTEXT_TYPES)
        .job_queue(JobQueue[Context]())
        .defaults(DEFAULTS)
        .concurrent_updates(processor)
        .request(AiohttpRequest(connection_pool_size=32))
    )
    if base_url:
        builder = builder.base_url(base_url).base_file_url(base_url.replace("/bot", "/file/bot"))
    application: BotApp = (
        builder.rate_limiter(rate_limiter).build() if rate_limiter is not None else builder.build()
    )
    register_handlers(application)
    errors.register(application)
    return application


def register_handlers(application: BotApp) -> None:
    """Register every handler group, catch-alls last."""
    admin.register(application)
    news.register(application)  # before info: /news with text is an admin's post
    info.register(application)
    subscription.register(application)
    series.register(application)
    timezone.register(application)
    questions.register(application)
    members.register(application)
    calendar.register(application)
    inline.register(application)
    buttons.register(application)  # after every button handler: answers the rest
    fallback.register(application)


def update_processor(application: BotApp) -> FairUpdateProcessor | None:
    """Return the application's fair update processor (None for another one)."""
    processor = application.update_processor
    return processor if isinstance(processor, FairUpdateProcessor) else None


async def drain_updates(
    application: BotApp,
    within: float,
) -> DrainReport | None:
    """At stop: finish the queued updates within ``within`` s (flooders' are dropped)."""
    processor = update_processor(application)
    if processor is None:
        return None
    queue = application.update_queue
    # Fetched and not finished: still queued, or handed to a task that has not started.
    # The queue's public join() resolves once PTB has called task_done() for each of them.
    joined = asyncio.ensure_future(queue.join())
    await asyncio.sleep(0)  # let join() look once: done at once when nothing is unfinished

    def backlog() -> int:
        return 0 if joined.done() else max(1, queue.qsize())

    try:
        return await processor.drain(within, backlog=backlog)
    finally:
        joined.cancel()
