"""The last line of defence: a failed handler is logged once, and the person hears back."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application

from bot.render import messages
from bot.telegram.common import Context, answer

log = logging.getLogger(__name__)


async def on_error(update: object, context: Context) -> None:
    """Log a handler's exception (one line plus its traceback) and apologise to the chat."""
    error = context.error
    where = f"update {update.update_id}" if isinstance(update, Update) else "a job"
    log.error("error while handling %s: %s: %s", where, type(error).__name__, error, exc_info=error)
    if isinstance(update, Update) and update.effective_chat is not None:
        try:
            await answer(update, context, messages.something_went_wrong())
        except TelegramError as exc:  # Telegram itself is the problem: nothing more to do
            log.warning("could not tell the chat about the error: %s", exc)


def register(application: Application) -> None:  # type: ignore[type-arg]
    """Install the error handler."""
    application.add_error_handler(on_error)
