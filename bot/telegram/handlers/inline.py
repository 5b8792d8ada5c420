"""Inline mode: shareable cards of the key dates, the next deadline, or the closest topics.

``@bot`` in any chat offers the dates and the next deadline; ``@bot topic words`` offers
the topics closest to the words; ``@bot mlsys …`` does so for that series. Each card has
a button back to the bot.
"""

from __future__ import annotations

from typing import cast

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQuery,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Update,
)
from telegram.ext import InlineQueryHandler

from bot.domain.series import series_of
from bot.domain.topics import rank_topics
from bot.domain.views import Reader
from bot.render import subscribers as subscriber_text
from bot.render.reply import InlineCard
from bot.telegram.common import Context, subscribers
from bot.telegram.context import BotApp

CACHE_SECONDS = 60
"""How long Telegram may cache an answer (countdowns change; keep it short)."""


async def on_inline_query(update: Update, context: Context) -> None:
    """Answer ``@bot`` and ``@bot words`` with shareable cards."""
    query = cast(InlineQuery, update.inline_query)
    service = subscribers(context)
    # "@bot mlsys …" is about that series; otherwise the person's default, else the first.
    target = await service.target(query.from_user.id, query.query.split())
    event = target.edition or service.event
    reader = Reader(await service.zone_of(query.from_user.id), service.clock.now(), True)
    words = " ".join(target.rest) if target.named else query.query.strip()
    if words:
        items, keywords = (event.topics.items, event.topics.keywords) if event.topics else ((), ())
        matches = rank_topics(words, items, limit=5, keywords=keywords)
        cards = subscriber_text.inline_topic_cards(event, words, matches)
    else:
        cards = subscriber_text.inline_date_cards(event, reader)
    username = context.bot.username
    several = len(service.book.catalog) > 1
    start = series_of(event) if several else "subscribe"  # ?start=<series> follows it
    button = InlineKeyboardMarkup(
        [[InlineKeyboardButton("🔔 Get reminders", url=f"https://t.me/{username}?start={start}")]]
    )
    results = [_article(card, button) for card in cards]
    await query.answer(results, cache_time=CACHE_SECONDS, is_personal=True)


def _article(card: InlineCard, button: InlineKeyboardMarkup) -> InlineQueryResultArticle:
    return InlineQueryResultArticle(
        id=card.id,
        title=card.title,
        description=card.description,
        input_message_content=InputTextMessageContent(card.text),
        reply_markup=button,
    )


def register(application: BotApp) -> None:
    """Answer inline queries."""
    application.add_handler(InlineQueryHandler(on_inline_query))
