"""Every text the bot sends to subscribers, as pure functions of data.

Each function returns a :class:`Reply`: Telegram HTML (every piece of config or user
text escaped) and, where useful, inline buttons. Nothing here knows python-telegram-bot.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, cast

from bot.delivery.limits import DeliveryEstimate
from bot.delivery.progress import Progress
from bot.domain.model import Event, KeyDate
from bot.domain.times import (
    UTC_ZONE,
    Zone,
    countdown,
    format_in_zone,
    humanize_span,
    to_zone,
)
from bot.domain.topics import STRONG_MATCH, TopicMatch
from bot.render import callbacks as cb
from bot.render.html import esc, link, tg_time


@dataclass(frozen=True)
class Button:
    """An inline button: a callback (``data``), a link (``url``) or an inline query."""

    label: str
    data: str | None = None
    url: str | None = None
    switch_inline: str | None = None


@dataclass(frozen=True)
class Reply:
    """A message to send: HTML text and rows of buttons."""

    text: str
    buttons: tuple[tuple[Button, ...], ...] = field(default=())
    request_location: str | None = None
    """Instead of inline buttons: a keyboard with one button, this label, that sends the
    person's location (private chats only)."""
    force_reply: str | None = None
    """Instead of inline buttons: ask for a typed reply, with this placeholder."""
    remove_keyboard: bool = False
    """Take away a keyboard shown earlier (after the location arrived)."""


@dataclass(frozen=True)
class AuditView:
    """An audit entry as shown to organizers."""

    at: dt.datetime
    user_id: int | None
    action: str
    detail: str
    outcome: str
    who: str | None = None
    """The person's name as their chat shows it, when the bot knows it."""


@dataclass(frozen=True)
class BroadcastView:
    """A broadcast as listed to organizers."""

    id: int
    kind: str
    ref: str
    status: str
    total: int
    delivered: int
    created_at: dt.datetime
    report: bool


@dataclass(frozen=True)
class StatsView:
    """The figures of /stats and ``deadline-bot stats``."""

    active: int
    inactive: int
    unreachable: int
    by_mode: Mapping[str, int]
    by_timezone: Mapping[str | None, int]
    scheduled: int
    next_reminder: str | None
    pending: int


@dataclass(frozen=True)
class InlineCard:
    """A shareable card offered in inline mode: a title, a line, and the message it sends."""

    id: str
    title: str
    description: str
    text: str
    """HTML, under the message limit."""


@dataclass(frozen=True)
class Reader:
    """Who reads a message: their zone (None until they set one) and the current instant."""

    zone: Zone | None
    now: dt.datetime
    in_group: bool = False

    @property
    def shown_zone(self) -> Zone:
        """The zone to show times in: theirs, or UTC until they choose one."""
        return self.zone or UTC_ZONE


@dataclass(frozen=True)
class NewsEntry:
    """A news item as stored: already-safe HTML and when it was posted (None: with the call)."""

    html: str
    posted_at: dt.datetime | None


# -- building blocks ------------------------------------------------------------------


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
    if kd.history:
        earlier = ", ".join(
            esc(format_in_zone(past.at, kd.zone, with_time=False)) for past in kd.history
        )
        lines.append(f"↪️ extended from {earlier}")
    return "\n".join(lines)


def _zone_hint(reader: Reader) -> str:
    if reader.zone is not None:
        return f"Times are shown in <b>{esc(reader.zone.label)}</b> (change: /timezone)."
    return (
        "Times are shown in UTC. Set yours with /timezone,"
        " e.g. <code>/timezone Europe/Berlin</code>."
    )


def _title(event: Event) -> str:
    return f"<b>{esc(event.short_name)}</b>"


# -- answers ---------------------------------------------------------------------------


def edition_over(event: Event, now: dt.datetime) -> str | None:
    """Say that every key date has passed (the last one, and when), or None while one is ahead."""
    if not event.key_dates or event.next_date(now) is not None:
        return None
    last = event.dates_in_order()[-1]
    return (
        f"{_title(event)} is over: its last date, <b>{esc(last.title)}</b>, was"
        f" {esc(format_in_zone(last.at, last.zone, with_time=False))}."
    )


def welcome(event: Event, *, subscribed: bool, now: dt.datetime | None = None) -> Reply:
    """Answer /start: what the bot does, with a one-tap Subscribe button.

    After the edition (every key date passed at ``now``) it says so, and what
    subscribers still get: the organizers' news, and reminders for any date they add.
    """
    where = ""
    if event.venue:
        where = f", {esc(event.venue.city)}"
    over = edition_over(event, now) if now is not None else None
    if over is not None:
        text = (
            f"👋 Hi! {over}\n\n"
            "No reminder is left to send. Subscribers still get the organizers' news, and"
            " reminders for any new date they announce.\n\n"
            "/dates shows what happened when; /news the latest announcements; /help lists"
            " everything."
        )
    else:
        text = (
            f"👋 Hi! I keep you on time for {_title(event)}{where}.\n\n"
            "I can tell you every key date in <b>your</b> time zone, check whether your topic"
            " is in scope, tell you whom to contact, remind you before each deadline and pass"
            " on the organizers' news.\n\n"
            "Try /dates, /next, /topics, <code>/scope your topic</code>, /contacts, or just"
            " ask: <i>when is the paper deadline?</i>\n/help lists everything."
        )
    if subscribed:
        text += "\n\n✅ You are subscribed. /settings chooses which reminders you get."
        return Reply(text, ((Button("⚙️ Settings", data=cb.encode(cb.OpenSettings())),),))
    label = "🔔 Subscribe to news" if over else "🔔 Subscribe to reminders and news"
    return Reply(text, ((Button(label, data=cb.encode(cb.Subscribe())),),))


