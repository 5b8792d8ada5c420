"""What every handler needs: the services, who wrote, and how to answer."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatMemberStatus

from bot.render.reply import Reply
from bot.services.subscribers import ChatInfo, SubscriberService
from bot.telegram.context import BotApp, Context, Services
from bot.telegram.replies import send_reply

__all__ = [
    "ALLOWED_UPDATES",
    "GROUP_ADMINS",
    "Context",
    "Services",
    "answer",
    "chat_info",
    "install",
    "may_change",
    "sender_id",
    "services",
    "subscribers",
]

ALLOWED_UPDATES = ["message", "callback_query", "inline_query", "my_chat_member"]
"""The update types the bot asks Telegram for."""
GROUP_ADMINS = {ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER}


def install(application: BotApp, services: Services) -> None:
    """Make the services reachable from every handler (``context.bot_data.services``)."""
    application.bot_data.services = services


def services(context: Context) -> Services:
    """Return the services installed in the application."""
    installed = context.bot_data.services
    if installed is None:
        raise RuntimeError("no services installed in the application (see bot.runtime)")
    return installed


def subscribers(context: Context) -> SubscriberService:
    """Return the subscriber service installed in the application."""
    return services(context).subscribers


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


def sender_id(update: Update) -> int | None:
    """The user id of who sent the update (never a forwarded "from" or the chat)."""
    user = update.effective_user
    return user.id if user else None


async def may_change(update: Update, context: Context, chat: ChatInfo) -> bool:
    """In a group only its admins may change what the bot keeps for it (the sender's user id).

    Subscribing, settings and the group's time zone all ask this.
    """
    if not chat.is_group:
        return True
    user = update.effective_user
    if user is None:
        return False
    member = await context.bot.get_chat_member(chat.chat_id, user.id)
    return member.status in GROUP_ADMINS


async def answer(update: Update, context: Context, reply: Reply) -> None:
    """Send ``reply`` to the chat the update came from."""
    chat = update.effective_chat
    if chat is not None:
        await send_reply(context.bot, chat.id, reply)
