"""Organizer news: /post (or /news with text) → preview → Send once → live status → report.

/news with no text (or from someone who is not an admin) lists the latest news.
"""

from __future__ import annotations

import contextlib
import html
import logging
import re
from typing import cast

from telegram import Message, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.domain.series import Series, series_of
from bot.domain.times import TimeError, parse_when
from bot.domain.views import Progress
from bot.render import broadcasts as broadcast_text
from bot.render import callbacks as cb
from bot.render import organizers as organizer_text
from bot.render import series as series_text
from bot.render import subscribers as subscriber_text
from bot.render.reply import Reply
from bot.services.admin import AdminService
from bot.telegram.common import Context, answer, chat_info, sender_id, services, subscribers
from bot.telegram.context import BotApp
from bot.telegram.handlers import info
from bot.telegram.handlers.admin import admin_only, admin_series, ensure_admin_menu, for_series
from bot.telegram.handlers.buttons import pressed, presses
from bot.telegram.replies import edit_reply, send_reply

log = logging.getLogger(__name__)

_COMMAND = re.compile(r"^/\w+(@\w+)?\s*")
_SCHEDULE = re.compile(r"^at \d{4}-\d{2}-\d{2}\b")
STATUS_EVERY_SECONDS = 3.0
"""How often the live status message is edited (Telegram counts edits against limits)."""
LATEST_BROADCASTS = 10
"""How many of a series' latest broadcasts /broadcasts lists."""


def announcement(message: Message, series_word: str | None = None) -> tuple[str | None, str]:
    """Return (the ``at …`` time, if any, and the announcement as HTML).

    The text is the replied-to message or what follows the command; its formatting comes
    from the message's entities (bold, italics, links…), so it survives. ``/post at TIME``
    on the first line schedules the post. ``series_word`` (``/post mlsys …``) is skipped.
    """
    after = _COMMAND.sub("", message.text_html or "", count=1).strip()
    if series_word is not None:
        after = re.sub(rf"^{re.escape(series_word)}\s*", "", after, count=1, flags=re.IGNORECASE)
    when = None
    if _SCHEDULE.match(after):
        first, _, after = after.partition("\n")
        when = html.unescape(first[3:]).strip()
        after = after.strip()
    source = message.reply_to_message
    if source is not None and (source.text or source.caption):
        after = (source.text_html if source.text else source.caption_html).strip()
    return when, after


async def post(update: Update, context: Context) -> None:
    """Start a draft and show the preview with Send / Edit / Cancel."""
    message = cast(Message, update.effective_message)
    user = update.effective_user
    svc = services(context)
    words = (message.text or "").split()[1:2]
    chosen = await admin_series(update, context, svc.admin, words, "post")
    if isinstance(chosen, Reply):
        await answer(update, context, chosen)
        return
    series, rest = chosen
    named = words[0] if rest != words else None  # "/post mlsys …": it named the series
    when_text, body = announcement(message, named)
    if when_text is not None and not body:  # "/post at … text" on one line, or no text
        await answer(update, context, organizer_text.post_at_usage())
        return
    if not body or user is None:
        await answer(update, context, organizer_text.post_usage())
        return
    send_at = None
    if when_text is not None:
        try:
            send_at = parse_when(when_text, "notification").at
        except TimeError as exc:
            await answer(update, context, organizer_text.admin_failed(f"{exc}"))
            return
        if send_at <= svc.subscribers.clock.now():
            await answer(update, context, organizer_text.admin_failed(f"{when_text} has passed"))
            return
    event = series.current(svc.subscribers.clock.now())
    draft = svc.news.draft(user.id, body, send_at, series.id)
    audience = await svc.news.audience(event)
    reader = await svc.subscribers.reader(chat_info(update))
    chat_id = chat_info(update).chat_id
    estimate = svc.news.estimate(event, body, audience)
    await send_reply(context.bot, chat_id, broadcast_text.news_post(event, body))
    await send_reply(
        context.bot,
        chat_id,
        organizer_text.post_controls(draft.id, audience, send_at, reader, estimate),
    )


async def news_command(update: Update, context: Context) -> None:
    """/news: admins with text post news; everyone else gets the latest news."""
    user_id = sender_id(update)
    svc = services(context)
    if context.args and svc.admin.is_admin(user_id):
        await ensure_admin_menu(context, user_id or 0)
        await post(update, context)
        return
    await answer(update, context, await info.news(update, context))