COMMANDS_HELP: tuple[tuple[str, str], ...] = (
    ("dates", "every key date, in AoE and your time"),
    ("next", "the next date ahead"),
    ("topics", "the call's topics"),
    ("scope", "is my topic in scope? /scope your words"),
    ("contacts", "whom to contact"),
    ("cfp", "the call: summary, submission, publication"),
    ("venue", "when and where"),
    ("news", "the latest announcements"),
    ("events", "every event I follow; /follow ID, /unfollow ID"),
    ("subscribe", "get reminders and news"),
    ("unsubscribe", "stop them"),
    ("timezone", "set your time zone: /timezone Europe/Berlin"),
    ("settings", "which reminders you get"),
    ("calendar", "the key dates as a calendar file (.ics)"),
    ("about", "about this bot"),
    ("help", "this list"),
)
"""The public commands, in menu order, with their one-line descriptions."""


ADMIN_COMMANDS_HELP: tuple[tuple[str, str], ...] = (
    ("admin", "the organizers' commands"),
    ("post", "post news: /post your text (formatting kept), or reply /post to a message"),
    ("stats", "subscribers, time zones, reminder settings, recent broadcasts"),
    ("broadcasts", "the latest broadcasts and their reports"),
    ("cancel", "cancel a running broadcast: /cancel ID"),
    ("reload", "re-read the event config (a new edition is announced once)"),
    ("preview", "what a new edition's file will announce, before /reload"),
    ("extend", "extend a date: /extend paper 2026-02-22 23:59 AoE"),
    ("audit", "the latest admin actions"),
)
"""The organizers' commands, shown in their own menu only."""


def help_text(event: Event, reader: Reader) -> Reply:
    """Answer /help: every command and what plain questions work."""
    if reader.in_group:
        return Reply(
            f"{_title(event)}: /dates · /next · /topics · /scope · /contacts · /venue · /news"
            " · /subscribe (group admins) · /timezone"
        )
    lines = [f"{_title(event)}: what I can do\n"]
    lines += [f"/{name} — {esc(what)}" for name, what in COMMANDS_HELP]
    lines.append(
        "\nYou can also just ask: <i>when is the paper deadline?</i>, <i>what topics?</i>,"
        " <i>is federated learning in scope?</i>, <i>who do I contact?</i>"
    )
    return Reply("\n".join(lines))


def dates(event: Event, reader: Reader) -> Reply:
    """Answer /dates: every key date as written, in the reader's zone, and the countdown."""
    if reader.in_group:
        lines = [f"📅 {_title(event)}"]
        lines += [
            f"• {esc(kd.title)}: {written_time(kd)} — {esc(countdown(kd.at, reader.now))}"
            for kd in event.dates_in_order()
        ]
        return Reply("\n".join(lines))
    blocks = [f"📅 {_title(event)}: key dates"]
    blocks += [key_date_block(kd, reader) for kd in event.dates_in_order()]
    blocks.append(_zone_hint(reader))
    return Reply("\n\n".join(blocks))


def next_date(event: Event, reader: Reader) -> Reply:
    """Answer /next: the next date ahead, or that this edition is over."""
    upcoming = event.next_date(reader.now)
    if upcoming is not None:
        text = f"⏭ Next for {_title(event)}:\n\n{key_date_block(upcoming, reader)}"
        return Reply(f"{text}\n\n{_zone_hint(reader)}")
    last = event.dates_in_order()[-1]
    when = format_in_zone(last.at, last.zone, with_time=False)
    return Reply(
        f"🏁 {_title(event)} is over: the last key date, {esc(last.title).lower()}, was"
        f" {esc(when)} ({esc(countdown(last.at, reader.now))}).\n\n"
        "Subscribers will hear the organizers' news here, such as the next edition's call."
        " /subscribe if you have not yet."
    )


