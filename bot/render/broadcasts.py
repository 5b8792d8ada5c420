"""The texts broadcast to every follower: a reminder, a moved date, a news post."""

from __future__ import annotations

import datetime as dt

from bot.domain.model import Event, KeyDate
from bot.domain.times import countdown, format_in_zone
from bot.domain.views import Reader
from bot.render.blocks import extended_from, reader_time, title, written_time
from bot.render.html import esc, link, split_message
from bot.render.reply import Reply
from bot.render.series import new_edition

_DUE = {"deadline": "is due", "notification": "is expected", "event": "starts"}


def reminder(event: Event, kd: KeyDate, reader: Reader) -> Reply:
    """A reminder before a key date: what, when (AoE, the reader's time), what is left."""
    left = countdown(kd.at, reader.now).removesuffix(" left")
    headline = f"⏰ <b>{esc(kd.title)}</b> {_DUE[kd.kind]} in {esc(left)}"
    if kd.date_only and kd.kind != "deadline":
        headline = f"⏰ <b>{esc(kd.title)}</b>: {esc(left)} to go"
    if kd.kind != "deadline" and kd.at <= reader.now:  # its day has begun: "due today"
        headline = f"⏰ <b>{esc(kd.title)}</b> {_DUE[kd.kind]} today"
    lines = [f"{headline} ({title(event)})", "", f"🗓 {written_time(kd)}"]
    if not (kd.date_only and kd.kind == "event"):
        lines.append(f"🕑 {reader_time(kd.at, reader)}")
    lines += extended_from(kd)
    where = kd.url or (event.submission_url if kd.kind == "deadline" else None)
    lines.append("")
    lines.append(f"Submit at {link(where)}" if where else f"Details: {link(event.website)}")
    lines.append("Fewer reminders: /settings · all dates: /dates")
    return Reply("\n".join(lines))


def date_moved(event: Event, kd: KeyDate, previous: dt.datetime, reader: Reader) -> Reply:
    """Announce that a key date moved (an extension, or a correction)."""
    verb = "extended" if kd.at > previous else "moved earlier"
    before = format_in_zone(previous, kd.zone)
    lines = [
        f"📣 {title(event)}: <b>{esc(kd.title)}</b> {verb}!",
        "",
        f"New: {written_time(kd)}",
        f"🕑 {reader_time(kd.at, reader)}",
        f"⏳ {esc(countdown(kd.at, reader.now))}",
        f"Was: <s>{esc(before)}</s>",
        "",
        "Reminders follow the new date. All dates: /dates",
    ]
    return Reply("\n".join(lines))


def news_post(event: Event, html: str) -> Reply:
    """A news item as subscribers receive it (``html`` is already safe Telegram HTML)."""
    return Reply(f"📣 <b>{esc(event.short_name)}</b>\n\n{html}")


class BroadcastTexts:
    """The broadcast texts the services need when they write and send rows.

    The composition root hands one to the reminder and news services, which cannot
    import ``render`` (a lower layer).
    """

    def reminder(self, event: Event, kd: KeyDate, reader: Reader) -> str:
        """A reminder's text for this reader, now."""
        return reminder(event, kd, reader).text

    def date_moved(self, event: Event, kd: KeyDate, previous: dt.datetime, reader: Reader) -> str:
        """A moved date's notice for this reader."""
        return date_moved(event, kd, previous, reader).text

    def new_edition(self, edition: Event, reader: Reader) -> str:
        """A new edition's announcement for this reader."""
        return new_edition(edition, reader).text

    def news_parts(self, event: Event, html: str) -> list[str]:
        """A news post as the messages it is sent in (split at Telegram's limit)."""
        return split_message(news_post(event, html).text)


TEXTS = BroadcastTexts()
"""The texts every running bot uses."""
