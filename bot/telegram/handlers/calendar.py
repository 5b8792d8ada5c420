"""/calendar: the event's key dates as an .ics file, with alarms that follow the policy."""

from __future__ import annotations

from telegram import InputFile, Update
from telegram.ext import CommandHandler

from bot.calendar import calendar_filename, event_calendar
from bot.render import subscribers as subscriber_text
from bot.render.reply import Reply
from bot.telegram.common import Context, answer, chat_info, subscribers
from bot.telegram.context import BotApp
from bot.telegram.targets import resolve


async def send_calendar(update: Update, context: Context) -> None:
    """Send the .ics file of the event's key dates."""
    service = subscribers(context)
    chat = chat_info(update)
    target = await resolve(update, context, "calendar")
    if isinstance(target, Reply):
        await answer(update, context, target)
        return
    assert target.edition is not None
    event = target.edition
    data = event_calendar([event], service.clock.now())
    caption = subscriber_text.calendar_caption(event)
    await context.bot.send_document(
        chat.chat_id,
        InputFile(data, filename=calendar_filename(event), attach=True),
        caption=caption.text,
    )


def register(application: BotApp) -> None:
    """Add /calendar."""
    application.add_handler(CommandHandler(["calendar", "ics"], send_calendar))