def topics(event: Event, reader: Reader) -> Reply:
    """Answer /topics: the call's topics, verbatim, with its 'not limited to'."""
    if event.topics is None:
        return Reply(f"{_title(event)} lists no topics. See {link(event.website)}.")
    if reader.in_group:
        return Reply(
            f"🧭 {_title(event)} lists {len(event.topics.items)} topics (not limited to them)."
            " Ask me <code>/scope your topic</code>, or /topics in a private chat for all."
        )
    intro = event.topics.intro or "Topics of interest:"
    items = "\n".join(f"• {esc(topic)}" for topic in event.topics.items)
    tail = "\n\nAsk <code>/scope your topic</code> to see which topics come closest."
    return Reply(f"🧭 {_title(event)}\n{esc(intro)}\n\n{items}{tail}")


def scope(event: Event, query: str, matches: Sequence[TopicMatch]) -> Reply:
    """Answer /scope: the closest topics, and what 'not limited to' means for the rest."""
    if not query.strip():
        return Reply(
            "Tell me your topic after the command, e.g. <code>/scope serving LLMs on GPUs</code>."
        )
    open_ended = event.topics is not None and event.topics.open_ended
    lines = [f"🔎 <b>{esc(query.strip()[:200])}</b>"]
    strong = [m for m in matches if m.score >= STRONG_MATCH]
    if strong:
        lines.append("\nLooks in scope. Closest topics of the call:")
    elif matches:
        lines.append("\nNo topic matches closely; the nearest are:")
    else:
        lines.append("\nNone of the listed topics matches these words.")
    lines += [f"• {esc(m.topic)}" for m in matches]
    if open_ended:
        lines.append(
            "\nThe call says topics <i>include, but are not limited to</i> these, so work at the"
            " intersection of machine learning and systems is welcome even when it is not"
            " listed."
        )
    lines.append("Unsure? Ask the chairs: /contacts")
    return Reply("\n".join(lines))


def contacts(event: Event) -> Reply:
    """Answer /contacts: the people, their roles, the call's note, and social accounts."""
    lines = [f"✉️ {_title(event)}: contacts\n"]
    for person in event.contacts:
        detail = f", {esc(person.affiliation)}" if person.affiliation else ""
        line = f"• <b>{esc(person.name)}</b>{detail} — {esc(person.role)}"
        if person.email:
            line += f" — {link('mailto:' + person.email, person.email)}"
        if person.url:
            line += f" — {link(person.url)}"
        lines.append(line)
    if event.contact_note:
        lines.append(f"\n{esc(event.contact_note)}")
    for network, handle in event.social:
        if network == "twitter":
            lines.append(f"Twitter: {link('https://twitter.com/' + handle.lstrip('@'), handle)}")
        else:
            lines.append(f"{esc(network.capitalize())}: {esc(handle)}")
    lines.append(f"Website: {link(event.website)}")
    return Reply("\n".join(lines))


def cfp(event: Event) -> Reply:
    """Answer /cfp: the summary, where and by when to submit, publication and its opt-out."""
    lines = [f"📄 <b>{esc(event.name)}</b>"]
    if event.summary:
        lines.append(f"\n{esc(event.summary)}")
    deadlines = [kd for kd in event.dates_in_order() if kd.kind == "deadline"]
    if deadlines:
        lines.append("\n<b>Submission</b>")
        for kd in deadlines:
            lines.append(f"• {esc(kd.title)}: {written_time(kd)}")
        where = event.submission_url or next((kd.url for kd in deadlines if kd.url), None)
        lines.append(f"Submit at {link(where)}" if where else f"Details on {link(event.website)}")
    if event.publication:
        lines.append(f"\n<b>Publication</b>\n{esc(event.publication.note)}")
    for name, status in event.committee:
        lines.append(f"\n<b>{esc(name)}</b>: {esc(status)}")
    lines.append("\nTopics: /topics · dates in your time: /dates")
    return Reply("\n".join(lines))


def venue(event: Event, reader: Reader) -> Reply:
    """Answer /venue: when, where, the format, and what it is co-located with."""
    lines = [f"📍 {_title(event)}"]
    day = next((kd for kd in event.dates_in_order() if kd.kind == "event"), None)
    if day is not None:
        local = to_zone(day.at, day.zone)
        lines.append(f"When: {local:%A} {local.day} {local:%B %Y}")
    if event.venue:
        lines.append(f"Where: {esc(event.venue.city)}, {esc(event.venue.country)}")
        if event.venue.format:
            lines.append(f"Format: {esc(event.venue.format)}")
    if event.colocated_with:
        lines.append(f"Co-located with {esc(event.colocated_with)}")
    if day is not None:
        lines.append(f"⏳ {esc(countdown(day.at, reader.now))}")
    lines.append(f"Website: {link(event.website)}")
    return Reply("\n".join(lines))


def news(event: Event, entries: Sequence[NewsEntry], reader: Reader) -> Reply:
    """Answer /news: the latest announcements, newest first."""
    if not entries:
        return Reply(f"📰 No news from {_title(event)} yet. /subscribe to hear it first.")
    lines = [f"📰 {_title(event)}: news\n"]
    for entry in entries:
        when = ""
        if entry.posted_at is not None:
            day = format_in_zone(entry.posted_at, reader.shown_zone, with_time=False)
            when = f" <i>({esc(day)})</i>"
        lines.append(f"• {entry.html}{when}")
    return Reply("\n".join(lines))


