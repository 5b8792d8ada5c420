"""Plain questions, unknown commands, and the flood warning."""

from __future__ import annotations

from telegram import Update
from telegram.ext import MessageHandler, filters

from bot.render import subscribers as subscriber_text
from bot.telegram.common import Context, answer
from bot.telegram.context import BotApp
from bot.telegram.handlers import questions, timezone
from bot.telegram.replies import send_reply


async def plain_text(update: Update, context: Context) -> None:
    """Answer questions asked in words; hint at what works otherwise."""
    message = update.effective_message
    if message is None or not message.text:
        return
    if timezone.is_city_reply(message):  # the answer to "Type a city"
        await timezone.set_from_text(update, context, message.text)
        return
    await questions.respond(update, context, message.text)


async def unknown_command(update: Update, context: Context) -> None:
    """Answer a command the bot does not have (never silence)."""
    message = update.effective_message
    if message is None or not message.text:
        return
    word = message.text.split()[0].lstrip("/")
    name, _, addressee = word.partition("@")
    if addressee and addressee.lower() != (context.bot.username or "").lower():
        return  # meant for another bot in this group
    await answer(update, context, subscriber_text.unknown_command(name))


async def warn_flooder(update: Update) -> None:
    """Tell a person who floods the bot to slow down (once per flood; see FloodGuard)."""
    chat = update.effective_chat
    if chat is not None:
        await send_reply(update.get_bot(), chat.id, subscriber_text.throttled())


def register(application: BotApp) -> None:
    """Add the catch-alls; register them after every command."""
    application.add_handler(MessageHandler(filters.COMMAND, unknown_command))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, plain_text))
