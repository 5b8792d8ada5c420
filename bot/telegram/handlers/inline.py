"""Inline mode: shareable cards of the key dates, the next deadline, or the closest topics.

``@bot`` in any chat offers the dates and the next deadline; ``@bot topic words`` offers
the topics closest to the words. Each card has a button back to the bot.
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
from telegram.constants import ParseMode
from telegram.ext import Application, InlineQueryHandler

from bot.domain.topics import rank_topics
from bot.render import messages
from bot.render.messages import InlineCard, Reader
from bot.telegram.common import Context, subscribers
from bot.telegram.replies import NO_PREVIEW

CACHE_SECONDS = 60
"""How long Telegram may cache an answer (countdowns change; keep it short)."""


async def on_inline_query(update: Update, context: Context) -> None:
    """Answer ``@bot`` and ``@bot words`` with shareable cards."""
    query = cast(InlineQuery, update.inline_query)
    service = subscribers(context)
    event = service.event
    reader = Reader(await service.zone_of(query.from_user.id), service.clock.now(), True)
    words = query.query.strip()
    if words:
        items, keywords = (event.topics.items, event.topics.keywords) if event.topics else ((), ())
        matches = rank_topics(words, items, limit=5, keywords=keywords)
        cards = messages.inline_topic_cards(event, words, matches)
    else:
        cards = messages.inline_date_cards(event, reader)
    username = context.bot.username
    button = InlineKeyboardMarkup(
        [[InlineKeyboardButton("🔔 Get reminders", url=f"https://t.me/{username}?start=subscribe")]]
    )
    results = [_article(card, button) for card in cards]
    await query.answer(results, cache_time=CACHE_SECONDS, is_personal=True)


def _article(card: InlineCard, button: InlineKeyboardMarkup) -> InlineQueryResultArticle:
    return InlineQueryResultArticle(
        id=card.id,
        title=card.title,
        description=card.description,
        input_message_content=InputTextMessageContent(
            card.text, parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW
        ),
        reply_markup=button,
    )


def register(application: Application) -> None:  # type: ignore[type-arg]
    """Answer inline queries."""
    application.add_handler(InlineQueryHandler(on_inline_query))