def subscribed(event: Event, *, was_new: bool, now: dt.datetime | None = None) -> Reply:
    """Confirm /subscribe (after the edition: news, and reminders only for new dates)."""
    if not was_new:
        return Reply(f"You are already subscribed to {_title(event)}. /settings to adjust.")
    if now is not None and edition_over(event, now) is not None:
        return Reply(
            f"🔔 Subscribed to {_title(event)}. Every date of this edition has passed, so you"
            " will get the organizers' news, and reminders for any new date they announce."
            " /unsubscribe stops everything.",
            ((Button("⚙️ Settings", data=cb.encode(cb.OpenSettings())),),),
        )
    return Reply(
        f"🔔 Subscribed to {_title(event)}: you will get reminders before each deadline and the"
        " organizers' news. /settings chooses which reminders; /timezone sets your zone;"
        " /unsubscribe stops everything.",
        ((Button("⚙️ Settings", data=cb.encode(cb.OpenSettings())),),),
    )


def unsubscribed(event: Event, *, was_subscribed: bool) -> Reply:
    """Confirm /unsubscribe."""
    if not was_subscribed:
        return Reply(f"You were not subscribed to {_title(event)}. /subscribe to start.")
    return Reply(
        f"🔕 Unsubscribed from {_title(event)}. Nothing more will be pushed to you;"
        " /subscribe brings it back.",
        ((Button("🔔 Subscribe again", data=cb.encode(cb.Subscribe())),),),
    )


def timezone_current(zone: Zone | None, now: dt.datetime) -> Reply:
    """Answer /timezone with no argument: the current zone and how to change it."""
    current = (
        f"Your time zone is <b>{esc(zone.label)}</b> (now {esc(format_in_zone(now, zone))})."
        if zone
        else "You have not set a time zone yet, so I show times in UTC."
    )
    return Reply(
        f"{current}\n\nSet it with a city, a country, a zone, an offset or an abbreviation:\n"
        "<code>/timezone São Paulo</code> · <code>/timezone Berlin, Germany</code> ·"
        " <code>/timezone India</code> · <code>/timezone +5:30</code> ·"
        " <code>/timezone CET</code>"
    )


def timezone_set(zone: Zone, now: dt.datetime) -> Reply:
    """Confirm a new time zone."""
    return Reply(
        f"🕑 Time zone set to <b>{esc(zone.label)}</b>: it is now"
        f" {esc(format_in_zone(now, zone))}. Every date I send from now on uses it. /dates"
    )


def timezone_choices(query: str, candidates: Sequence[str]) -> Reply:
    """Offer buttons when the input names several zones."""
    rows = tuple((Button(name, data=cb.encode(cb.ChooseZone(name))),) for name in candidates[:8])
    return Reply(f"<b>{esc(query[:100])}</b> could mean several zones. Which one is yours?", rows)


def timezone_unknown(query: str, candidates: Sequence[str]) -> Reply:
    """Explain an input that names no zone, with close matches as buttons."""
    rows = tuple((Button(name, data=cb.encode(cb.ChooseZone(name))),) for name in candidates[:5])
    hint = " Did you mean one of these?" if rows else ""
    return Reply(
        f"I don't know a time zone called <b>{esc(query[:100])}</b>.{hint}\n"
        "Try a city (<code>Tokyo</code>, <code>Berlin, Germany</code>), a country"
        " (<code>India</code>), an IANA name (<code>Europe/Berlin</code>), an offset"
        " (<code>+5:30</code>, <code>UTC-3</code>) or an abbreviation (<code>CET</code>).",
        rows,
    )


REMINDER_MODES: tuple[tuple[str, str], ...] = (
    ("all", "All reminders"),
    ("deadlines", "Deadlines only"),
    ("off", "No reminders (news only)"),
)


def reminded(kd: KeyDate, mode: str, muted: frozenset[str]) -> bool:
    """Whether a chat in ``mode`` that muted ``muted`` gets this key date's reminders.

    The same rule as the recipients query of the sender (``active_recipients``).
    """
    return in_mode(kd, mode) and kd.id not in muted


def in_mode(kd: KeyDate, mode: str) -> bool:
    """Whether the reminder mode covers this key date at all."""
    return mode == "all" or (mode == "deadlines" and kd.kind == "deadline")


_PAUSED_WHY = {"off": "paused: news only", "deadlines": "not a deadline"}


def date_toggle_label(kd: KeyDate, mode: str, muted: frozenset[str]) -> str:
    """Label a date's toggle with what will really happen, and why when nothing will.

    🔔 reminded; 🔕 turned off by you (in every mode); 💤 not covered by the mode, your
    own choice kept for when the mode covers it again.
    """
    if kd.id in muted:
        return f"🔕 {kd.title}"
    if not in_mode(kd, mode):
        return f"💤 {kd.title} ({_PAUSED_WHY.get(mode, mode)})"
    return f"🔔 {kd.title}"


