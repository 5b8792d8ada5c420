"""Organizer commands: /admin, /reload, /extend, /audit. Each checks the sender's user id."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.ext import CommandHandler

from bot.domain.config import ConfigError
from bot.domain.series import Series, series_of
from bot.render import organizers as organizer_text
from bot.render import series as series_text
from bot.render.reply import Reply
from bot.services.admin import AdminService
from bot.telegram.common import Context, answer, chat_info, sender_id, services, subscribers
from bot.telegram.context import BotApp
from bot.telegram.menus import publish_admin_menu

AdminHandler = Callable[[Update, Context, AdminService], Awaitable[Reply | None]]
"""An admin command: returns the reply, or None when it answered by itself."""
SeriesHandler = Callable[[Update, Context, AdminService, Series, list[str]], Awaitable[Reply]]
"""An admin command for one series: gets it and the words after its name (if named)."""


def admin_only(
    action: str, respond: AdminHandler
) -> Callable[[Update, Context], Coroutine[Any, Any, None]]:
    """Wrap a handler so that only admins (by the sender's user id) reach it."""

    async def handle(update: Update, context: Context) -> None:
        admin = services(context).admin
        user_id = sender_id(update)
        if not admin.is_admin(user_id):
            await admin.refuse(user_id, action)
            await answer(update, context, organizer_text.not_admin())
            return
        await ensure_admin_menu(context, user_id or 0)
        reply = await respond(update, context, admin)
        if reply is not None:
            await answer(update, context, reply)

    handle.__doc__ = respond.__doc__
    return handle


async def ensure_admin_menu(context: Context, admin_id: int) -> None:
    """Publish an admin's own command menu once they have a chat with the bot."""
    published = context.bot_data.admin_menus
    if admin_id not in published:
        await publish_admin_menu(context.bot, admin_id)
        published.add(admin_id)


async def admin_series(
    update: Update, context: Context, admin: AdminService, words: list[str], command: str
) -> tuple[Series, list[str]] | Reply:
    """Which series an admin command is for, and the words after it.

    A first word that is a series' id names it (the sender must administer it); else the
    only series the sender administers; else the chat's default, when theirs; else ask.
    """
    user_id = sender_id(update)
    service = subscribers(context)
    catalog = service.book.catalog
    named = next((s for s in catalog if words and s.id == words[0].lower()), None)
    if named is not None:
        if not admin.is_admin(user_id, named.id):
            await admin.refuse(user_id, command, f"not an organizer of {named.id}")
            return series_text.not_admin_of(named, service.clock.now())
        return named, words[1:]
    mine = admin.series_of_admin(user_id)
    if len(mine) == 1:
        return mine[0], words
    default = await service.default_series(chat_info(update).chat_id)
    if default is not None and default in mine:
        return default, words
    return series_text.admin_which(command, mine, service.clock.now())


def for_series(
    command: str, respond: SeriesHandler
) -> Callable[[Update, Context, AdminService], Awaitable[Reply]]:
    """Wrap a series' command: the series is chosen by :func:`admin_series` first."""

    async def handle(update: Update, context: Context, admin: AdminService) -> Reply:
        chosen = await admin_series(update, context, admin, list(context.args or []), command)
        if isinstance(chosen, Reply):
            return chosen
        return await respond(update, context, admin, *chosen)

    handle.__doc__ = respond.__doc__
    return handle


async def admin_menu(update: Update, context: Context, admin: AdminService) -> Reply:
    """/admin: the organizers' commands, for the series the sender administers."""
    user_id = sender_id(update)
    service = subscribers(context)
    now = service.clock.now()
    mine = admin.series_of_admin(user_id)
    default = await service.default_series(chat_info(update).chat_id)
    chosen = default if default is not None and default in mine else mine[0]
    yours = [s.current(now) for s in mine]
    return organizer_text.admin_help(chosen.current(now), yours, default=chosen is default)


async def reload(update: Update, context: Context, admin: AdminService) -> Reply:
    """/reload [event]: re-read the config, announce moved dates and new editions once.

    The bot's operators (``ADMIN_IDS``) re-read every file; an organizer of some series
    re-reads only theirs (``/reload ID``: one of them), the others' stay as loaded.
    """
    user_id = sender_id(update)
    service = subscribers(context)
    words = list(context.args or [])
    only: list[str] | None = None
    if words or not admin.is_bot_admin(user_id):
        mine = admin.series_of_admin(user_id)
        if words:
            chosen = await admin_series(update, context, admin, words[:1], "reload")
            if isinstance(chosen, Reply):
                return chosen
            if chosen[1]:  # the word names no series of theirs
                return series_text.unknown_series(words[0], mine)
            mine = [chosen[0]]
        only = [s.id for s in mine]
    outcome = await admin.reload(user_id, only)
    if not outcome.ok:
        return organizer_text.admin_failed(outcome.error)
    moved = [f"{c.event_id}:{c.key_date_id}" for c in outcome.changes]
    now = service.clock.now()
    catalog = service.book.catalog
    reloaded = [s.current(now) for s in catalog if only is None or s.id in only]
    others_left = only is not None and len(reloaded) < len(catalog)
    reply = organizer_text.reloaded(reloaded, moved, others_left=others_left)
    if outcome.editions:
        reply = Reply(reply.text + "\n" + series_text.editions_announced(outcome.editions))
    return reply


async def preview(update: Update, context: Context, admin: AdminService) -> Reply:
    """/preview: the announcement a new edition's file will send when loaded."""
    user_id = sender_id(update)
    service = subscribers(context)
    try:
        found = await admin.preview_editions()
    except ConfigError as exc:
        return organizer_text.admin_failed(exc.report())
    mine = {s.id for s in admin.series_of_admin(user_id)}
    found = [(e, n) for e, n in found if series_of(e) in mine]
    if not found:
        return series_text.no_new_edition()
    reader = await service.reader(chat_info(update))
    for edition, followers in found[1:]:
        await answer(update, context, series_text.new_edition_preview(edition, followers, reader))
    edition, followers = found[0]
    return series_text.new_edition_preview(edition, followers, reader)


async def extend(
    update: Update, context: Context, admin: AdminService, series: Series, args: list[str]
) -> Reply:
    """/extend [event] <key date> <new time>."""
    service = subscribers(context)
    event = series.current(service.clock.now())
    if len(args) < 2:
        return organizer_text.extend_usage(event)
    user_id = sender_id(update)
    outcome = await admin.extend(user_id, args[0], " ".join(args[1:]), event)
    if outcome.unknown_key_date is not None:
        return organizer_text.no_such_key_date(outcome.unknown_key_date, outcome.key_dates)
    if not outcome.ok:
        return organizer_text.admin_failed(outcome.error)
    (change,) = outcome.changes
    extended = service.book.event(event.id) or event
    kd = extended.key_date(change.key_date_id)
    assert kd is not None
    reader = await service.reader(chat_info(update))
    return organizer_text.extended(extended, kd, change.previous_at, reader)


async def audit(update: Update, context: Context, admin: AdminService) -> Reply:
    """/audit: the latest admin actions."""
    entries = await admin.audit_log()
    return organizer_text.audit_log(entries, await subscribers(context).reader(chat_info(update)))


def register(application: BotApp) -> None:
    """Add the organizer commands."""
    for name, respond in (
        ("admin", admin_menu),
        ("reload", reload),
        ("extend", for_series("extend", extend)),
        ("audit", audit),
        ("preview", preview),
    ):
        application.add_handler(CommandHandler(name, admin_only(name, respond)))
