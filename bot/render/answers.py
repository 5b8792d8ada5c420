"""Short answers to plain questions: one key date, AoE, publication, what the call does not say.

Pure functions of the event and the reader, like :mod:`bot.render.subscribers`; every piece of
config text is escaped. What the config does not say is said plainly, never invented.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain.model import Event, KeyDate
from bot.domain.questions import Kind
from bot.domain.times import Zone, countdown, format_in_zone
from bot.domain.topics import ScopeVerdict
from bot.domain.views import Reader
from bot.render import callbacks as cb
from bot.render.blocks import extended_from, reader_time, social_lines, title, written_time
from bot.render.html import esc, link
from bot.render.reply import Button, Reply

SUGGESTION_LABELS: dict[Kind, str] = {
    "deadline": "⏳ The next deadline",
    "dates": "📅 All key dates",
    "topics": "🧭 The topics",
    "contacts": "✉️ Whom to contact",
    "venue": "📍 Where and when",
    "news": "📰 News",
    "submission": "📤 How to submit",
    "publication": "📚 Publication",
    "aoe": "🌍 What is AoE?",
    "scope": "🔎 Is my topic in scope?",
}


def _website(event: Event) -> str:
    return link(event.website)


def next_deadline(event: Event, reader: Reader) -> KeyDate | None:
    """The deadline a bare "when is the deadline?" means: the next one ahead, else the last."""
    deadlines = [kd for kd in event.dates_in_order() if kd.kind == "deadline"]
    ahead = [kd for kd in deadlines if kd.at > reader.now]
    if ahead:
        return ahead[0]
    return deadlines[-1] if deadlines else None


def key_date(event: Event, kd: KeyDate, reader: Reader, zones: Sequence[Zone] = ()) -> Reply:
    """One key date: as written, in the reader's zone (or the zones asked about), the countdown."""
    lines = [f"<b>{esc(kd.title)}</b>" + (f" ({esc(kd.note)})" if kd.note else "")]
    lines.append(f"🗓 {written_time(kd)}")
    timed = not (kd.date_only and kd.kind == "event")
    if timed:
        for zone in zones:
            lines.append(f"📍 {esc(zone.label)}: {esc(format_in_zone(kd.at, zone))}")
        if not zones or reader.zone is not None:
            lines.append(f"🕑 {reader_time(kd.at, reader)}")
    lines.append(f"⏳ {esc(countdown(kd.at, reader.now))}")
    lines += extended_from(kd)
    lines.append("\nAll key dates: /dates")
    if reader.zone is None and not zones and timed:
        lines.append("Your own time: /timezone, e.g. <code>/timezone Berlin</code>")
    return Reply("\n".join(lines))


def no_deadline(event: Event) -> Reply:
    """There is no deadline in the config."""
    return Reply(f"{title(event)} lists no deadline. All key dates: /dates · {_website(event)}")


def aoe(event: Event, reader: Reader) -> Reply:
    """What AoE means, with the next AoE deadline as the example."""
    text = (
        "🌍 <b>AoE</b> is <i>Anywhere on Earth</i>, UTC−12: a deadline of 23:59 AoE has"
        " passed only once that day is over everywhere on Earth, which is 11:59 UTC the"
        " next day."
    )
    example = next(
        (kd for kd in event.dates_in_order() if kd.zone.is_aoe and kd.at > reader.now), None
    )
    if example is not None and not example.date_only:
        text += (
            f"\n\nExample: {esc(example.title)}, {written_time(example)}"
            f" = {reader_time(example.at, reader)}."
        )
    elif example is not None:
        text += f"\n\nExample: {esc(example.title)}, {written_time(example)}."
    return Reply(text + "\nAll key dates in your time: /dates")


def publication(event: Event) -> Reply:
    """Where accepted papers appear, and the opt-out, in the call's words."""
    if event.publication is None:
        return Reply(
            f"The call of {title(event)} does not say where papers are published;"
            f" the website is {_website(event)}."
        )
    lines = [f"📚 {esc(event.publication.note)}"]
    if event.publication.opt_out and "opt" not in event.publication.note.lower():
        lines.append("Authors may opt out of publication.")
    lines.append("Ask the chairs for details: /contacts")
    return Reply("\n".join(lines))