def date_toggle_note(kd: KeyDate, mode: str, muted: frozenset[str]) -> str:
    """The toast after a date's toggle: what changed, and whether it is reminded now."""
    if kd.id in muted:
        return "Reminders off for this date"
    if in_mode(kd, mode):
        return "Reminders on for this date"
    return f"This date is on again, but this mode sends it no reminders ({_PAUSED_WHY[mode]})"


def settings(
    event: Event,
    *,
    subscribed: bool,
    mode: str,
    muted: frozenset[str],
    series: str | None = None,
) -> Reply:
    """Answer /settings: reminder mode and per-date toggles as inline buttons.

    Every date's button says what will happen to it in the chosen mode, and tapping it
    always changes what is shown (see :func:`date_toggle_label`). With ``series`` (a bot
    of several) every button names the series it acts on.
    """
    ref = cb.of_series(series)
    if not subscribed:
        return Reply(
            f"You are not subscribed to {_title(event)}, so I send you nothing. Subscribe first:",
            ((Button("🔔 Subscribe", data=cb.encode(cb.Subscribe(ref))),),),
        )
    rows: list[tuple[Button, ...]] = [
        tuple(
            Button(
                ("● " if mode == key else "○ ") + label,
                data=cb.encode(cb.SetMode(cast(cb.Mode, key), ref)),
            )
            for key, label in REMINDER_MODES
        )
    ]
    for kd in event.dates_in_order():
        label = date_toggle_label(kd, mode, muted)
        rows.append((Button(label, data=cb.encode(cb.toggle_date(kd.id, series))),))
    text = (
        f"⚙️ {_title(event)}: your reminders\n\n"
        "Choose which reminders you get; tap a date to turn its reminders on or off."
        " News from the organizers always reaches subscribers.\n"
        "🔔 reminded · 🔕 turned off by you · 💤 not in this mode (your choice is kept)"
    )
    return Reply(text, tuple(rows))


_DUE = {"deadline": "is due", "notification": "is expected", "event": "starts"}


def reminder(event: Event, kd: KeyDate, reader: Reader) -> Reply:
    """A reminder before a key date: what, when (AoE, the reader's time), what is left."""
    left = countdown(kd.at, reader.now).removesuffix(" left")
    headline = f"⏰ <b>{esc(kd.title)}</b> {_DUE[kd.kind]} in {esc(left)}"
    if kd.date_only and kd.kind != "deadline":
        headline = f"⏰ <b>{esc(kd.title)}</b>: {esc(left)} to go"
    if kd.kind != "deadline" and kd.at <= reader.now:  # its day has begun: "due today"
        headline = f"⏰ <b>{esc(kd.title)}</b> {_DUE[kd.kind]} today"
    lines = [f"{headline} ({_title(event)})", "", f"🗓 {written_time(kd)}"]
    if not (kd.date_only and kd.kind == "event"):
        lines.append(f"🕑 {reader_time(kd.at, reader)}")
    if kd.history:
        earlier = ", ".join(esc(format_in_zone(p.at, kd.zone, with_time=False)) for p in kd.history)
        lines.append(f"↪️ extended from {earlier}")
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
        f"📣 {_title(event)}: <b>{esc(kd.title)}</b> {verb}!",
        "",
        f"New: {written_time(kd)}",
        f"🕑 {reader_time(kd.at, reader)}",
        f"⏳ {esc(countdown(kd.at, reader.now))}",
        f"Was: <s>{esc(before)}</s>",
        "",
        "Reminders follow the new date. All dates: /dates",
    ]
    return Reply("\n".join(lines))


def calendar_caption(event: Event) -> Reply:
    """Caption of the /calendar file."""
    return Reply(
        f"📆 {_title(event)}: every key date at its exact instant, with reminders."
        " Open the file to add it to your calendar."
    )


def inline_date_cards(event: Event, reader: Reader) -> list[InlineCard]:
    """Cards for ``@bot``: every key date, and the next one ahead."""
    cards = [
        InlineCard(
            id=f"{event.id}:dates",
            title=f"{event.short_name}: key dates",
            description=" · ".join(kd.title for kd in event.dates_in_order())[:200],
            text=dates(event, replace(reader, in_group=True)).text,
        )
    ]
    upcoming = event.next_date(reader.now)
    if upcoming is not None:
        cards.append(
            InlineCard(
                id=f"{event.id}:next",
                title=f"Next: {upcoming.title}",
                description=f"{format_in_zone(upcoming.at, upcoming.zone)} · "
                f"{countdown(upcoming.at, reader.now)}",
                text=f"⏭ {_title(event)}\n\n{key_date_block(upcoming, reader)}",
            )
        )
    return cards


