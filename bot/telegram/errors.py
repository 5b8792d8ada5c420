"""The last line of defence: a failed handler is logged once, and the person hears back."""

from __future__ import annotations

import contextlib
import logging

from telegram import Update
from telegram.error import TelegramError

from bot.render import subscribers as subscriber_text
from bot.storage.errors import is_storage_error
from bot.supervision import describe
from bot.telegram.common import Context, answer
from bot.telegram.context import BotApp

log = logging.getLogger(__name__)


async def on_error(update: object, context: Context) -> None:
    """Log a handler's exception (one line plus its traceback) and apologise to the chat.

    A storage failure is never answered with success: the person is told that nothing
    changed and to try again, a pressed button gets the same as a toast, and the health
    board hears of it (the admins are alerted once per cool-down).
    """
    error = context.error
    where = f"update {update.update_id}" if isinstance(update, Update) else "a job"
    storage = error is not None and is_storage_error(error)
    if storage:
        assert error is not None
        log.error("storage failed while handling %s: %s", where, describe(error))
        services = context.bot_data.services
        if services is not None and services.health is not None:
            services.health.fail("storage", f"a request failed ({describe(error)})")
    else:
        log.error(
            "error while handling %s: %s: %s", where, type(error).__name__, error, exc_info=error
        )
    if not isinstance(update, Update):
        return
    if update.callback_query is not None:
        # Already answered, or too old: the message below still tells them.
        with contextlib.suppress(TelegramError):
            await update.callback_query.answer(
                subscriber_text.STORAGE_FAILED_TOAST if storage else None, show_alert=storage
            )
    if update.effective_chat is not None:
        reply = (
            subscriber_text.storage_failed() if storage else subscriber_text.something_went_wrong()
        )
        try:
            await answer(update, context, reply)
        except TelegramError as exc:  # Telegram itself is the problem: nothing more to do
            log.warning("could not tell the chat about the error: %s", exc)


def register(application: BotApp) -> None:
    """Install the error handler."""
    application.add_error_handler(on_error)
