"""Texts about series and editions: the new-edition announcement, /events, follow, choose.

Pure functions of data, HTML escaped, like :mod:`bot.render.subscribers`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from bot.domain.model import Event
from bot.domain.series import Series
from bot.domain.times import countdown, format_in_zone
from bot.domain.views import Reader
from bot.render import callbacks as cb
from bot.render.blocks import reader_time, title, written_time
from bot.render.html import esc, link
from bot.render.reply import Button, Reply


def new_edition(event: Event, reader: Reader) -> Reply:
    """Tell a series' followers that its next edition's call is out, dates in their zone."""
    lines = [f"📣 The call for {title(event)} is out!", "", esc(event.name)]
    where = []
    if event.venue:
        where.append(f"{esc(event.venue.city)}, {esc(event.venue.country)}")
    if event.colocated_with:
        where.append(f"co-located with {esc(event.colocated_with)}")
    if where:
        lines.append(" · ".join(where))
    lines += ["", "<b>Key dates</b>"]
    for kd in event.dates_in_order():
        when = written_time(kd)
        if not (kd.date_only and kd.kind == "event"):
            when += f"\n   🕑 {reader_time(kd.at, reader)}"
        lines.append(f"• {esc(kd.title)}: {when}")
    lines += [
        "",
        f"Website: {link(event.website)}",
        "You stay subscribed: reminders follow the new dates, with your settings.",
        "Topics: /topics · all dates: /dates · fewer messages: /settings",
    ]
    return Reply("\n".join(lines))


def new_edition_preview(event: Event, followers: int, reader: Reader) -> Reply:
    """Show an organizer the announcement a new edition will send, before it goes."""
    head = (
        f"👀 Preview: when the bot loads {title(event)}, {followers} follower"
        f"{'s' if followers != 1 else ''} of the series get this once:"
    )
    return Reply(f"{head}\n\n{new_edition(event, reader).text}")


def no_new_edition() -> Reply:
    """Nothing to preview: every edition in the config has been loaded before."""
    return Reply(
        "No new edition in the config: every file has been loaded before. Add the next"
        " edition's file (<code>deadline-bot new-edition SERIES</code>), then /preview again."
    )


@dataclass(frozen=True)
class SeriesLine:
    """One series as /events lists it."""

    series: Series
    following: bool


def events_list(lines: Sequence[SeriesLine], reader: Reader) -> Reply:
    """Answer /events: every series, its current edition's next date, follow buttons."""
    blocks = ["🗂 <b>The events I know</b> (✅: you follow it)"]
    buttons: list[tuple[Button, ...]] = []
    for line in lines:
        edition = line.series.current(reader.now)
        upcoming = edition.next_date(reader.now)
        mark = "✅ " if line.following else ""
        if upcoming is not None:
            when = (
                f"next: {esc(upcoming.title)}, {written_time(upcoming)}"
                f" ({esc(countdown(upcoming.at, reader.now))})"
            )
        else:
            when = "no date ahead"
        blocks.append(f"{mark}{title(edition)} (<code>{esc(line.series.id)}</code>): {when}")
        verb = "Unfollow" if line.following else "Follow"
        action = cb.Follow(cb.series_ref(line.series.id), follow=not line.following)
        buttons.append((Button(f"{verb} {edition.short_name}", data=cb.encode(action)),))
    example = esc(lines[0].series.id) if lines else "ID"
    year = lines[0].series.editions[0].year if lines else None
    past = f", <code>/dates {example} {year}</code> for that edition" if year else ""
    blocks.append(
        f"\nAny command takes an event: <code>/dates {example}</code>{past};"
        " <code>/follow ID</code>, <code>/unfollow ID</code>."
    )
    return Reply("\n".join(blocks), tuple(buttons))


def choose_series(command: str, catalog: Sequence[Series], now: dt.datetime) -> Reply:
    """Ask which event a command is about, with one button per series."""
    buttons = tuple(
        (Button(s.current(now).short_name, data=pick_data(command, s.id)),) for s in catalog
    )
    return Reply(
        f"Which event? I follow {len(catalog)}. Tap one (I will remember it), or write"
        f" <code>/{esc(command)} ID</code>. /events lists them.",
        buttons,
    )


def pick_data(command: str, series_id: str) -> str:
    """Callback data of a choose button (see :class:`bot.render.callbacks.Pick`)."""
    return cb.encode(cb.Pick(command, cb.series_ref(series_id)))


def unknown_series(word: str, catalog: Sequence[Series]) -> Reply:
    """An argument that names no event the bot carries."""
    known = ", ".join(f"<code>{esc(s.id)}</code>" for s in catalog)
    return Reply(f"I don't follow an event called {esc(word)!r}. I know: {known}. /events")


def no_edition(series: Series, year: int) -> Reply:
    """``/dates 2019``: the series has no edition that year in the bot."""
    years = ", ".join(str(e.year) for e in series.editions if e.year is not None)
    return Reply(
        f"I have no {year} edition of <code>{esc(series.id)}</code>."
        + (f" Editions I know: {esc(years)}." if years else "")
    )


def followed(event: Event, *, was_new: bool) -> Reply:
    """After /follow: the chat now gets this series' reminders and news."""
    if not was_new:
        return Reply(f"You already follow {title(event)}. /events · /settings")
    return Reply(
        f"✅ Following {title(event)}: reminders before each deadline and the organizers'"
        " news, from this edition to the next. /dates · /unfollow to stop."
    )


def unfollowed(event: Event, *, was_following: bool) -> Reply:
    """After /unfollow."""
    if not was_following:
        return Reply(f"You were not following {title(event)}. /events")
    return Reply(
        f"🔕 You no longer follow {title(event)} (your settings are kept if you come back)."
    )


def edition_heading(event: Event, current: Event) -> str:
    """A line above an answer about a past or future edition that is not the current one."""
    if event.id == current.id:
        return ""
    first = event.dates_in_order()
    when = format_in_zone(first[0].at, first[0].zone, with_time=False) if first else ""
    return f"🗄 {title(event)} (not the current edition; {esc(when)}). Now: /dates\n\n"


def editions_announced(ids: Sequence[str]) -> str:
    """A line of /reload's answer: the new editions announced to their followers."""
    shown = ", ".join(f"<code>{esc(i)}</code>" for i in ids)
    return f"📣 New edition announced once to its followers: {shown}"


def not_admin_of(series: Series, now: dt.datetime) -> Reply:
    """An organizer of one series tried to act on another."""
    return Reply(
        f"You are not an organizer of {title(series.current(now))}; your commands act on"
        " your own events only."
    )


def admin_which(command: str, mine: Sequence[Series], now: dt.datetime) -> Reply:
    """An organizer of several series must say which one a command is for."""
    ids = ", ".join(f"<code>{esc(s.id)}</code>" for s in mine)
    return Reply(
        f"Which event? Write <code>/{esc(command)} ID …</code>; yours: {ids}."
        " (Or choose one with /events first.)"
    )


def about_event(event: Event, reply: Reply) -> Reply:
    """Name the event an answer is about (a bot of several), unless the answer does."""
    if event.short_name in reply.text:
        return reply
    return Reply(f"{title(event)}\n{reply.text}", reply.buttons)