def inline_topic_cards(event: Event, words: str, matches: Sequence[TopicMatch]) -> list[InlineCard]:
    """Cards for ``@bot words``: the call's topics closest to the words."""
    if not matches:
        return [
            InlineCard(
                id=f"{event.id}:scope",
                title=f"No listed topic matches “{words[:60]}”",
                description="The call's topics are not limited to the list",
                text=scope(event, words, matches).text,
            )
        ]
    return [
        InlineCard(
            id=f"{event.id}:topic:{index}",
            title=match.topic,
            description=f"A topic of {event.short_name}",
            text=f"🧭 {_title(event)} invites papers on <b>{esc(match.topic)}</b>"
            f" (and more: its topics are not limited to the list). {link(event.website)}",
        )
        for index, match in enumerate(matches)
    ]


def about(event: Event) -> Reply:
    """Answer /about."""
    return Reply(
        f"🤖 deadline-bot for {_title(event)}.\n"
        "Dates are kept as the organizers wrote them (AoE, Anywhere on Earth, is UTC−12) and"
        " shown in your zone. I store your chat id, time zone and reminder choices, nothing"
        f" else; /unsubscribe stops every message.\nEvent website: {link(event.website)}"
    )


def unknown_command(command: str) -> Reply:
    """Answer a command the bot does not have."""
    return Reply(f"I don't know <code>/{esc(command[:64])}</code>. Here is what I can do: /help")


def something_went_wrong() -> Reply:
    """Tell a person their request failed on our side."""
    return Reply("😕 Something went wrong on my side. Please try again in a minute.")


def storage_failed() -> Reply:
    """Tell a person their request could not be done because storage is failing."""
    return Reply(
        "⚠️ I can't reach my storage right now, so I couldn't do that: nothing was changed. "
        "Please try again in a few minutes."
    )


STORAGE_FAILED_TOAST = "Storage is failing right now; nothing changed. Please try again later."
"""The short form of :func:`storage_failed`, for a button's toast."""


def throttled() -> Reply:
    """Tell a person who floods the bot to slow down (sent once per burst)."""
    return Reply("⏸ That's a lot of messages at once; I'll answer again in a few seconds.")


def group_admins_only() -> Reply:
    """Refuse a group subscription change by a member who is not a group admin."""
    return Reply("Only this group's admins can change its subscription.")


def group_zone_admins_only() -> Reply:
    """Refuse a group time zone change by a member who is not a group admin."""
    return Reply("Only this group's admins can change its time zone.")


def private_only(command: str, bot_username: str | None) -> Reply:
    """Refuse an organizer command whose answer is not for every member of a group."""
    where = f"@{esc(bot_username)}" if bot_username else "me"
    return Reply(
        f"🔒 /{esc(command)} shows numbers that are not for every member of this group."
        f" Open a private chat with {where} and send /{esc(command)} there."
    )


# -- organizers --------------------------------------------------------------------------


def admin_help(event: Event) -> Reply:
    """Answer /admin: the organizers' commands."""
    lines = [f"🛠 {_title(event)}: organizer commands\n"]
    lines += [f"/{name} — {esc(what)}" for name, what in ADMIN_COMMANDS_HELP]
    lines.append(
        "\nKey date ids: " + ", ".join(f"<code>{esc(kd.id)}</code>" for kd in event.key_dates)
    )
    return Reply("\n".join(lines))


def not_admin() -> Reply:
    """Refuse an admin command, politely."""
    return Reply("Sorry, that command is for the organizers. /help lists what I can do for you.")


def admin_failed(message: str) -> Reply:
    """Report an admin action that did not work, with the reason."""
    return Reply(f"❌ {esc(message)}")


def reloaded(event: Event, moved: Sequence[str]) -> Reply:
    """Confirm /reload."""
    if not moved:
        return Reply(f"🔄 Config reloaded: {_title(event)}, nothing moved, nothing sent.")
    dates_moved = ", ".join(f"<code>{esc(m)}</code>" for m in moved)
    return Reply(
        f"🔄 Config reloaded. Moved: {dates_moved}. Subscribers are told once;"
        " reminders follow the new dates."
    )


def extended(event: Event, kd: KeyDate, previous: dt.datetime, reader: Reader) -> Reply:
    """Confirm /extend to the organizer."""
    return Reply(
        f"✅ <b>{esc(kd.title)}</b> extended from {esc(format_in_zone(previous, kd.zone))}"
        f" to {written_time(kd)}.\nSubscribers are being told once; reminders are"
        " rescheduled. /dates shows the history."
    )


def extend_usage(event: Event) -> Reply:
    """Explain /extend."""
    ids = ", ".join(f"<code>{esc(kd.id)}</code>" for kd in event.key_dates)
    return Reply(
        "Usage: <code>/extend KEY-DATE NEW-TIME</code>, e.g."
        " <code>/extend paper 2026-02-22 23:59 AoE</code>\n"
        f"Key dates: {ids}"
    )