async def on_post_button(update: Update, context: Context) -> None:
    """post:send|paid|edit|cancel:<draft id>: only the draft's author can act on it.

    ``paid`` sends it as a paid broadcast (the organizer opted in on the preview).
    """
    press = await pressed(update, cb.PostAction)
    if press is None:
        return
    query, decoded = press
    svc = services(context)
    action, draft_id = decoded.verb, decoded.draft_id
    user = query.from_user
    if not svc.admin.is_admin(user.id):
        await svc.admin.refuse(user.id, f"post:{action}")
        await query.answer(organizer_text.ORGANIZERS_ONLY, show_alert=True)
        return
    message = query.message if isinstance(query.message, Message) else None
    if action == "edit":
        await query.answer()
        await answer(update, context, organizer_text.post_edit())
        return
    if action == "cancel":
        done = svc.news.discard(user.id, draft_id)
        await query.answer(organizer_text.draft_cancel_toast(done))
        if message is not None:
            await _edit(
                message, organizer_text.post_cancelled() if done else organizer_text.post_gone()
            )
        return
    draft = svc.news.current(user.id)
    series = svc.subscribers.book.series(draft.series or "") if draft else None
    series = series or svc.subscribers.book.catalog[0]
    if not svc.admin.is_admin(user.id, series.id):
        await svc.admin.refuse(user.id, "post", f"not an organizer of {series.id}")
        await query.answer(organizer_text.NOT_ORGANIZER_OF_EVENT, show_alert=True)
        return
    event = series.current(svc.subscribers.clock.now())
    posted = await svc.news.confirm(
        event,
        user.id,
        draft_id,
        channel_id=await _channel_id(context, series.announcement_channel),
        paid=action == "paid",
    )
    if posted is None:
        await query.answer(organizer_text.DRAFT_GONE, show_alert=True)
        return
    if posted.send_at is not None:
        await query.answer(organizer_text.SCHEDULED_TOAST)
        if message is not None:
            reader = await svc.subscribers.reader(chat_info(update))
            await _edit(
                message, organizer_text.post_scheduled(posted.broadcast_id, posted.send_at, reader)
            )
        return
    await query.answer(organizer_text.sending_toast(posted.recipients))
    if message is None:
        return

    async def show(progress: Progress) -> None:
        await _edit(message, organizer_text.broadcast_status(progress))

    svc.engine.watch(posted.broadcast_id, show, interval=STATUS_EVERY_SECONDS)


async def _channel_id(context: Context, channel: str | int | None) -> int | None:
    """Resolve the event's announcement channel (@name or id) to a chat id."""
    if channel is None:
        return None
    if isinstance(channel, int) or str(channel).lstrip("-").isdigit():
        return int(channel)
    try:
        return (await context.bot.get_chat(channel)).id
    except TelegramError as exc:
        log.warning("announcement channel %s unreachable: %s", channel, exc)
        return None


async def _edit(message: Message, reply: Reply) -> None:
    with contextlib.suppress(BadRequest):  # "message is not modified" between two snapshots
        await edit_reply(message, reply)


async def stats(update: Update, context: Context, admin: AdminService) -> Reply:
    """/stats [event]: subscribers, zones, reminder settings, the outbox (private chats only)."""
    if chat_info(update).is_group:
        return subscriber_text.private_only("stats", context.bot.username)
    return await _series_stats(update, context, admin)


async def _stats(
    update: Update, context: Context, admin: AdminService, series: Series, _args: list[str]
) -> Reply:
    """The /stats of one series."""
    view = await admin.stats(series.id)
    service = subscribers(context)
    event = series.current(service.clock.now())
    return organizer_text.stats(event, view, await service.reader(chat_info(update)))


_series_stats = for_series("stats", _stats)


async def broadcasts(
    update: Update, context: Context, _admin: AdminService, series: Series, _args: list[str]
) -> Reply:
    """/broadcasts [event]: the latest broadcasts of the event and how they went."""
    items = await services(context).news.broadcasts(series.editions, LATEST_BROADCASTS)
    return organizer_text.broadcasts_list(
        items, await subscribers(context).reader(chat_info(update))
    )


async def cancel(update: Update, context: Context, admin: AdminService) -> Reply:
    """/cancel <broadcast id>."""
    args = context.args or []
    if len(args) != 1 or not args[0].lstrip("#").isdigit():
        return organizer_text.cancel_usage()
    broadcast_id = int(args[0].lstrip("#"))
    user_id = sender_id(update)
    svc = services(context)
    edition = await svc.news.edition_of(broadcast_id)
    event = svc.subscribers.book.event(edition) if edition else None
    if event is not None and not admin.is_admin(user_id, series_of(event)):
        await admin.refuse(user_id, "cancel", f"broadcast #{broadcast_id} of another event")
        return series_text.not_admin_of(
            svc.subscribers.book.series(series_of(event)) or svc.subscribers.book.catalog[0],
            svc.subscribers.clock.now(),
        )
    count = await svc.news.cancel(user_id, broadcast_id)
    return organizer_text.cancelled(broadcast_id, count)


def register(application: BotApp) -> None:
    """Add /post, /news, the post buttons, /stats, /broadcasts and /cancel."""
    application.add_handler(CommandHandler("post", admin_only("post", _post_reply)))
    application.add_handler(CommandHandler("news", news_command))
    application.add_handler(CallbackQueryHandler(on_post_button, pattern=presses(cb.PostAction)))
    application.add_handler(CommandHandler("stats", admin_only("stats", stats)))
    application.add_handler(
        CommandHandler("broadcasts", admin_only("broadcasts", for_series("broadcasts", broadcasts)))
    )
    application.add_handler(CommandHandler("cancel", admin_only("cancel", cancel)))


async def _post_reply(update: Update, context: Context, admin: AdminService) -> None:
    """Run /post; it sends its own messages (preview, then the buttons)."""
    await post(update, context)
