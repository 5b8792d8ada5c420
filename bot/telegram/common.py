"""What every handler needs: the services, who wrote, and how to answer."""

from __future__ import annotations

from typing import cast

from telegram import Update
from telegram.ext import Application, ContextTypes

from bot.render.messages import Reply
from bot.services.subscribers import ChatInfo, SubscriberService
from bot.telegram.replies import send_reply

Context = ContextTypes.DEFAULT_TYPE
SERVICES_KEY = "subscribers"


def install(application: Application, service: SubscriberService) -> None:  # type: ignore[type-arg]
    """Make the service reachable from every handler."""
    application.bot_data[SERVICES_KEY] = service


def subscribers(context: Context) -> SubscriberService:
    """Return the subscriber service installed in the application."""
    return cast(SubscriberService, context.bot_data[SERVICES_KEY])


def chat_info(update: Update) -> ChatInfo:
    """Describe the chat an update came from."""
    chat = update.effective_chat
    if chat is None:
        raise ValueError("update has no chat")
    user = update.effective_user
    return ChatInfo(
        chat_id=chat.id,
        type=chat.type,
        title=chat.title,
        username=chat.username,
        first_name=chat.first_name,
        language_code=user.language_code if user else None,
    )


async def answer(update: Update, context: Context, reply: Reply) -> None:
    """Send ``reply`` to the chat the update came from."""
    chat = update.effective_chat
    if chat is not None:
        await send_reply(context.bot, chat.id, reply)
