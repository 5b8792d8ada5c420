"""What a subscriber reads: /start, dates, topics, contacts, settings, time zones, errors."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import replace

from bot.domain.model import Event, KeyDate
from bot.domain.reminding import ReminderMode, in_mode
from bot.domain.series import series_of
from bot.domain.times import Zone, countdown, format_in_zone, to_zone
from bot.domain.topics import STRONG_MATCH, TopicMatch
from bot.domain.views import NewsEntry, Reader
from bot.render import callbacks as cb
from bot.render.blocks import (
    edition_over,
    key_date_block,
    next_in_zone,
    social_lines,
    title,
    written_time,
    zone_hint,
)
from bot.render.html import esc, link
from bot.render.reply import Button, InlineCard, Reply


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
            f"👋 Hi! I keep you on time for {title(event)}{where}.\n\n"
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


def help_text(
    event: Event | None,
    reader: Reader,
    *,
    following: Sequence[Event] = (),
    carried: Sequence[Event] = (),
) -> Reply:
    """Answer /help: every command and what plain questions work.

    ``event``: the edition commands answer for (the chat's default; None: the bot asks).
    ``carried``: every series' current edition when the bot has several; then the help
    names the ones the chat ``following`` and points to /events and ``/dates ID``.
    """
    several = len(carried) > 1
    if several:
        head = _several_head(event, following, carried)
    else:
        head = f"{title(event)}: " if event else ""
    if reader.in_group:
        events, sep = (" · /events", "\n") if several else ("", "")
        return Reply(
            f"{head}{sep}/dates · /next · /topics · /scope · /contacts · /venue · /news"
            f" · /subscribe (group admins) · /timezone{events}"
        )
    lines = [f"{head}what I can do\n" if not several else f"{head}\n"]
    lines += [
        f"/{name} — {esc(what)}" for name, what in COMMANDS_HELP if several or name != "events"
    ]
    lines.append(
        "\nYou can also just ask: <i>when is the paper deadline?</i>, <i>what topics?</i>,"
        " <i>is federated learning in scope?</i>, <i>who do I contact?</i>"
    )
    return Reply("\n".join(lines))


def _several_head(event: Event | None, following: Sequence[Event], carried: Sequence[Event]) -> str:
    """The head of /help in a bot of several series: what the chat follows, how to name one."""
    names = ", ".join(title(e) for e in following)
    head = (
        f"You follow {names}."
        if following
        else f"You follow none of the {len(carried)} events"
        " I carry yet: /events lists them, /follow ID picks one."
    )
    default = series_of(event) if event is not None else None
    others = [e for e in carried if series_of(e) != default]
    followed = {series_of(e) for e in following}
    other = next((e for e in others if series_of(e) in followed), others[0] if others else None)
    example = f" <code>/dates {esc(series_of(other))}</code>" if other else ""
    if event is not None:
        head += f" Commands answer for {title(event)}; name another event after one:{example}."
    else:
        head += f" Name the event after a command:{example}, or I will ask which one."
    return head + (" /events lists every event." if following else "")


def dates(event: Event, reader: Reader) -> Reply:
    """Answer /dates: every key date as written, in the reader's zone, and the countdown."""
    if reader.in_group:
        lines = [f"📅 {title(event)}"]
        lines += [
            f"• {esc(kd.title)}: {written_time(kd)} — {esc(countdown(kd.at, reader.now))}"
            for kd in event.dates_in_order()
        ]
        return Reply("\n".join(lines))
    blocks = [f"📅 {title(event)}: key dates"]
    blocks += [key_date_block(kd, reader) for kd in event.dates_in_order()]
    blocks.append(zone_hint(reader))
    return Reply("\n\n".join(blocks))


def next_date(event: Event, reader: Reader) -> Reply:
    """Answer /next: the next date ahead, or that this edition is over."""
    upcoming = event.next_date(reader.now)
    if upcoming is not None:
        text = f"⏭ Next for {title(event)}:\n\n{key_date_block(upcoming, reader)}"
        return Reply(f"{text}\n\n{zone_hint(reader)}")
    last = event.dates_in_order()[-1]
    when = format_in_zone(last.at, last.zone, with_time=False)
    return Reply(
        f"🏁 {title(event)} is over: the last key date, {esc(last.title).lower()}, was"
        f" {esc(when)} ({esc(countdown(last.at, reader.now))}).\n\n"
        "Subscribers will hear the organizers' news here, such as the next edition's call."
        " /subscribe if you have not yet."
    )


def topics(event: Event, reader: Reader) -> Reply:
    """Answer /topics: the call's topics, verbatim, with its 'not limited to'."""
    if event.topics is None:
        return Reply(f"{title(event)} lists no topics. See {link(event.website)}.")
    if reader.in_group:
        return Reply(
            f"🧭 {title(event)} lists {len(event.topics.items)} topics (not limited to them)."
            " Ask me <code>/scope your topic</code>, or /topics in a private chat for all."
        )
    intro = event.topics.intro or "Topics of interest:"
    items = "\n".join(f"• {esc(topic)}" for topic in event.topics.items)
    tail = "\n\nAsk <code>/scope your topic</code> to see which topics come closest."
    return Reply(f"🧭 {title(event)}\n{esc(intro)}\n\n{items}{tail}")


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
    lines = [f"✉️ {title(event)}: contacts\n"]
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
    lines += social_lines(event)
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
    lines = [f"📍 {title(event)}"]
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
        return Reply(f"📰 No news from {title(event)} yet. /subscribe to hear it first.")
    lines = [f"📰 {title(event)}: news\n"]
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
        return Reply(f"You are already subscribed to {title(event)}. /settings to adjust.")
    if now is not None and edition_over(event, now) is not None:
        return Reply(
            f"🔔 Subscribed to {title(event)}. Every date of this edition has passed, so you"
            " will get the organizers' news, and reminders for any new date they announce."
            " /unsubscribe stops everything.",
            ((Button("⚙️ Settings", data=cb.encode(cb.OpenSettings())),),),
        )
    return Reply(
        f"🔔 Subscribed to {title(event)}: you will get reminders before each deadline and the"
        " organizers' news. /settings chooses which reminders; /timezone sets your zone;"
        " /unsubscribe stops everything.",
        ((Button("⚙️ Settings", data=cb.encode(cb.OpenSettings())),),),
    )


def unsubscribed(event: Event, *, was_subscribed: bool) -> Reply:
    """Confirm /unsubscribe."""
    if not was_subscribed:
        return Reply(f"You were not subscribed to {title(event)}. /subscribe to start.")
    return Reply(
        f"🔕 Unsubscribed from {title(event)}. Nothing more will be pushed to you;"
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


def timezone_set(
    zone: Zone, now: dt.datetime, upcoming: tuple[Event, KeyDate] | None = None
) -> Reply:
    """Confirm a new time zone.

    With ``upcoming`` (the chat's default event and its next key date): that date in it.
    """
    text = (
        f"🕑 Time zone set to <b>{esc(zone.label)}</b>: it is now"
        f" {esc(format_in_zone(now, zone))}. Every date I send from now on uses it. /dates"
    )
    return Reply(text + next_in_zone(zone, now, upcoming))


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


MODE_LABELS: Mapping[ReminderMode, str] = {
    "all": "All reminders",
    "deadlines": "Deadlines only",
    "off": "No reminders (news only)",
}
"""How each reminder mode is offered, in :data:`~bot.domain.reminding.REMINDER_MODES` order."""

_PAUSED_WHY: Mapping[str, str] = {"off": "paused: news only", "deadlines": "not a deadline"}


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
            f"You are not subscribed to {title(event)}, so I send you nothing. Subscribe first:",
            ((Button("🔔 Subscribe", data=cb.encode(cb.Subscribe(ref))),),),
        )
    rows: list[tuple[Button, ...]] = [
        tuple(
            Button(
                ("● " if mode == key else "○ ") + label,
                data=cb.encode(cb.SetMode(key, ref)),
            )
            for key, label in MODE_LABELS.items()
        )
    ]
    for kd in event.dates_in_order():
        label = date_toggle_label(kd, mode, muted)
        rows.append((Button(label, data=cb.encode(cb.toggle_date(kd.id, series))),))
    text = (
        f"⚙️ {title(event)}: your reminders\n\n"
        "Choose which reminders you get; tap a date to turn its reminders on or off."
        " News from the organizers always reaches subscribers.\n"
        "🔔 reminded · 🔕 turned off by you · 💤 not in this mode (your choice is kept)"
    )
    return Reply(text, tuple(rows))


def calendar_caption(event: Event) -> Reply:
    """Caption of the /calendar file."""
    return Reply(
        f"📆 {title(event)}: every key date at its exact instant, with reminders."
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
                text=f"⏭ {title(event)}\n\n{key_date_block(upcoming, reader)}",
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
            text=f"🧭 {title(event)} invites papers on <b>{esc(match.topic)}</b>"
            f" (and more: its topics are not limited to the list). {link(event.website)}",
        )
        for index, match in enumerate(matches)
    ]


