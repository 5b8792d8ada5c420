"""/subscribe, /unsubscribe, /settings and their buttons; groups change only through admins."""

from __future__ import annotations

from typing import cast

from telegram import CallbackQuery, Update
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.render import callbacks as cb
from bot.render import messages
from bot.render.messages import Reply
from bot.telegram.common import Context, answer, chat_info, may_change, subscribers
from bot.telegram.handlers import timezone
from bot.telegram.handlers.buttons import STALE_BUTTON
from bot.telegram.replies import edit_reply


async def _subscribe(update: Update, context: Context) -> Reply:
    chat = chat_info(update)
    if not await may_change(update, context, chat):
        return messages.group_admins_only()
    service = subscribers(context)
    was_new = await service.subscribe(chat)
    return messages.subscribed(service.event, was_new=was_new, now=service.clock.now())


async def _unsubscribe(update: Update, context: Context) -> Reply:
    chat = chat_info(update)
    if not await may_change(update, context, chat):
        return messages.group_admins_only()
    service = subscribers(context)
    return messages.unsubscribed(service.event, was_subscribed=await service.unsubscribe(chat))


async def _settings(context: Context, chat_id: int) -> Reply:
    service = subscribers(context)
    subscribed, mode, muted = await service.reminder_choices(chat_id)
    return messages.settings(service.event, subscribed=subscribed, mode=mode, muted=muted)


async def subscribe(update: Update, context: Context) -> None:
    """/subscribe (with the one-tap time-zone buttons while the chat has no zone)."""
    await answer(
        update,
        context,
        await timezone.onboarding(update, context, await _subscribe(update, context)),
    )


async def unsubscribe(update: Update, context: Context) -> None:
    """/unsubscribe."""
    await answer(update, context, await _unsubscribe(update, context))


async def settings(update: Update, context: Context) -> None:
    """/settings: reminder choices as inline toggles."""
    await answer(update, context, await _settings(context, chat_info(update).chat_id))


def _is_subscription_button(data: object) -> bool:
    """Whether a press is one of this module's buttons (anything else goes to the catch-all)."""
    action = cb.decode(data) if isinstance(data, str) else None
    return isinstance(action, cb.Subscribe | cb.OpenSettings | cb.SetMode | cb.ToggleDate)


async def on_button(update: Update, context: Context) -> None:
    """Buttons: subscribe, settings, a reminder mode, a key date's toggle."""
    query = cast(CallbackQuery, update.callback_query)
    action = cb.decode(query.data)
    chat = chat_info(update)
    if isinstance(action, cb.Subscribe):
        reply = await _subscribe(update, context)
        await query.answer("Subscribed" if "Subscribed" in reply.text else None)
        reply = await timezone.onboarding(update, context, reply)
        await answer(update, context, reply)
        return
    if isinstance(action, cb.OpenSettings):
        await query.answer()
        await answer(update, context, await _settings(context, chat.chat_id))
        return
    if not await may_change(update, context, chat):
        await query.answer("Only this group's admins can change its settings.", show_alert=True)
        return
    service = subscribers(context)
    if isinstance(action, cb.SetMode | cb.ToggleDate) and not await service.is_subscribed(
        chat.chat_id
    ):  # an old /settings message after /unsubscribe: change nothing, say why
        await query.answer("You are not subscribed; /subscribe first.", show_alert=True)
        return
    if isinstance(action, cb.SetMode):
        await service.set_mode(chat.chat_id, action.mode)
        note = dict(messages.REMINDER_MODES)[action.mode]
    elif isinstance(action, cb.ToggleDate):
        event = service.event
        key_date_id = action.key_date_id(kd.id for kd in event.key_dates)
        kd = event.key_date(key_date_id) if key_date_id else None
        if kd is None:
            await query.answer("That date is no longer in the call.", show_alert=True)
            return
        await service.toggle_key_date(chat.chat_id, kd.id)
        _subscribed, mode, muted = await service.reminder_choices(chat.chat_id)
        note = messages.date_toggle_note(kd, mode, muted)
    else:
        await query.answer(STALE_BUTTON)
        return
    await query.answer(note)
    if query.message is not None and hasattr(query.message, "edit_text"):
        try:
            await edit_reply(query.message, await _settings(context, chat.chat_id))  # type: ignore[arg-type]
        except BadRequest as exc:
            if "not modified" not in str(exc):
                raise


def register(application: Application) -> None:  # type: ignore[type-arg]
    """Add the subscription commands and buttons."""
    application.add_handler(CommandHandler("subscribe", subscribe))
    application.add_handler(CommandHandler("unsubscribe", unsubscribe))
    application.add_handler(CommandHandler("settings", settings))
    application.add_handler(CallbackQueryHandler(on_button, pattern=_is_subscription_button))
