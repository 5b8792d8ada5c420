"""Answers about the event: /start, /help, /dates, /next, /topics, /scope, /contacts, …."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.ext import CommandHandler

from bot.domain.model import Event
from bot.domain.topics import scope_verdict
from bot.domain.views import Reader
from bot.render import answers
from bot.render import subscribers as subscriber_text
from bot.render.reply import Reply
from bot.services.subscribers import Target
from bot.telegram.common import Context, answer, chat_info, subscribers
from bot.telegram.context import BotApp
from bot.telegram.handlers import series as series_handlers
from bot.telegram.handlers import subscription, timezone
from bot.telegram.targets import heading, resolve

Answer = Callable[[Update, Context], Awaitable[Reply]]


EventAnswer = Callable[[Update, Context, Target, Event], Awaitable[Reply]]


def about_event(command: str) -> Callable[[EventAnswer], Answer]:
    """Give an answer its event: ``/dates mlsys``, ``/dates 2026``, else the chat's default.

    When the chat must choose, or names a year the series lacks, that is the reply.
    """

    def wrap(respond: EventAnswer) -> Answer:
        async def answer_for(update: Update, context: Context) -> Reply:
            target = await resolve(update, context, command)
            if isinstance(target, Reply):
                return target
            assert target.edition is not None
            return await respond(update, context, target, target.edition)

        answer_for.__doc__ = respond.__doc__
        return answer_for

    return wrap


async def _reader(update: Update, context: Context) -> Reader:
    return await subscribers(context).reader(chat_info(update))


@about_event("dates")
async def dates(update: Update, context: Context, target: Target, event: Event) -> Reply:
    """Every key date as written, in the reader's zone, with its countdown (/dates 2026).

    The first time a chat without a zone asks, the one-tap time-zone buttons come along.
    """
    service = subscribers(context)
    chat = chat_info(update)
    reader = await service.reader(chat)
    reply = heading(target, subscriber_text.dates(event, reader), reader.now)
    offer = reader.zone is None and not chat.is_group
    if offer and await service.first_time(chat.chat_id, "dates-zone-offer"):
        reply = await timezone.onboarding(update, context, reply)
    return reply


@about_event("next")
async def next_date(update: Update, context: Context, target: Target, event: Event) -> Reply:
    """The next date ahead, or that this edition is over."""
    reader = await _reader(update, context)
    return heading(target, subscriber_text.next_date(event, reader), reader.now)


@about_event("topics")
async def topics(update: Update, context: Context, target: Target, event: Event) -> Reply:
    """The call's topics."""
    reader = await _reader(update, context)
    return heading(target, subscriber_text.topics(event, reader), reader.now)


async def scope_of(words: str, context: Context, event: Event | None = None) -> Reply:
    """The verdict on ``words`` (In scope, Borderline, Probably out of scope), closest topics."""
    event = event or subscribers(context).event
    items, keywords = (event.topics.items, event.topics.keywords) if event.topics else ((), ())
    return answers.scope_verdict(event, scope_verdict(words, items, keywords))


@about_event("scope")
async def scope(update: Update, context: Context, target: Target, event: Event) -> Reply:
    """Answer /scope [event] <words>: is my topic in scope."""
    return await scope_of(" ".join(target.rest), context, event)


@about_event("contacts")
async def contacts(update: Update, context: Context, target: Target, event: Event) -> Reply:
    """Whom to contact."""
    return subscriber_text.contacts(event)


@about_event("cfp")
async def cfp(update: Update, context: Context, target: Target, event: Event) -> Reply:
    """The call: summary, submission, publication."""
    return subscriber_text.cfp(event)


@about_event("venue")
async def venue(update: Update, context: Context, target: Target, event: Event) -> Reply:
    """When, where, co-located with."""
    return subscriber_text.venue(event, await _reader(update, context))


@about_event("news")
async def news(update: Update, context: Context, target: Target, event: Event) -> Reply:
    """The latest announcements of the series (every edition's)."""
    series = target.series.id if target.series else None
    entries = await subscribers(context).latest_news(series=series)
    return subscriber_text.news(event, entries, await _reader(update, context))


async def help_(update: Update, context: Context) -> Reply:
    """Every command; with several series, the ones the chat follows and how to name one."""
    service = subscribers(context)
    chat = chat_info(update)
    reader = await service.reader(chat)
    catalog = service.book.catalog
    event = (await service.target(chat.chat_id)).edition
    if len(catalog) == 1:
        return subscriber_text.help_text(event or service.event, reader)
    following = [s.current(reader.now) for s in await service.followed_series(chat.chat_id)]
    carried = [s.current(reader.now) for s in catalog]
    return subscriber_text.help_text(event, reader, following=following, carried=carried)


@about_event("about")
async def about(update: Update, context: Context, target: Target, event: Event) -> Reply:
    """About the bot, for the chat's default event (/about mlsys: for that one)."""
    return subscriber_text.about(event, len(subscribers(context).book.catalog))


async def welcome(update: Update, context: Context) -> Reply:
    """What the bot does, with a Subscribe button (with several series: /events)."""
    service = subscribers(context)
    chat = chat_info(update)
    await service.seen(chat)
    if len(service.book.catalog) > 1:
        return await series_handlers.events_reply(update, context)
    reply = subscriber_text.welcome(
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


def register(application: BotApp) -> None:
    """Add the informational commands."""
    application.add_handler(CommandHandler("start", start))
    for name, respond in ANSWERS.items():
        if name != "news":  # /news is registered by the news handlers (admins post with it)
            application.add_handler(CommandHandler(name, _command(respond)))
