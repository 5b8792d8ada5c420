"""/subscribe, /unsubscribe, /settings and their buttons; groups change only through admins."""

from __future__ import annotations

from typing import cast

from telegram import CallbackQuery, Update
from telegram.constants import ChatMemberStatus
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.render import messages
from bot.render.messages import Reply
from bot.services.subscribers import ChatInfo
from bot.storage.models import ReminderMode
from bot.telegram.common import Context, answer, chat_info, subscribers
from bot.telegram.handlers import timezone
from bot.telegram.replies import edit_reply

GROUP_ADMINS = {ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER}


async def may_change(update: Update, context: Context, chat: ChatInfo) -> bool:
    """In a group only its admins may subscribe or unsubscribe it (the sender's user id)."""
    if not chat.is_group:
        return True
    user = update.effective_user
    if user is None:
        return False
    member = await context.bot.get_chat_member(chat.chat_id, user.id)
    return member.status in GROUP_ADMINS


async def _subscribe(update: Update, context: Context) -> Reply:
    chat = chat_info(update)
    if not await may_change(update, context, chat):
        return messages.group_admins_only()
    service = subscribers(context)
    return messages.subscribed(service.event, was_new=await service.subscribe(chat))


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


async def on_button(update: Update, context: Context) -> None:
    """Buttons: subscribe, settings, mode:<all|deadlines|off>, mute:<key date>."""
    query = cast(CallbackQuery, update.callback_query)
    data = query.data or ""
    chat = chat_info(update)
    if data == "subscribe":
        reply = await _subscribe(update, context)
        await query.answer("Subscribed" if "Subscribed" in reply.text else None)
        reply = await timezone.onboarding(update, context, reply)
        await answer(update, context, reply)
        return
    if data == "settings":
        await query.answer()
        await answer(update, context, await _settings(context, chat.chat_id))
        return
    if not await may_change(update, context, chat):
        await query.answer("Only this group's admins can change its settings.", show_alert=True)
        return
    service = subscribers(context)
    kind, _, value = data.partition(":")
    if kind == "mode" and value in {"all", "deadlines", "off"}:
        await service.set_mode(chat.chat_id, cast(ReminderMode, value))
        note = dict(messages.REMINDER_MODES)[value]
    elif kind == "mute":
        try:
            muted = await service.toggle_key_date(chat.chat_id, value)
        except KeyError:
            await query.answer("That date is no longer in the call.", show_alert=True)
            return
        note = "Reminders off for this date" if muted else "Reminders on for this date"
    else:
        await query.answer("This button is out of date; try /settings again.")
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
    application.add_handler(
        CallbackQueryHandler(on_button, pattern=r"^(subscribe|settings|mode:.*|mute:.*)$")
    )
