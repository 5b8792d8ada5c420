"""What organizers read: the admin commands, previews, progress, reports, stats, the audit.

Stats and a broadcast's progress also have a plain-text form for the shell (the same text).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from bot.domain.model import Event, KeyDate
from bot.domain.reminding import is_mode
from bot.domain.series import series_of
from bot.domain.text import plain_text
from bot.domain.times import UTC_ZONE, format_in_zone, humanize_span, iso_utc
from bot.domain.views import AuditView, BroadcastView, DeliveryEstimate, Progress, Reader, StatsView
from bot.render import callbacks as cb
from bot.render.blocks import bar, duration, reader_time, title, written_time
from bot.render.html import esc
from bot.render.reply import Button, Reply
from bot.render.subscribers import MODE_LABELS

ADMIN_COMMANDS_HELP: tuple[tuple[str, str], ...] = (
    ("admin", "the organizers' commands"),
    ("post", "post news: /post your text (formatting kept), or reply /post to a message"),
    ("stats", "subscribers, time zones, reminder settings, recent broadcasts"),
    ("broadcasts", "the latest broadcasts and their reports"),
    ("cancel", "cancel a running broadcast: /cancel ID"),
    ("reload", "re-read your events' files (a new edition is announced once): /reload [ID]"),
    ("preview", "what a new edition's file will announce, before /reload"),
    ("extend", "extend a date: /extend paper 2026-02-22 23:59 AoE"),
    ("audit", "the latest admin actions"),
)

"""The organizers' commands, shown in their own menu only."""


def admin_help(event: Event, yours: Sequence[Event] = (), *, default: bool = True) -> Reply:
    """Answer /admin: the organizers' commands, for ``event`` (its key date ids).

    ``yours``: every event the organizer administers, when that is several;
    ``default``: ``event`` is the chat's default, which a command naming none acts on.
    """
    lines = [f"🛠 {title(event)}: organizer commands\n"]
    if len(yours) > 1:
        names = ", ".join(title(e) for e in yours)
        unnamed = f"commands act on {title(event)}" if default else "I ask which"
        example = f"<code>/stats {esc(series_of(yours[-1]))}</code>"
        lines.insert(1, f"Yours: {names}. Name one first ({example}); without one, {unnamed}.\n")
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


def no_such_key_date(key_date_id: str, known: Sequence[str]) -> Reply:
    """Report an /extend of a key date the edition does not have, with the ids it has."""
    return admin_failed(f"There is no key date {key_date_id!r}; the ids are: {', '.join(known)}.")


def reloaded(events: Sequence[Event], moved: Sequence[str], *, others_left: bool = False) -> Reply:
    """Confirm /reload: which events' files were re-read, and what moved.

    ``events``: the current edition of each series reloaded; ``others_left``: the bot
    carries other series, whose files this reload did not read (it says so, and who can).
    """
    names = ", ".join(title(e) for e in events)
    if others_left:
        what = f"the files of {names} only"
    else:
        what = f"every event's files ({names})" if len(events) > 1 else names
    if not moved:
        text = f"🔄 Config reloaded: {what}, nothing moved, nothing sent."
    else:
        dates_moved = ", ".join(f"<code>{esc(m)}</code>" for m in moved)
        text = (
            f"🔄 Config reloaded: {what}. Moved: {dates_moved}. Subscribers are told once;"
            " reminders follow the new dates."
        )
    if others_left:
        text += (
            "\nThe other events' files were not read: their organizers reload them, and the"
            " bot's operators (<code>ADMIN_IDS</code>) reload every event at once."
        )
    return Reply(text)


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


def _latest(heading: str, lines: Sequence[str], none: str, footer: str = "") -> Reply:
    """A list of the latest things under ``heading`` (``none`` when there is nothing)."""
    if not lines:
        return Reply(none)
    return Reply("\n".join([f"{heading}\n", *lines, *([footer] if footer else [])]))


def audit_log(entries: Sequence[AuditView], reader: Reader) -> Reply:
    """Answer /audit: the latest admin actions, who did them and how it went, in words."""
    lines = [
        f"• {esc(format_in_zone(e.at, reader.shown_zone))}: {esc(_audit_who(e))}"
        f" {esc(_audit_what(e))}"
        for e in entries
    ]
    return _latest("🧾 Latest admin actions", lines, "No admin actions recorded yet.")


def _audit_who(entry: AuditView) -> str:
    if entry.user_id is None:
        return "the bot"
    first, user = entry.first_name, entry.username
    if first and user:
        return f"{first} (@{user})"
    return first or (f"@{user}" if user else f"user {entry.user_id}")


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
        series = facts.get("series")
        which = f"the files of {', '.join(map(str, series))}" if series else "the config"
        said = "reloaded " + which
        said += f"; moved: {', '.join(map(str, moved))}" if moved else "; no date moved"
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
        text += "\n\n" + delivery_estimate(estimate)
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


