"""Plain questions: understand (bot.domain.questions), answer (bot.render), reply."""

from __future__ import annotations

from collections.abc import Callable

from telegram import Update
from telegram.ext import CallbackQueryHandler

from bot.domain.model import Event
from bot.domain.questions import Answer, understand
from bot.domain.series import series_in_text, series_of
from bot.render import answers
from bot.render import callbacks as cb
from bot.render import series as series_text
from bot.render import subscribers as subscriber_text
from bot.render.reply import Reply
from bot.telegram.common import Context, answer, chat_info, subscribers
from bot.telegram.context import BotApp
from bot.telegram.handlers import info, subscription, timezone
from bot.telegram.handlers.buttons import pressed, presses


async def event_of(update: Update, context: Context, text: str = "") -> Event:
    """The edition a plain question is about: the series it names, else the chat's default.

    A named series also becomes the event of the commands it leads to (``context.args``).
    """
    service = subscribers(context)
    named = series_in_text(service.book.catalog, text) if text else None
    if named is not None:
        context.args = [named.id]
        return named.current(service.clock.now())
    return (await service.target(chat_info(update).chat_id)).edition or service.event


async def reply_for(
    update: Update, context: Context, asked: Answer, event: Event | None = None
) -> Reply | None:
    """Return the reply to an understood question (None when a handler already answered)."""
    service = subscribers(context)
    event = event or await event_of(update, context)
    reader = await service.reader(chat_info(update))
    kind = asked.kind
    if kind == "key_date" and asked.key_date is not None:
        kd = event.key_date(asked.key_date)
        if kd is not None:
            return answers.key_date(event, kd, reader, asked.zones)
    if kind in {"deadline", "key_date"}:
        deadline = answers.next_deadline(event, reader)
        if deadline is None:
            return answers.no_deadline(event)
        return answers.key_date(event, deadline, reader, asked.zones)
    if kind == "next" and asked.zones:
        upcoming = event.next_date(reader.now)
        if upcoming is not None:
            return answers.key_date(event, upcoming, reader, asked.zones)
    if kind == "scope":
        if not asked.subject:
            return subscriber_text.scope_usage()
        return await info.scope_of(asked.subject, context, event)
    if kind == "subscribe":
        await subscription.subscribe(update, context)
        return None
    simple: dict[str, Callable[[], Reply]] = {
        "aoe": lambda: answers.aoe(event, reader),
        "publication": lambda: answers.publication(event),
        "colocation": lambda: answers.colocation(event, reader),
        "twitter": lambda: answers.social(event),
        "website": lambda: answers.website(event),
        "greeting": lambda: answers.greeting(event),
        "thanks": answers.thanks,
        "submission": lambda: answers.submission(event, reader),
        "not_in_call": lambda: answers.not_in_call(event, asked.subject),
        "timezone": lambda: subscriber_text.timezone_current(reader.zone, reader.now),
    }
    if kind in simple:
        return simple[kind]()
    return await info.ANSWERS[kind](update, context)


async def respond(update: Update, context: Context, text: str) -> None:
    """Answer a plain question, or offer the two or three most likely answers as buttons."""
    event = await event_of(update, context, text)
    several = len(subscribers(context).book.catalog) > 1
    understanding = understand(event, text)
    if understanding.answer is None:
        chat = update.effective_chat
        if chat is not None and chat.type == "private":  # in groups people talk among themselves
            about = (event, series_of(event)) if several else None
            await answer(update, context, answers.suggestions(understanding.suggestions, about))
        return
    reply = await reply_for(update, context, understanding.answer, event)
    if reply is None:
        return
    if several:
        reply = series_text.about_event(event, reply)
    if understanding.answer.kind == "timezone":
        reply = await timezone.onboarding(update, context, reply)
    await answer(update, context, reply)


async def on_ask(update: Update, context: Context) -> None:
    """A suggestion button: answer the question it names."""
    press = await pressed(update, cb.Ask)
    if press is None:
        return
    query, action = press
    await query.answer()
    service = subscribers(context)
    series = action.series_in(service.book.catalog)
    event = None
    if series is not None:  # the series the question was about, not the chat's default
        context.args = [series.id]
        event = series.current(service.clock.now())
    reply = await reply_for(update, context, Answer(action.kind), event)
    if reply is not None and event is not None:
        reply = series_text.about_event(event, reply)
    if reply is not None:
        await answer(update, context, reply)


def register(application: BotApp) -> None:
    """Add the suggestion buttons (plain text itself reaches :func:`respond` via fallback)."""
    application.add_handler(CallbackQueryHandler(on_ask, pattern=presses(cb.Ask)))
