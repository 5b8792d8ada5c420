"""What every handler needs: the services, who wrote, and how to answer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from telegram import Update
from telegram.constants import ChatMemberStatus
from telegram.ext import Application, ContextTypes

from bot.render.reply import Reply
from bot.services.subscribers import ChatInfo, SubscriberService
from bot.telegram.replies import send_reply

if TYPE_CHECKING:
    from bot.delivery import DeliveryEngine
    from bot.services.admin import AdminService
    from bot.services.news import NewsService
    from bot.services.reminders import ReminderService
    from bot.supervision import HealthBoard

Context = ContextTypes.DEFAULT_TYPE
SERVICES_KEY = "services"
ALLOWED_UPDATES = ["message", "callback_query", "inline_query", "my_chat_member"]
"""The update types the bot asks Telegram for."""
GROUP_ADMINS = {ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER}


@dataclass(frozen=True)
class Services:
    """What handlers may call: services only, never storage or SQL."""

    subscribers: SubscriberService
    reminders: ReminderService
    engine: DeliveryEngine
    admin: AdminService
    news: NewsService
    health: HealthBoard | None = None
    """Where handlers report a failing storage (admins are alerted from it)."""


def install(application: Application, services: Services) -> None:  # type: ignore[type-arg]
    """Make the services reachable from every handler."""
    application.bot_data[SERVICES_KEY] = services


def services(context: Context) -> Services:
    """Return the services installed in the application."""
    return cast(Services, context.bot_data[SERVICES_KEY])


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
