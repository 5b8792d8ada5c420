"""/subscribe, /unsubscribe, /settings and their buttons; groups change only through admins."""

from __future__ import annotations

from typing import get_args

from telegram import Update
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.domain.model import Event
from bot.domain.series import Series
from bot.render import callbacks as cb
from bot.render import subscribers as subscriber_text
from bot.render.reply import Reply
from bot.services.subscribers import SubscriberService, Target
from bot.telegram.common import Context, answer, chat_info, may_change, subscribers
from bot.telegram.context import BotApp
from bot.telegram.handlers import timezone
from bot.telegram.handlers.buttons import Press, pressed, presses
from bot.telegram.replies import edit_reply
from bot.telegram.targets import resolve

Setting = cb.Subscribe | cb.OpenSettings | cb.SetMode | cb.ToggleDate
"""The buttons of subscribing and of the reminder settings."""
SETTINGS: tuple[type[Setting], ...] = get_args(Setting)


async def subscribe_reply(update: Update, context: Context) -> Reply:
    """/subscribe [event]: follow the event (a group: its admins only)."""
    reply, _ = await _subscribe(update, context)
    return reply


async def _subscribe(update: Update, context: Context) -> tuple[Reply, bool]:
    """Subscribe the chat to the event the command names; the reply, and whether it is new."""
    chat = chat_info(update)
    if not await may_change(update, context, chat):
        return subscriber_text.group_admins_only(), False
    target = await resolve(update, context, "subscribe")
    if isinstance(target, Reply):
        return target, False
    service = subscribers(context)
    event, series = _about(target)
    was_new = await service.subscribe(chat, series)
    return subscriber_text.subscribed(event, was_new=was_new, now=service.clock.now()), was_new


async def unsubscribe_reply(update: Update, context: Context) -> Reply:
    """/unsubscribe [event]."""
    chat = chat_info(update)
    if not await may_change(update, context, chat):
        return subscriber_text.group_admins_only()
    target = await resolve(update, context, "unsubscribe")
    if isinstance(target, Reply):
        return target
    service = subscribers(context)
    event, series = _about(target)
    return subscriber_text.unsubscribed(
        event, was_subscribed=await service.unsubscribe(chat, series)
    )


async def _settings(context: Context, chat_id: int, series: Series | None = None) -> Reply:
    service = subscribers(context)
    series = series or await service.default_series(chat_id)
    event = series.current(service.clock.now()) if series else service.event
    sid = series.id if series else None
    subscribed, mode, muted = await service.reminder_choices(chat_id, sid)
    several = len(service.book.catalog) > 1
    return subscriber_text.settings(
        event, subscribed=subscribed, mode=mode, muted=muted, series=sid if several else None
    )


def _about(target: Target) -> tuple[Event, str]:
    assert target.series is not None and target.edition is not None
    return target.edition, target.series.id


async def settings_reply(update: Update, context: Context) -> Reply:
    """/settings [event]: reminder choices as inline toggles."""
    target = await resolve(update, context, "settings")
    if isinstance(target, Reply):
        return target
    return await _settings(context, chat_info(update).chat_id, target.series)


async def subscribe(update: Update, context: Context) -> None:
    """/subscribe (with the one-tap time-zone buttons while the chat has no zone)."""
    await answer(
        update,
        context,
        await timezone.onboarding(update, context, await subscribe_reply(update, context)),
    )


async def unsubscribe(update: Update, context: Context) -> None:
    """/unsubscribe."""
    await answer(update, context, await unsubscribe_reply(update, context))


async def settings(update: Update, context: Context) -> None:
    """/settings: reminder choices as inline toggles."""
    await answer(update, context, await settings_reply(update, context))


async def on_button(update: Update, context: Context) -> None:
    """Buttons: subscribe, settings, a reminder mode, a key date's toggle (of one series)."""
    press: Press[Setting] = await pressed(update, *SETTINGS)
    if press is None:
        return
    query, action = press
    chat = chat_info(update)
    service = subscribers(context)
    series = await _button_series(service, chat.chat_id, action)
    if series is None:
        await query.answer(subscriber_text.SERIES_GONE, show_alert=True)
        return
    if isinstance(action, cb.Subscribe):
        context.args = [series.id]
        reply, was_new = await _subscribe(update, context)
        await query.answer(subscriber_text.SUBSCRIBED_TOAST if was_new else None)
        reply = await timezone.onboarding(update, context, reply)
        await answer(update, context, reply)
        return
    if isinstance(action, cb.OpenSettings):
        await query.answer()
        await answer(update, context, await _settings(context, chat.chat_id, series))
        return
    if not await may_change(update, context, chat):
        await query.answer(subscriber_text.GROUP_SETTINGS_ADMINS_ONLY, show_alert=True)
        return
    if not await service.is_subscribed(chat.chat_id, series.id):
        # an old /settings message after /unsubscribe: change nothing, say why
        await query.answer(subscriber_text.NOT_SUBSCRIBED, show_alert=True)
        return
    if isinstance(action, cb.SetMode):
        await service.set_mode(chat.chat_id, action.mode, series.id)
        note = subscriber_text.MODE_LABELS[action.mode]
    else:
        event = series.current(service.clock.now())
        key_date_id = action.key_date_id(kd.id for kd in event.key_dates)
        kd = event.key_date(key_date_id) if key_date_id else None
        if kd is None:
            await query.answer(subscriber_text.DATE_GONE, show_alert=True)
            return
        await service.toggle_key_date(chat.chat_id, kd.id, series.id)
        _subscribed, mode, muted = await service.reminder_choices(chat.chat_id, series.id)
        note = subscriber_text.date_toggle_note(kd, mode, muted)
    await query.answer(note)
    if query.message is not None and hasattr(query.message, "edit_text"):
        try:
            await edit_reply(query.message, await _settings(context, chat.chat_id, series))  # type: ignore[arg-type]
        except BadRequest as exc:
            if "not modified" not in str(exc):
                raise


async def _button_series(
    service: SubscriberService,
    chat_id: int,
    action: Setting,
) -> Series | None:
    """The series a button acts on: the one it names, else the chat's default (or first)."""
    catalog = service.book.catalog
    if action.series is not None:
        return action.series_in(catalog)
    return await service.default_series(chat_id) or catalog[0]


def register(application: BotApp) -> None:
    """Add the subscription commands and buttons."""
    application.add_handler(CommandHandler("subscribe", subscribe))
    application.add_handler(CommandHandler("unsubscribe", unsubscribe))
    application.add_handler(CommandHandler("settings", settings))
    application.add_handler(CallbackQueryHandler(on_button, pattern=presses(*SETTINGS)))
