"""Answers about the event: /start, /help, /dates, /next, /topics, /scope, /contacts, …."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.ext import Application, CommandHandler

from bot.domain.topics import scope_verdict
from bot.render import answers, messages
from bot.render.messages import Reply
from bot.telegram.common import Context, answer, chat_info, subscribers
from bot.telegram.handlers import subscription, timezone

Answer = Callable[[Update, Context], Awaitable[Reply]]


async def dates(update: Update, context: Context) -> Reply:
    """Every key date as written, in the reader's zone, with its countdown.

    The first time a chat without a zone asks, the one-tap time-zone buttons come along.
    """
    service = subscribers(context)
    chat = chat_info(update)
    reader = await service.reader(chat)
    reply = messages.dates(service.event, reader)
    offer = reader.zone is None and not chat.is_group
    if offer and await service.first_time(chat.chat_id, "dates-zone-offer"):
        reply = await timezone.onboarding(update, context, reply)
    return reply


async def next_date(update: Update, context: Context) -> Reply:
    """The next date ahead, or that this edition is over."""
    service = subscribers(context)
    return messages.next_date(service.event, await service.reader(chat_info(update)))


async def topics(update: Update, context: Context) -> Reply:
    """The call's topics."""
    service = subscribers(context)
    return messages.topics(service.event, await service.reader(chat_info(update)))


async def scope_of(words: str, context: Context) -> Reply:
    """The verdict on ``words`` (In scope, Borderline, Probably out of scope), closest topics."""
    event = subscribers(context).event
    items, keywords = (event.topics.items, event.topics.keywords) if event.topics else ((), ())
    return answers.scope_verdict(event, scope_verdict(words, items, keywords))


async def scope(update: Update, context: Context) -> Reply:
    """Answer /scope <words>: is my topic in scope."""
    return await scope_of(" ".join(context.args or []), context)


async def contacts(update: Update, context: Context) -> Reply:
    """Whom to contact."""
    return messages.contacts(subscribers(context).event)


async def cfp(update: Update, context: Context) -> Reply:
    """The call: summary, submission, publication."""
    return messages.cfp(subscribers(context).event)


async def venue(update: Update, context: Context) -> Reply:
    """When, where, co-located with."""
    service = subscribers(context)
    return messages.venue(service.event, await service.reader(chat_info(update)))


async def news(update: Update, context: Context) -> Reply:
    """The latest announcements."""
    service = subscribers(context)
    reader = await service.reader(chat_info(update))
    return messages.news(service.event, await service.latest_news(), reader)


async def help_(update: Update, context: Context) -> Reply:
    """Every command."""
    service = subscribers(context)
    return messages.help_text(service.event, await service.reader(chat_info(update)))


async def about(update: Update, context: Context) -> Reply:
    """About the bot."""
    return messages.about(subscribers(context).event)


async def welcome(update: Update, context: Context) -> Reply:
    """What the bot does, with a Subscribe button."""
    service = subscribers(context)
    chat = chat_info(update)
    await service.seen(chat)
    reply = messages.welcome(
        service.event,
        subscribed=await service.is_subscribed(chat.chat_id),
        now=service.clock.now(),
    )
    return await timezone.onboarding(update, context, reply)


ANSWERS: dict[str, Answer] = {
    "dates": dates,
    "next": next_date,
    "topics": topics,
    "scope": scope,
    "contacts": contacts,
    "cfp": cfp,
    "venue": venue,
    "news": news,
    "help": help_,
    "about": about,
}
"""Command name → answer; also the deep-link payloads /start accepts (t.me/bot?start=dates)."""


async def start(update: Update, context: Context) -> None:
    """/start, with an optional deep-link payload that opens that answer."""
    payload = (context.args or [""])[0].lower()
    if payload == "subscribe":  # t.me/<bot>?start=subscribe: one tap from a shared card
        await subscription.subscribe(update, context)
        return
    if payload in ANSWERS:
        await subscribers(context).seen(chat_info(update))
        await answer(update, context, await ANSWERS[payload](update, context))
        return
    await answer(update, context, await welcome(update, context))


def _command(respond: Answer) -> Callable[[Update, Context], Coroutine[Any, Any, None]]:
    async def handle(update: Update, context: Context) -> None:
        await answer(update, context, await respond(update, context))

    handle.__doc__ = respond.__doc__
    return handle


def register(application: Application) -> None:  # type: ignore[type-arg]
    """Add the informational commands."""
    application.add_handler(CommandHandler("start", start))
    for name, respond in ANSWERS.items():
        if name != "news":  # /news is registered by the news handlers (admins post with it)
            application.add_handler(CommandHandler(name, _command(respond)))
