"""People come and go: blocking, unblocking, being added to or removed from a group."""

from __future__ import annotations

from telegram import ChatMemberUpdated, Update
from telegram.constants import ChatMemberStatus
from telegram.ext import ChatMemberHandler

from bot.telegram.common import Context, chat_info, subscribers
from bot.telegram.context import BotApp

GONE = {ChatMemberStatus.BANNED, ChatMemberStatus.LEFT}


async def my_chat_member(update: Update, context: Context) -> None:
    """Mark the chat inactive when the bot is blocked or removed; active when it is back."""
    change: ChatMemberUpdated | None = update.my_chat_member
    if change is None:
        return
    service = subscribers(context)
    chat = chat_info(update)
    if change.new_chat_member.status in GONE:
        reason = "blocked" if chat.type == "private" else "removed"
        await service.chat_left(chat.chat_id, reason)
    else:
        await service.chat_back(chat)


def register(application: BotApp) -> None:
    """Follow the bot's own membership in chats."""
    application.add_handler(ChatMemberHandler(my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))
