"""/timezone: a zone, a city, a country code or an offset; buttons when ambiguous."""

from __future__ import annotations

from typing import cast

from telegram import CallbackQuery, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.domain.times import TimeError, parse_zone
from bot.domain.zones import resolve_zone
from bot.render import callbacks as cb
from bot.render import messages
from bot.telegram.common import Context, answer, chat_info, subscribers
from bot.telegram.handlers.buttons import STALE_BUTTON
from bot.telegram.handlers.subscription import may_change


async def timezone(update: Update, context: Context) -> None:
    """/timezone [zone]."""
    service = subscribers(context)
    chat = chat_info(update)
    query = " ".join(context.args or [])
    if not query:
        reply = messages.timezone_current(await service.zone_of(chat.chat_id), service.clock.now())
    elif not await may_change(update, context, chat):  # a group's zone: its admins only
        reply = messages.group_zone_admins_only()
    else:
        choice = resolve_zone(query)
        if choice.zone is not None and len(choice.candidates) <= 1:
            await service.set_zone(chat, choice.zone)
            reply = messages.timezone_set(choice.zone, service.clock.now())
        elif choice.candidates and choice.error is None:
            reply = messages.timezone_choices(query, choice.candidates)
        else:
            reply = messages.timezone_unknown(query, choice.candidates)
    await answer(update, context, reply)


def _is_zone_button(data: object) -> bool:
    """Whether a press is a zone choice (anything else goes to the catch-all)."""
    return isinstance(data, str) and isinstance(cb.decode(data), cb.ChooseZone)


async def on_choice(update: Update, context: Context) -> None:
    """A zone button (``tz:<IANA name>``)."""
    query = cast(CallbackQuery, update.callback_query)
    action = cb.decode(query.data)
    if not isinstance(action, cb.ChooseZone):
        await query.answer(STALE_BUTTON)
        return
    try:
        zone = parse_zone(action.zone)
    except TimeError:
        await query.answer("Unknown zone; try /timezone again.", show_alert=True)
        return
    service = subscribers(context)
    chat = chat_info(update)
    if not await may_change(update, context, chat):
        await query.answer(messages.group_zone_admins_only().text, show_alert=True)
        return
    await service.set_zone(chat, zone)
    await query.answer(f"Time zone: {zone.label}")
    await answer(update, context, messages.timezone_set(zone, service.clock.now()))


def register(application: Application) -> None:  # type: ignore[type-arg]
    """Add /timezone and its buttons."""
    application.add_handler(CommandHandler("timezone", timezone))
    application.add_handler(CallbackQueryHandler(on_choice, pattern=_is_zone_button))
