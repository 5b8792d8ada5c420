"""Pieces every audience's messages share: a key date as written and in the reader's time."""

from __future__ import annotations

import datetime as dt

from bot.domain.model import Event, KeyDate
from bot.domain.times import Zone, countdown, format_in_zone
from bot.domain.views import Reader
from bot.render.html import esc, link, tg_time


def written_time(kd: KeyDate) -> str:
    """Render a key date in the zone it was written in: 'Sun 15 Feb 2026, 23:59 AoE (UTC−12)'."""
    if kd.date_only and kd.kind != "deadline":
        return f"{format_in_zone(kd.at, kd.zone, with_time=False)} ({esc(kd.zone.label)})"
    return esc(format_in_zone(kd.at, kd.zone))


def reader_time(instant: dt.datetime, reader: Reader) -> str:
    """Render an instant in the reader's zone, wrapped in Telegram's date-time entity."""
    return tg_time(instant, format_in_zone(instant, reader.shown_zone))


def key_date_block(kd: KeyDate, reader: Reader) -> str:
    """Render one key date: as written, in the reader's time, and how long is left."""
    lines = [f"<b>{esc(kd.title)}</b>" + (f" ({esc(kd.note)})" if kd.note else "")]
    lines.append(f"🗓 {written_time(kd)}")
    if not (kd.date_only and kd.kind == "event"):
        lines.append(f"🕑 {reader_time(kd.at, reader)}")
    lines.append(f"⏳ {esc(countdown(kd.at, reader.now))}")
    lines += extended_from(kd)
    return "\n".join(lines)


def extended_from(kd: KeyDate) -> list[str]:
    """The line naming the dates a key date was extended from (none when it never moved)."""
    if not kd.history:
        return []
    earlier = ", ".join(esc(format_in_zone(p.at, kd.zone, with_time=False)) for p in kd.history)
    return [f"↪️ extended from {earlier}"]


def zone_hint(reader: Reader) -> str:
    """Say which zone the times are shown in, and how to change it."""
    if reader.zone is not None:
        return f"Times are shown in <b>{esc(reader.zone.label)}</b> (change: /timezone)."
    return (
        "Times are shown in UTC. Set yours with /timezone,"
        " e.g. <code>/timezone Europe/Berlin</code>."
    )


def title(event: Event) -> str:
    """The event's short name, in bold."""
    return f"<b>{esc(event.short_name)}</b>"


def edition_over(event: Event, now: dt.datetime) -> str | None:
    """Say that every key date has passed (the last one, and when), or None while one is ahead."""
    if not event.key_dates or event.next_date(now) is not None:
        return None
    last = event.dates_in_order()[-1]
    return (
        f"{title(event)} is over: its last date, <b>{esc(last.title)}</b>, was"
        f" {esc(format_in_zone(last.at, last.zone, with_time=False))}."
    )


def social_lines(event: Event) -> list[str]:
    """The event's accounts, one line each (a Twitter handle as a link), then its website."""
    lines = []
    for network, handle in event.social:
        if network == "twitter":
            url = "https://twitter.com/" + handle.lstrip("@")
            lines.append(f"🐦 Twitter: {link(url, handle)}")
        else:
            lines.append(f"{esc(network.capitalize())}: {esc(handle)}")
    lines.append(f"Website: {link(event.website)}")
    return lines


def duration(seconds: float) -> str:
    """A duration for people: "under a second", "12 s", "4 min", "1 h 5 min"."""
    if seconds < 1:
        return "a second"
    if seconds < 90:
        return f"{round(seconds)} s"
    minutes = round(seconds / 60)
    if minutes < 90:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60} min"


def bar(done: int, total: int, width: int = 16) -> str:
    """A text progress bar: ``done`` of ``total`` filled."""
    filled = width if total == 0 else round(width * done / total)
    return "▓" * filled + "░" * (width - filled)


def next_in_zone(zone: Zone, now: dt.datetime, upcoming: tuple[Event, KeyDate] | None) -> str:
    """A line naming an event's next key date in ``zone`` (empty without one)."""
    if upcoming is None:
        return ""
    event, kd = upcoming
    return (
        f"\nNext for {title(event)}: {esc(kd.title)}, {esc(format_in_zone(kd.at, zone))}"
        f" ({esc(countdown(kd.at, now))})."
    )