def colocation(event: Event, reader: Reader) -> Reply:
    """What the event is co-located with, where and when."""
    if not event.colocated_with:
        return Reply(f"The call of {title(event)} does not name a co-located conference.")
    where = f" in {esc(event.venue.city)}" if event.venue else ""
    day = next((kd for kd in event.dates_in_order() if kd.kind == "event"), None)
    when = f", {written_time(day)}" if day is not None else ""
    return Reply(
        f"🤝 {title(event)} is co-located with <b>{esc(event.colocated_with)}</b>{where}{when}."
        "\nVenue: /venue"
    )


def social(event: Event) -> Reply:
    """Twitter and other accounts named in the config."""
    if not event.social:
        return Reply(
            f"The call of {title(event)} gives no social media account;"
            f" the website is {_website(event)}."
        )
    return Reply("\n".join(social_lines(event)))


def website(event: Event) -> Reply:
    """The event's website."""
    return Reply(f"🌐 {title(event)}: {_website(event)}")


def greeting(event: Event) -> Reply:
    """Answer hello."""
    return Reply(
        f"👋 Hello! I answer questions about {title(event)}: ask me <i>when is the deadline?</i>,"
        " <i>is my topic in scope?</i> or <i>whom do I contact?</i> — /help lists everything."
    )


def thanks() -> Reply:
    """Answer thanks."""
    return Reply("You're welcome! Good luck with your paper. 🍀")


def submission(event: Event, reader: Reader) -> Reply:
    """Where to submit: the link when the config gives one, else plainly that it does not."""
    deadline = next_deadline(event, reader)
    where = event.submission_url or (deadline.url if deadline else None)
    if where:
        lines = [f"📤 Submit at {link(where)}"]
    else:
        lines = [
            f"📤 The call of {title(event)} does not give a submission link;"
            f" the website is {_website(event)}."
        ]
    if deadline is not None:
        lines.append(
            f"{esc(deadline.title)}: {written_time(deadline)}"
            f" ({esc(countdown(deadline.at, reader.now))})."
        )
    lines.append("Questions: /contacts")
    return Reply("\n".join(lines))


def not_in_call(event: Event, subject: str) -> Reply:
    """Say plainly that the call does not say something (a page limit, a template)."""
    what = f"the {esc(subject)}" if subject else "that"
    return Reply(
        f"The call of {title(event)} does not give {what}; the website is {_website(event)},"
        " and the chairs can tell you: /contacts"
    )


def suggestions(kinds: Sequence[Kind], about: tuple[Event, str] | None = None) -> Reply:
    """A question not understood: the most likely answers as buttons.

    ``about``: the edition and series id the question was about, in a bot of several
    series; the text names it and each button answers for that series.
    """
    series = cb.of_series(about[1]) if about else None
    rows = tuple(
        (Button(SUGGESTION_LABELS[kind], data=cb.encode(cb.Ask(kind, series))),)
        for kind in kinds
        if kind in SUGGESTION_LABELS
    )
    topic = f" about {title(about[0])}" if about else ""
    return Reply(
        f"I'm not sure what you are asking{topic}. Did you mean one of these?"
        " (/help lists everything)",
        rows,
    )


def scope_verdict(event: Event, verdict: ScopeVerdict) -> Reply:
    """Answer /scope and "is X in scope?": one verdict first, then the closest topics."""
    query = verdict.query.strip()
    if not query:
        return Reply(
            "Tell me your topic after the command, e.g. <code>/scope serving LLMs on GPUs</code>."
        )
    marks = {"In scope": "✅", "Borderline": "🤔", "Probably out of scope": "❌"}
    lines = [
        f"{marks[verdict.verdict]} <b>{verdict.verdict}</b>: {esc(query[:200])}",
    ]
    if verdict.matches:
        lines.append("\nClosest topics of the call:")
        lines += [f"• {esc(m.topic)}" for m in verdict.matches]
    else:
        lines.append("\nNone of the call's topics matches these words.")
    if event.topics is not None and event.topics.open_ended:
        lines.append(
            "\nThe call's topics <i>include, but are not limited to</i>, the listed ones:"
            " work at the intersection of machine learning and systems is welcome."
        )
    if verdict.verdict != "In scope":
        lines.append("Unsure? Ask the chairs: /contacts")
    return Reply("\n".join(lines))
