"""/timezone, its buttons, the location button and the one-tap onboarding."""

from __future__ import annotations

from typing import cast

from telegram import CallbackQuery, Message, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.domain.times import TimeError, parse_zone
from bot.domain.zones import resolve_zone, zone_at, zones_for_language
from bot.render import messages
from bot.render import zones as zone_texts
from bot.render.messages import Reply
from bot.telegram.common import Context, answer, chat_info, subscribers


async def set_from_text(update: Update, context: Context, query: str) -> None:
    """Set the zone from what a person typed, or offer the choices it could mean."""
    service = subscribers(context)
    choice = resolve_zone(query)
    if choice.abbreviation is not None:
        reply = zone_texts.abbreviation_choices(choice.abbreviation)
    elif choice.zone is not None and len(choice.candidates) <= 1:
        await service.set_zone(chat_info(update), choice.zone)
        reply = messages.timezone_set(choice.zone, service.clock.now())
    elif choice.candidates and choice.error is None:
        reply = messages.timezone_choices(query, choice.candidates)
    else:
        reply = messages.timezone_unknown(query, choice.candidates)
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
    reply = messages.timezone_current(zone, service.clock.now())
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
    query = cast(CallbackQuery, update.callback_query)
    name = (query.data or "").removeprefix("tz:")
    try:
        zone = parse_zone(name)
    except TimeError:
        await query.answer("Unknown zone; try /timezone again.", show_alert=True)
        return
    service = subscribers(context)
    await service.set_zone(chat_info(update), zone)
    await query.answer(f"Time zone: {zone.label}")
    await answer(update, context, messages.timezone_set(zone, service.clock.now()))


async def on_use_location(update: Update, context: Context) -> None:
    """The "📍 Use my location" button: show Telegram's location button."""
    query = cast(CallbackQuery, update.callback_query)
    await query.answer()
    await answer(update, context, zone_texts.location_request())


async def on_type_city(update: Update, context: Context) -> None:
    """The "Type a city" button: ask for it as a reply."""
    query = cast(CallbackQuery, update.callback_query)
    await query.answer()
    await answer(update, context, zone_texts.type_city())


async def on_location(update: Update, context: Context) -> None:
    """A shared location: its zone, found offline."""
    message = cast(Message, update.effective_message)
    location = message.location
    if location is None:
        return
    zone = zone_at(location.latitude, location.longitude)
    if zone is None:
        await answer(update, context, zone_texts.location_unknown())
        return
    service = subscribers(context)
    await service.set_zone(chat_info(update), zone)
    await answer(update, context, zone_texts.zone_from_location(zone, service.clock.now()))


def is_city_reply(message: Message) -> bool:
    """Whether ``message`` answers the "Type a city" prompt."""
    replied = message.reply_to_message
    return bool(
        replied is not None
        and replied.from_user is not None
        and replied.from_user.is_bot
        and (replied.text or "").startswith(zone_texts.TYPE_CITY_PROMPT)
    )


def register(application: Application) -> None:  # type: ignore[type-arg]
    """Add /timezone, its buttons and the location handler."""
    application.add_handler(CommandHandler("timezone", timezone))
    application.add_handler(
        CallbackQueryHandler(on_use_location, pattern=f"^{zone_texts.USE_LOCATION}$")
    )
    application.add_handler(CallbackQueryHandler(on_type_city, pattern=f"^{zone_texts.TYPE_CITY}$"))
    application.add_handler(CallbackQueryHandler(on_choice, pattern=r"^tz:"))
    application.add_handler(MessageHandler(filters.LOCATION, on_location))
