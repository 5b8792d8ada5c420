"""Many series in one bot: /events, /follow, /unfollow, their buttons, ``?start=<series>``.

Following a series is subscribing to it: its reminders and news, edition after edition.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.domain.series import Series, find_series
from bot.render import callbacks as cb
from bot.render import series as series_text
from bot.render import subscribers as subscriber_text
from bot.render.reply import Reply
from bot.render.series import SeriesLine
from bot.telegram.common import Context, answer, chat_info, may_change, subscribers
from bot.telegram.context import BotApp
from bot.telegram.handlers.buttons import Press, pressed, presses

Answer = Callable[[Update, Context], Awaitable[Reply]]


async def events_reply(update: Update, context: Context) -> Reply:
    """Every series with its next date, and a follow or unfollow button for each."""
    service = subscribers(context)
    chat = chat_info(update)
    following = set(await service.following(chat.chat_id))
    lines = [SeriesLine(s, s.id in following) for s in service.book.catalog]
    return series_text.events_list(lines, await service.reader(chat))


async def events(update: Update, context: Context) -> None:
    """/events: the series this bot follows, each with its next date."""
    await answer(update, context, await events_reply(update, context))


def _named(context: Context) -> tuple[Series | None, str]:
    word = (context.args or [""])[0]
    return (find_series(subscribers(context).book.catalog, word) if word else None), word


async def _change(update: Update, context: Context, series: Series, follow: bool) -> Reply:
    """Follow or unfollow ``series`` for the chat (in a group: its admins only)."""
    chat = chat_info(update)
    if not await may_change(update, context, chat):
        return subscriber_text.group_admins_only()
    service = subscribers(context)
    edition = series.current(service.clock.now())
    if follow:
        was_new = await service.subscribe(chat, series.id, choose=True)
        return series_text.followed(edition, was_new=was_new)
    return series_text.unfollowed(edition, was_following=await service.unsubscribe(chat, series.id))


async def _follow_command(update: Update, context: Context, follow: bool) -> None:
    series, word = _named(context)
    catalog = subscribers(context).book.catalog
    if series is None and not word and len(catalog) == 1:
        series = catalog[0]
    if series is None:
        reply = (
            series_text.unknown_series(word, catalog)
            if word
            else await events_reply(update, context)
        )
        await answer(update, context, reply)
        return
    await answer(update, context, await _change(update, context, series, follow))


async def follow(update: Update, context: Context) -> None:
    """/follow ID: reminders and news of that series (without ID: the list, with buttons)."""
    await _follow_command(update, context, True)


async def unfollow(update: Update, context: Context) -> None:
    """/unfollow ID: no more reminders or news of that series."""
    await _follow_command(update, context, False)


async def follow_link(update: Update, context: Context, payload: str) -> bool:
    """``t.me/<bot>?start=<series>``: follow the series and open it; False if none is named."""
    service = subscribers(context)
    series = find_series(service.book.catalog, payload) if payload else None
    if series is None:
        return False
    await service.seen(chat_info(update))
    await answer(update, context, await _change(update, context, series, True))
    context.args = [series.id]
    from bot.telegram.handlers import info  # info imports this module

    await answer(update, context, await info.dates(update, context))
    return True


async def on_button(update: Update, context: Context) -> None:
    """Follow, unfollow and choose buttons (:class:`~bot.render.callbacks.Follow`, ``Pick``)."""
    press: Press[cb.Follow | cb.Pick] = await pressed(update, cb.Follow, cb.Pick)
    if press is None:
        return
    query, action = press
    service = subscribers(context)
    series = action.series_in(service.book.catalog)
    if series is None:
        await query.answer(subscriber_text.SERIES_GONE)
        return
    if isinstance(action, cb.Pick):
        respond = _pickable().get(action.command)
        if respond is None:
            await query.answer(subscriber_text.STALE_BUTTON)
            return
        await service.choose(chat_info(update), series.id)
        await query.answer()
        context.args = [series.id]
        await answer(update, context, await respond(update, context))
        return
    reply = await _change(update, context, series, action.follow)
    await query.answer(subscriber_text.follow_toast(action.follow))
    await answer(update, context, reply)


def _pickable() -> dict[str, Answer]:
    """The commands a choose button can finish: every answer, and the subscription ones."""
    from bot.telegram.handlers import info, subscription  # info imports this module

    return {
        **info.ANSWERS,
        "subscribe": subscription.subscribe_reply,
        "unsubscribe": subscription.unsubscribe_reply,
        "settings": subscription.settings_reply,
    }


def register(application: BotApp) -> None:
    """Add /events, /follow, /unfollow and their buttons."""
    application.add_handler(CommandHandler("events", events))
    application.add_handler(CommandHandler("follow", follow))
    application.add_handler(CommandHandler("unfollow", unfollow))
    application.add_handler(CallbackQueryHandler(on_button, pattern=presses(cb.Follow, cb.Pick)))