def about(event: Event, carried: int = 1) -> Reply:
    """Answer /about (for one event; ``carried``: how many series the bot has)."""
    others = (
        f" I carry {carried} events; /events lists them and <code>/about ID</code> tells"
        " about another."
        if carried > 1
        else ""
    )
    return Reply(
        f"🤖 deadline-bot for {title(event)}.{others}\n"
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


# -- toasts (the short notes over a pressed button) --------------------------------------

STALE_BUTTON = "This button is no longer valid"
"""The toast for a press that names nothing the bot can do."""
SERIES_GONE = "I no longer follow that event; see /events."
SUBSCRIBED_TOAST = "Subscribed"
GROUP_SETTINGS_ADMINS_ONLY = "Only this group's admins can change its settings."
NOT_SUBSCRIBED = "You are not subscribed; /subscribe first."
DATE_GONE = "That date is no longer in the call."
UNKNOWN_ZONE = "Unknown zone; try /timezone again."


def zone_set_toast(zone: Zone) -> str:
    """The toast after a zone button."""
    return f"Time zone: {zone.label}"


def follow_toast(follow: bool) -> str:
    """The toast after a Follow or Unfollow button."""
    return "Following" if follow else "Unfollowed"


def scope_usage() -> Reply:
    """A scope question with no topic in it."""
    return Reply("Tell me your topic: <code>/scope serving LLMs on GPUs</code>.")
