"""Turn a rendered :class:`Reply` into Telegram messages: HTML, split, buttons on the last part.

HTML and no link preview come from the Application's defaults (``bot.telegram.app.DEFAULTS``).
"""

from __future__ import annotations

from telegram import (
    Bot,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from bot.render.html import split_message
from bot.render.reply import Button, Reply


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    """Return the reply's buttons as an inline keyboard, or None."""
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup([[_button(b) for b in row] for row in reply.buttons])


Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | ForceReply


def markup(reply: Reply) -> Markup | None:
    """Return what goes under a sent message: inline buttons, or a keyboard the reply asks for."""
    if reply.request_location is not None:
        button = KeyboardButton(reply.request_location, request_location=True)
        return ReplyKeyboardMarkup([[button]], resize_keyboard=True, one_time_keyboard=True)
    if reply.force_reply is not None:
        return ForceReply(input_field_placeholder=reply.force_reply[:64])
    if reply.remove_keyboard:
        return ReplyKeyboardRemove()
    return keyboard(reply)


def _button(button: Button) -> InlineKeyboardButton:
    if button.url is not None:
        return InlineKeyboardButton(button.label, url=button.url)
    if button.switch_inline is not None:
        return InlineKeyboardButton(button.label, switch_inline_query=button.switch_inline)
    return InlineKeyboardButton(button.label, callback_data=button.data)


async def send_reply(bot: Bot, chat_id: int, reply: Reply) -> list[Message]:
    """Send a reply, split at line boundaries, with its buttons under the last part."""
    parts = split_message(reply.text)
    sent: list[Message] = []
    for index, part in enumerate(parts):
        under = markup(reply) if index == len(parts) - 1 else None
        sent.append(await bot.send_message(chat_id, part, reply_markup=under))
    return sent


async def edit_reply(message: Message, reply: Reply) -> None:
    """Replace a message (e.g. /settings after a toggle) with a new rendering."""
    (text, *_rest) = split_message(reply.text)
    await message.edit_text(text, reply_markup=keyboard(reply))
