"""Plain questions, unknown commands, and flood control."""

from __future__ import annotations

from telegram import Update
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.render import messages
from bot.telegram.common import Context, answer
from bot.telegram.flood import FloodGuard
from bot.telegram.handlers import questions, timezone

FLOOD_KEY = "flood_guard"


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
    await answer(update, context, messages.unknown_command(name))


async def flood_control(update: Update, context: Context) -> None:
    """Drop updates past a person's burst, with one polite reply per burst."""
    user = update.effective_user
    if user is None:
        return
    guard: FloodGuard = context.bot_data.setdefault(FLOOD_KEY, FloodGuard())
    allowed, warn = guard.check(user.id)
    if allowed:
        return
    if warn:
        await answer(update, context, messages.throttled())
    raise ApplicationHandlerStop


def register_flood_control(application: Application) -> None:  # type: ignore[type-arg]
    """Run flood control before every other handler (group -1)."""
    application.add_handler(TypeHandler(Update, flood_control), group=-1)


def register(application: Application) -> None:  # type: ignore[type-arg]
    """Add the catch-alls; register them after every command."""
    application.add_handler(MessageHandler(filters.COMMAND, unknown_command))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, plain_text))
