"""/timezone, its buttons, the location button and the one-tap onboarding."""

from __future__ import annotations

from typing import cast

from telegram import CallbackQuery, Message, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.domain.model import Event, KeyDate
from bot.domain.times import TimeError, parse_zone
from bot.domain.zones import resolve_zone, zone_at, zones_for_language
from bot.render import callbacks as cb
from bot.render import subscribers as subscriber_text
from bot.render import zones as zone_texts
from bot.render.reply import Reply
from bot.telegram.common import Context, answer, chat_info, may_change, subscribers
from bot.telegram.context import BotApp
from bot.telegram.handlers.buttons import pressed, presses


async def upcoming(context: Context, chat_id: int) -> tuple[Event, KeyDate] | None:
    """The chat's default event and its next key date, to show in a new zone.

    None when the chat has no default among several series (naming one would mislead)
    or its event has no date ahead.
    """
    service = subscribers(context)
    event = (await service.target(chat_id)).edition
    ahead = event.next_date(service.clock.now()) if event is not None else None
    return (event, ahead) if event is not None and ahead is not None else None


async def set_from_text(update: Update, context: Context, query: str) -> None:
    """Set the zone from what a person typed, or offer the choices it could mean.

    A group's zone is changed by its admins only.
    """
    service = subscribers(context)
    chat = chat_info(update)
    if not await may_change(update, context, chat):
        await answer(update, context, subscriber_text.group_zone_admins_only())
        return
    choice = resolve_zone(query)
    if choice.abbreviation is not None:
        reply = zone_texts.abbreviation_choices(choice.abbreviation)
    elif choice.zone is not None and len(choice.candidates) <= 1:
        await service.set_zone(chat, choice.zone)
        reply = subscriber_text.timezone_set(
            choice.zone, service.clock.now(), await upcoming(context, chat.chat_id)
        )
    elif choice.candidates and choice.error is None:
        reply = subscriber_text.timezone_choices(query, choice.candidates)
    else:
        reply = subscriber_text.timezone_unknown(query, choice.candidates)
    await answer(update, context, reply)


async def timezone(update: Update, context: Context) -> None:
    """/timezone [zone]."""
    query = " ".join(context.args or [])
    if query:
        await set_from_text(update, context, query)
        return
    service = subscribers(context)
    chat = chat_info(update)
    zone = await service.zone_of(chat.chat_id)
    reply = subscriber_text.timezone_current(zone, service.clock.now())
    if zone is None:
        reply = zone_texts.with_onboarding(
            reply, zones_for_language(chat.language_code), private=chat.type == "private"
        )
    await answer(update, context, reply)


async def onboarding(update: Update, context: Context, reply: Reply) -> Reply:
    """Add the one-tap time-zone buttons to ``reply`` when the chat has no zone yet."""
    chat = chat_info(update)
    if chat.is_group or await subscribers(context).zone_of(chat.chat_id) is not None:
        return reply
    guesses = zones_for_language(chat.language_code)
    return zone_texts.with_onboarding(reply, guesses, private=chat.type == "private")


async def on_choice(update: Update, context: Context) -> None:
    """A zone button (``tz:<IANA name or UTC±HH:MM>``)."""
    press = await pressed(update, cb.ChooseZone)
    if press is None:
        return
    query, action = press
    try:
        zone = parse_zone(action.zone)
    except TimeError:
        await query.answer(subscriber_text.UNKNOWN_ZONE, show_alert=True)
        return
    service = subscribers(context)
    chat = chat_info(update)
    if not await may_change(update, context, chat):
        await query.answer(subscriber_text.group_zone_admins_only().text, show_alert=True)
        return
    await service.set_zone(chat, zone)
    await query.answer(subscriber_text.zone_set_toast(zone))
    confirmation = subscriber_text.timezone_set(
        zone, service.clock.now(), await upcoming(context, chat.chat_id)
    )
    await answer(update, context, confirmation)


async def on_use_location(update: Update, context: Context) -> None:
    """The "📍 Use my location" button: show Telegram's location button (private chats)."""
    query = cast(CallbackQuery, update.callback_query)
    if chat_info(update).is_group:  # never offered in a group
        await query.answer(subscriber_text.STALE_BUTTON)
        return
    await query.answer()
    await answer(update, context, zone_texts.location_request())


async def on_type_city(update: Update, context: Context) -> None:
    """The "Type a city" button: ask for it as a reply (in a group, of its admins)."""
    query = cast(CallbackQuery, update.callback_query)
    if not await may_change(update, context, chat_info(update)):
        await query.answer(subscriber_text.group_zone_admins_only().text, show_alert=True)
        return
    await query.answer()
    await answer(update, context, zone_texts.type_city())


async def on_location(update: Update, context: Context) -> None:
    """A location shared in a private chat: its zone, found offline.

    In a group, people share places with each other; the group's zone stays as it is.
    """
    message = cast(Message, update.effective_message)
    location = message.location
    if location is None or chat_info(update).is_group:
        return
    zone = zone_at(location.latitude, location.longitude)
    if zone is None:
        await answer(update, context, zone_texts.location_unknown())
        return
    service = subscribers(context)
    chat = chat_info(update)
    await service.set_zone(chat, zone)
    ahead = await upcoming(context, chat.chat_id)
    await answer(update, context, zone_texts.zone_from_location(zone, service.clock.now(), ahead))


def is_city_reply(message: Message) -> bool:
    """Whether ``message`` answers the "Type a city" prompt."""
    replied = message.reply_to_message
    return bool(
        replied is not None
        and replied.from_user is not None
        and replied.from_user.is_bot
        and (replied.text or "").startswith(zone_texts.TYPE_CITY_PROMPT)
    )


def register(application: BotApp) -> None:
    """Add /timezone, its buttons and the location handler."""
    application.add_handler(CommandHandler("timezone", timezone))
    application.add_handler(CallbackQueryHandler(on_use_location, pattern=presses(cb.UseLocation)))
    application.add_handler(CallbackQueryHandler(on_type_city, pattern=presses(cb.TypeCity)))
    application.add_handler(CallbackQueryHandler(on_choice, pattern=presses(cb.ChooseZone)))
    application.add_handler(MessageHandler(filters.LOCATION, on_location))