def audit_log(entries: Sequence[AuditView], reader: Reader) -> Reply:
    """Answer /audit: the latest admin actions, who did them and how it went, in words."""
    if not entries:
        return Reply("No admin actions recorded yet.")
    lines = ["🧾 Latest admin actions\n"]
    for entry in entries:
        when = format_in_zone(entry.at, reader.shown_zone)
        lines.append(f"• {esc(when)}: {esc(_audit_who(entry))} {esc(_audit_what(entry))}")
    return Reply("\n".join(lines))


def _audit_who(entry: AuditView) -> str:
    if entry.user_id is None:
        return "the bot"
    return entry.who or f"user {entry.user_id}"


def _audit_what(entry: AuditView) -> str:
    """An audit entry's action and outcome as a phrase ("posted news #3 to 12 chats")."""
    try:
        detail = json.loads(entry.detail) if entry.detail.startswith("{") else entry.detail
    except ValueError:
        detail = entry.detail
    facts: dict[str, Any] = detail if isinstance(detail, dict) else {}
    action = entry.action
    if entry.outcome == "refused":
        return f"tried /{action}: refused ({detail if isinstance(detail, str) else 'not allowed'})"
    if action == "post":
        chats = facts.get("chats", "?")
        said = f"posted news #{facts.get('news', '?')} to {chats} chat{'' if chats == 1 else 's'}"
        said += f" (broadcast #{facts.get('broadcast', '?')})"
    elif action == "cancel":
        said = f"cancelled broadcast #{facts.get('broadcast', '?')}"
        if "rows" in facts:
            said += f" ({facts['rows']} message(s) not sent)"
    elif action == "extend":
        target = f"{facts.get('key_date', '?')} to {facts.get('to', '?')}"
        said = f"extended {target}" if entry.outcome == "ok" else f"could not extend {target}"
    elif action == "reload" and entry.outcome == "ok":
        moved = facts.get("moved") or []
        said = "reloaded the config" + (
            f"; moved: {', '.join(map(str, moved))}" if moved else "; no date moved"
        )
        if facts.get("new"):
            said += f"; new edition announced: {', '.join(map(str, facts['new']))}"
    elif action == "reload":
        first = detail.splitlines()[0][:120] if isinstance(detail, str) else ""
        said = "could not reload the config" + (f" ({first})" if first else "")
    else:
        said = f"/{action}" + (f" ({detail})" if isinstance(detail, str) and detail else "")
        if entry.outcome not in ("ok", ""):
            said += f": {entry.outcome}"
    return said


def news_post(event: Event, html: str) -> Reply:
    """A news item as subscribers receive it (``html`` is already safe Telegram HTML)."""
    return Reply(f"📣 <b>{esc(event.short_name)}</b>\n\n{html}")


def post_usage() -> Reply:
    """Explain /post."""
    return Reply(
        "Write the announcement after the command, formatted as you like:\n"
        "<code>/post The program is online!</code>\n"
        "or reply <code>/post</code> to a message. You will see a preview first.\n"
        "To send it later, start with a line <code>at 2026-02-20 09:00 Europe/Berlin</code>"
        " (or reply <code>/post at …</code>)."
    )


def post_at_usage() -> Reply:
    """Explain a scheduled /post whose announcement is missing or on the time's line."""
    return Reply(
        "To schedule a post, put the time alone on the first line and the announcement on"
        " the lines below it:\n"
        "<code>/post at 2026-02-20 09:00 Europe/Berlin\nThe program is online!</code>\n"
        "(or reply <code>/post at 2026-02-20 09:00 Europe/Berlin</code> to the message to"
        " send). The time is written like the config's: a date, a time and a zone."
    )


def post_controls(
    draft_id: str,
    audience: int,
    send_at: dt.datetime | None = None,
    reader: Reader | None = None,
    estimate: DeliveryEstimate | None = None,
) -> Reply:
    """The buttons under a preview: send (or schedule), edit, cancel.

    With an ``estimate`` the text says how long sending takes at the free pace and as a
    paid broadcast, and what that costs; a second button opts in to the paid one.
    """
    people = f"{audience} subscriber{'s' if audience != 1 else ''}"
    question = f"Send it to {people}?"
    label = f"✅ Send to {people}"
    if send_at is not None:
        zone = reader.shown_zone if reader else UTC_ZONE
        when = format_in_zone(send_at, zone)
        question = (
            f"Send it to {people} on {reader_time(send_at, reader) if reader else esc(when)}?"
        )
        label = f"🗓 Schedule for {people}"
    text = f"👆 This is exactly what subscribers will see. {question}"
    rows: list[tuple[Button, ...]] = [
        (Button(label, data=cb.encode(cb.PostAction("send", draft_id))),)
    ]
    if estimate is not None and estimate.messages:
        text += (
            f"\n\n⏱ Sending takes about {duration(estimate.free_s)} at Telegram's free pace."
            f" As a paid broadcast it takes about {duration(estimate.paid_s)} and costs about"
            f" {estimate.stars:g} Telegram Stars (0.1 per message above the free 30 a second),"
            " paid from the bot's balance."
        )
        rows.append(
            (
                Button(
                    f"⚡ Paid broadcast, ≈{estimate.stars:g} ⭐",
                    data=cb.encode(cb.PostAction("paid", draft_id)),
                ),
            )
        )
    rows.append(
        (
            Button("✏️ Edit", data=cb.encode(cb.PostAction("edit", draft_id))),
            Button("✖️ Cancel", data=cb.encode(cb.PostAction("cancel", draft_id))),
        )
    )
    return Reply(text, tuple(rows))


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


