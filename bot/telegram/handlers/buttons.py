"""The catch-all of inline buttons: a press no handler claims is answered, never ignored.

A stale button (from an older message or config), forged data, or a press the bot did not
build (:func:`bot.render.callbacks.decode` returns None) gets a short toast, so the
person's client stops spinning and they know to ask again.
"""

from __future__ import annotations

import logging
from typing import cast

from telegram import CallbackQuery, Update
from telegram.ext import CallbackQueryHandler

from bot.render.subscribers import STALE_BUTTON
from bot.telegram.common import Context
from bot.telegram.context import BotApp

log = logging.getLogger(__name__)


async def unknown_button(update: Update, _context: Context) -> None:
    """Answer a press no other handler claimed."""
    query = cast(CallbackQuery, update.callback_query)
    log.info("button press with unknown data (%d bytes) answered as stale", len(query.data or ""))
    await query.answer(STALE_BUTTON)


def register(application: BotApp) -> None:
    """Add the catch-all; register it after every handler of buttons."""
    application.add_handler(CallbackQueryHandler(unknown_button))
