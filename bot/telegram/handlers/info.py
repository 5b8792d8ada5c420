"""Answers about the event: /start, /help, /dates, /next, /topics, /scope, /contacts, …."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.ext import Application, CommandHandler

from bot.domain.model import Event
from bot.domain.topics import rank_topics
from bot.render import messages
from bot.render import series as series_text
from bot.render.messages import Reply
from bot.render.series import SeriesLine
from bot.services.subscribers import Target
from bot.telegram.common import Context, answer, chat_info, subscribers
from bot.telegram.handlers import series as series_handlers
from bot.telegram.handlers import subscription
from bot.telegram.targets import heading, resolve

Answer = Callable[[Update, Context], Awaitable[Reply]]


async def dates(update: Update, context: Context) -> Reply:
    """Every key date as written, in the reader's zone, with its countdown (/dates 2026)."""
    target = await resolve(update, context, "dates")
    if isinstance(target, Reply):
        return target
    reader = await subscribers(context).reader(chat_info(update))
    return heading(target, messages.dates(_edition(target), reader), reader.now)


async def next_date(update: Update, context: Context) -> Reply:
    """The next date ahead, or that this edition is over."""
    target = await resolve(update, context, "next")
    if isinstance(target, Reply):
        return target
    reader = await subscribers(context).reader(chat_info(update))
    return heading(target, messages.next_date(_edition(target), reader), reader.now)


async def topics(update: Update, context: Context) -> Reply:
    """The call's topics."""
    target = await resolve(update, context, "topics")
    if isinstance(target, Reply):
        return target
    reader = await subscribers(context).reader(chat_info(update))
    return heading(target, messages.topics(_edition(target), reader), reader.now)


async def scope_of(words: str, context: Context, event: Event | None = None) -> Reply:
    """Rank the call's topics against ``words``."""
    event = event or subscribers(context).event
    items = event.topics.items if event.topics else ()
    return messages.scope(event, words, rank_topics(words, items))


async def scope(update: Update, context: Context) -> Reply:
    """Answer /scope [event] <words>: is my topic in scope."""
    target = await resolve(update, context, "scope")
    if isinstance(target, Reply):
        return target
    return await scope_of(" ".join(target.rest), context, _edition(target))


async def contacts(update: Update, context: Context) -> Reply:
    """Whom to contact."""
    target = await resolve(update, context, "contacts")
    if isinstance(target, Reply):
        return target
    return messages.contacts(_edition(target))


async def cfp(update: Update, context: Context) -> Reply:
    """The call: summary, submission, publication."""
    target = await resolve(update, context, "cfp")
    if isinstance(target, Reply):
        return target
    return messages.cfp(_edition(target))


async def venue(update: Update, context: Context) -> Reply:
    """When, where, co-located with."""
    target = await resolve(update, context, "venue")
    if isinstance(target, Reply):
        return target
    reader = await subscribers(context).reader(chat_info(update))
    return messages.venue(_edition(target), reader)


async def news(update: Update, context: Context) -> Reply:
    """The latest announcements of the series (every edition's)."""
    target = await resolve(update, context, "news")
    if isinstance(target, Reply):
        return target
    service = subscribers(context)
    reader = await service.reader(chat_info(update))
    series = target.series.id if target.series else None
    entries = await service.latest_news(series=series)
    return messages.news(_edition(target), entries, reader)


async def help_(update: Update, context: Context) -> Reply:
    """Every command."""
    service = subscribers(context)
    chat = chat_info(update)
    event = (await service.target(chat.chat_id)).edition or service.event
    return messages.help_text(event, await service.reader(chat))


async def about(update: Update, context: Context) -> Reply:
    """About the bot."""
    service = subscribers(context)
    event = (await service.target(chat_info(update).chat_id)).edition or service.event
    return messages.about(event)


async def welcome(update: Update, context: Context) -> Reply:
    """What the bot does, with a Subscribe button (with several series: /events)."""
    service = subscribers(context)
    chat = chat_info(update)
    await service.seen(chat)
    if len(service.book.catalog) > 1:
        lines = [
            SeriesLine(s, s.id in await service.following(chat.chat_id))
            for s in service.book.catalog
        ]
        return series_text.events_list(lines, await service.reader(chat))
    return messages.welcome(service.event, subscribed=await service.is_subscribed(chat.chat_id))


def _edition(target: Target) -> Event:
    assert target.edition is not None
    return target.edition


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
    """/start, with an optional deep-link payload that opens that answer.

    ``?start=<series>`` follows that series and opens it (with several series in one bot).
    """
    payload = (context.args or [""])[0].lower()
    if payload == "subscribe":  # t.me/<bot>?start=subscribe: one tap from a shared card
        await subscription.subscribe(update, context)
        return
    if payload not in ANSWERS and await series_handlers.follow_link(update, context, payload):
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
