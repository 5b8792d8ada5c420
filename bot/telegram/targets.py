"""Which event a command is about: its optional argument, else the chat's default.

``/dates mlsys``, ``/topics euromlsys``, ``/dates 2026``: the event (and year) comes
first. Without one, the chat's default series answers (the only series, the only one
it follows, or the one it chose); when it has none, the bot asks with buttons.
"""

from __future__ import annotations

import datetime as dt

from telegram import Update

from bot.render import series as series_text
from bot.render.reply import Reply
from bot.services.subscribers import Target
from bot.telegram.common import Context, chat_info, subscribers


async def resolve(update: Update, context: Context, command: str) -> Target | Reply:
    """Return the command's target, or the reply to send instead (a question, a refusal).

    A command that names its event makes it the chat's choice for the next ones.
    """
    service = subscribers(context)
    chat = chat_info(update)
    target = await service.target(chat.chat_id, context.args or [])
    now = service.clock.now()
    if target.series is None:
        return series_text.choose_series(command, service.book.catalog, now)
    if target.edition is None:
        return series_text.no_edition(target.series, target.no_year or 0)
    if target.named and len(service.book.catalog) > 1:
        await service.choose(chat, target.series.id)
    return target


def heading(target: Target, reply: Reply, now: dt.datetime) -> Reply:
    """Head an answer about an edition that is not the series' current one."""
    if target.series is None or target.edition is None:
        return reply
    text = series_text.edition_heading(target.edition, target.series.current(now))
    return Reply(text + reply.text, reply.buttons) if text else reply