def delivery_estimate(estimate: DeliveryEstimate) -> str:
    """How long sending takes at the free pace and as a paid broadcast, and what that costs.

    Under /post's preview and ``deadline-bot news``'s.
    """
    return (
        f"⏱ Sending takes about {duration(estimate.free_s)} at Telegram's free pace."
        f" As a paid broadcast it takes about {duration(estimate.paid_s)} and costs about"
        f" {estimate.stars:g} Telegram Stars (0.1 per message above the free 30 a second),"
        " paid from the bot's balance."
    )


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


def progress_counts(progress: Progress) -> str:
    """``delivered 118 · blocked 1 · failed 1 · left 180``: where the rows are."""
    return (
        f"delivered {progress.sent} · blocked {progress.blocked} · failed {progress.failed}"
        f" · left {progress.left}"
    )


def progress_pace(progress: Progress) -> str:
    """``28.0 messages/s, about 6 seconds left``: the rate, and the time left when known."""
    if not progress.eta_s:
        return f"{progress.rate:.1f} messages/s"
    span = humanize_span(progress.eta_s)
    about = "" if span == "less than a minute" else "about "
    return f"{progress.rate:.1f} messages/s, {about}{span} left"


def broadcast_status(progress: Progress) -> Reply:
    """The live status of a broadcast, then its report."""
    handled = progress.total - progress.left
    lines = [f"📤 Broadcast #{progress.broadcast_id}"]
    lines.append(f"<code>{bar(handled, progress.total)}</code> {handled}/{progress.total}")
    lines.append(progress_counts(progress))
    if not progress.finished:
        lines.append(progress_pace(progress))
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
    lines = [_broadcast_line(b, reader) for b in items]
    footer = "\nCancel a running one: <code>/cancel ID</code>"
    return _latest("📤 Latest broadcasts", lines, "No broadcasts yet.", footer)


def _broadcast_line(b: BroadcastView, reader: Reader) -> str:
    when = format_in_zone(b.created_at, reader.shown_zone)
    summary = f"{b.delivered}/{b.total} delivered" if b.report else f"{b.total} message(s)"
    return (
        f"#{b.id} {esc(b.kind)} <code>{esc(b.ref[:60])}</code> — {esc(b.status)},"
        f" {summary} — {esc(when)}"
    )


def cancelled(broadcast_id: int, count: int) -> Reply:
    """Confirm /cancel."""
    return Reply(f"⏹ Broadcast #{broadcast_id}: {count} message(s) will not be sent.")


def stats(event: Event, view: StatsView, reader: Reader) -> Reply:
    """Answer /stats."""
    lines = [f"📊 {title(event)}"]
    lines.append(
        f"Subscribers: <b>{view.active}</b> active, {view.inactive} inactive"
        f" ({view.unreachable} unreachable: blocked or removed)"
    )
    if view.by_mode:
        lines.append(
            "Reminders: "
            + ", ".join(f"{esc(_mode_label(m))} {n}" for m, n in sorted(view.by_mode.items()))
        )
    if view.by_timezone:
        zones = sorted(view.by_timezone.items(), key=lambda kv: -kv[1])[:8]
        lines.append("Time zones: " + ", ".join(f"{esc(z or 'not set')} {n}" for z, n in zones))
    lines.append(f"Reminders scheduled: {view.scheduled}")
    if view.next_reminder:
        reminder_id, fire_at = view.next_reminder
        lines.append(f"Next reminder: <code>{esc(reminder_id)} at {iso_utc(fire_at)}</code>")
    lines.append(f"Messages waiting in the outbox: {view.pending}")
    return Reply("\n".join(lines))


def stats_plain(event: Event, view: StatsView, reader: Reader) -> str:
    """``deadline-bot stats``: :func:`stats` as plain text, the edition's id after its name."""
    heading, _, rest = plain_text(stats(event, view, reader).text).partition("\n")
    return f"{heading} [{event.id}]\n{rest}\n"


def progress_line(progress: Progress) -> str:
    """A broadcast's progress on one terminal line: :func:`broadcast_status`'s bar and figures."""
    handled = progress.total - progress.left
    line = (
        f"[{bar(handled, progress.total)}] {handled}/{progress.total} {progress_counts(progress)}"
    )
    return line if progress.finished else f"{line} · {progress_pace(progress)}"


def _mode_label(mode: str) -> str:
    return MODE_LABELS[mode] if is_mode(mode) else mode


# -- toasts (the short notes over a pressed button) --------------------------------------

ORGANIZERS_ONLY = "This button is for the organizers."
NOT_ORGANIZER_OF_EVENT = "You are not an organizer of that event."
DRAFT_GONE = "Already sent or cancelled; nothing more was sent."
SCHEDULED_TOAST = "Scheduled"


def draft_cancel_toast(done: bool) -> str:
    """The toast after a draft's Cancel button."""
    return "Cancelled" if done else "Nothing to cancel"


def sending_toast(recipients: int) -> str:
    """The toast after a draft's Send button."""
    return f"Sending to {recipients} chat(s)"


def cancel_usage() -> Reply:
    """/cancel without a broadcast id."""
    return Reply("Usage: <code>/cancel ID</code> (see /broadcasts for the ids)")
