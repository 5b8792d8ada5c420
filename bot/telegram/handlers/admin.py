"""Organizer commands: /admin, /reload, /extend, /audit. Each checks the sender's user id."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.ext import Application, CommandHandler

from bot.render import messages
from bot.render.messages import Reply
from bot.services.admin import AdminService
from bot.telegram.common import Context, answer, chat_info, services, subscribers
from bot.telegram.menus import publish_admin_menu

AdminHandler = Callable[[Update, Context, AdminService], Awaitable[Reply | None]]
"""An admin command: returns the reply, or None when it answered by itself."""


def admin_only(
    action: str, respond: AdminHandler
) -> Callable[[Update, Context], Coroutine[Any, Any, None]]:
    """Wrap a handler so that only admins (by the sender's user id) reach it."""

    async def handle(update: Update, context: Context) -> None:
        admin = services(context).admin
        user = update.effective_user  # the sender, never a forwarded "from" or the chat
        if not admin.is_admin(user.id if user else None):
            await admin.refuse(user.id if user else None, action)
            await answer(update, context, messages.not_admin())
            return
        await ensure_admin_menu(context, user.id if user else 0)
        reply = await respond(update, context, admin)
        if reply is not None:
            await answer(update, context, reply)

    handle.__doc__ = respond.__doc__
    return handle


MENU_KEY = "admin_menus"


async def ensure_admin_menu(context: Context, admin_id: int) -> None:
    """Publish an admin's own command menu once they have a chat with the bot."""
    published: set[int] = context.bot_data.setdefault(MENU_KEY, set())
    if admin_id not in published:
        await publish_admin_menu(context.bot, admin_id)
        published.add(admin_id)


async def admin_menu(update: Update, context: Context, admin: AdminService) -> Reply:
    """/admin: the organizers' commands."""
    return messages.admin_help(subscribers(context).event)


async def reload(update: Update, context: Context, admin: AdminService) -> Reply:
    """/reload: re-read the config, announce moved dates once, reschedule."""
    user = update.effective_user
    outcome = await admin.reload(user.id if user else None)
    if not outcome.ok:
        return messages.admin_failed(outcome.message)
    moved = [f"{c.event_id}:{c.key_date_id}" for c in outcome.changes]
    return messages.reloaded(subscribers(context).event, moved)


async def extend(update: Update, context: Context, admin: AdminService) -> Reply:
    """/extend <key date> <new time>."""
    service = subscribers(context)
    args = context.args or []
    if len(args) < 2:
        return messages.extend_usage(service.event)
    user = update.effective_user
    outcome = await admin.extend(user.id if user else None, args[0], " ".join(args[1:]))
    if not outcome.ok:
        return messages.admin_failed(outcome.message)
    (change,) = outcome.changes
    kd = service.event.key_date(change.key_date_id)
    assert kd is not None
    reader = await service.reader(chat_info(update))
    return messages.extended(service.event, kd, change.previous_at, reader)


async def audit(update: Update, context: Context, admin: AdminService) -> Reply:
    """/audit: the latest admin actions."""
    entries = await admin.audit_log()
    return messages.audit_log(entries, await subscribers(context).reader(chat_info(update)))


def register(application: Application) -> None:  # type: ignore[type-arg]
    """Add the organizer commands."""
    for name, respond in (
        ("admin", admin_menu),
        ("reload", reload),
        ("extend", extend),
        ("audit", audit),
    ):
        application.add_handler(CommandHandler(name, admin_only(name, respond)))
