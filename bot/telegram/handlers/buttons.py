"""The catch-all of inline buttons: a press no handler claims is answered, never ignored.

A stale button (from an older message or config), forged data, or a press the bot did not
build (:func:`bot.render.callbacks.decode` returns None) gets a short toast, so the
person's client stops spinning and they know to ask again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar, cast

from telegram import CallbackQuery, Update
from telegram.ext import CallbackQueryHandler

from bot.render import callbacks as cb
from bot.render.subscribers import STALE_BUTTON
from bot.telegram.common import Context
from bot.telegram.context import BotApp

log = logging.getLogger(__name__)

A = TypeVar("A")
Press = tuple[CallbackQuery, A] | None
"""A button press and its action, or None when it was answered as stale."""


def presses(*kinds: type[object]) -> Callable[[object], bool]:
    """A ``CallbackQueryHandler`` pattern: a press whose data decodes to one of ``kinds``."""

    def matches(data: object) -> bool:
        return isinstance(data, str) and isinstance(cb.decode(data), kinds)

    return matches


async def pressed(update: Update, *kinds: type[A]) -> Press[A]:
    """The press and its action when that is one of ``kinds``; else it is answered as stale."""
    query = cast(CallbackQuery, update.callback_query)
    action = cb.decode(query.data)
    if isinstance(action, kinds):
        return query, action
    await query.answer(STALE_BUTTON)
    return None


async def unknown_button(update: Update, _context: Context) -> None:
    """Answer a press no other handler claimed."""
    query = cast(CallbackQuery, update.callback_query)
    log.info("button press with unknown data (%d bytes) answered as stale", len(query.data or ""))
    await query.answer(STALE_BUTTON)


def register(application: BotApp) -> None:
    """Add the catch-all; register it after every handler of buttons."""
    application.add_handler(CallbackQueryHandler(unknown_button))