def post_scheduled(broadcast_id: int, send_at: dt.datetime, reader: Reader) -> Reply:
    """Confirm a scheduled post."""
    return Reply(
        f"🗓 Scheduled: broadcast #{broadcast_id} goes out {reader_time(send_at, reader)}."
        f" It survives restarts; <code>/cancel {broadcast_id}</code> stops it."
    )


def post_gone() -> Reply:
    """A Send/Cancel press on a draft that was already sent or cancelled."""
    return Reply("This draft was already sent or cancelled; nothing more was sent.")


def post_edit() -> Reply:
    """Explain how to edit a draft."""
    return Reply("Send the corrected text with /post; it replaces this draft.")


def post_cancelled() -> Reply:
    """Confirm a cancelled draft."""
    return Reply("✖️ Draft cancelled. Nothing was sent.")


def _bar(done: int, total: int, width: int = 16) -> str:
    filled = width if total == 0 else round(width * done / total)
    return "▓" * filled + "░" * (width - filled)


def broadcast_status(progress: Progress) -> Reply:
    """The live status of a broadcast, then its report."""
    handled = progress.total - progress.left
    lines = [f"📤 Broadcast #{progress.broadcast_id}"]
    lines.append(f"<code>{_bar(handled, progress.total)}</code> {handled}/{progress.total}")
    lines.append(
        f"delivered {progress.sent} · blocked {progress.blocked} · failed {progress.failed}"
        f" · left {progress.left}"
    )
    if not progress.finished:
        eta = f", about {humanize_span(progress.eta_s)} left" if progress.eta_s else ""
        lines.append(f"{progress.rate:.1f} messages/s{eta}")
        return Reply("\n".join(lines))
    report = progress.report or {}
    lines[0] = f"✅ Broadcast #{progress.broadcast_id} finished"
    if progress.cancelled:
        lines[0] = f"⏹ Broadcast #{progress.broadcast_id} cancelled ({progress.cancelled} not sent)"
    lines.append(
        f"Report: {report.get('delivered', progress.sent)} delivered,"
        f" {report.get('blocked', 0)} blocked the bot,"
        f" {report.get('deactivated', 0)} deleted their account,"
        f" {report.get('failed', progress.failed)} failed"
        + (f" in {report['duration_s']:.0f} s" if "duration_s" in report else "")
    )
    for reason, count in dict(report.get("failed_reasons") or {}).items():
        lines.append(f"• {esc(str(reason)[:120])}: {count}")
    return Reply("\n".join(lines))


def broadcasts_list(items: Sequence[BroadcastView], reader: Reader) -> Reply:
    """Answer /broadcasts."""
    if not items:
        return Reply("No broadcasts yet.")
    lines = ["📤 Latest broadcasts\n"]
    for b in items:
        when = format_in_zone(b.created_at, reader.shown_zone)
        summary = f"{b.delivered}/{b.total} delivered" if b.report else f"{b.total} message(s)"
        lines.append(
            f"#{b.id} {esc(b.kind)} <code>{esc(b.ref[:60])}</code> — {esc(b.status)},"
            f" {summary} — {esc(when)}"
        )
    lines.append("\nCancel a running one: <code>/cancel ID</code>")
    return Reply("\n".join(lines))


def cancelled(broadcast_id: int, count: int) -> Reply:
    """Confirm /cancel."""
    return Reply(f"⏹ Broadcast #{broadcast_id}: {count} message(s) will not be sent.")


def stats(event: Event, view: StatsView, reader: Reader) -> Reply:
    """Answer /stats."""
    lines = [f"📊 {_title(event)}"]
    lines.append(
        f"Subscribers: <b>{view.active}</b> active, {view.inactive} inactive"
        f" ({view.unreachable} unreachable: blocked or removed)"
    )
    if view.by_mode:
        modes = dict(REMINDER_MODES)
        lines.append(
            "Reminders: "
            + ", ".join(f"{esc(modes.get(m, m))} {n}" for m, n in sorted(view.by_mode.items()))
        )
    if view.by_timezone:
        zones = sorted(view.by_timezone.items(), key=lambda kv: -kv[1])[:8]
        lines.append("Time zones: " + ", ".join(f"{esc(z or 'not set')} {n}" for z, n in zones))
    lines.append(f"Reminders scheduled: {view.scheduled}")
    if view.next_reminder:
        lines.append(f"Next reminder: <code>{esc(view.next_reminder)}</code>")
    lines.append(f"Messages waiting in the outbox: {view.pending}")
    return Reply("\n".join(lines))
