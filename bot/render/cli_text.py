"""Plain-text and JSON views of events for the terminal (``check``, ``dates``).

Text views fit an 80-column terminal (or the width given).
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Sequence
from typing import Any, TextIO

from bot.domain.model import Event, KeyDate
from bot.domain.plan import Reminder, plan
from bot.domain.times import UTC_ZONE, Zone, countdown, format_in_zone, iso_utc


def event_summary(event: Event, now: dt.datetime) -> str:
    """Return a one-screen summary of an event, as ``check`` prints it."""
    lines = [f"{event.short_name}  [{event.id}]  from {event.source}", f"  {event.name}"]
    facts = []
    if event.edition:
        facts.append(f"edition {event.edition}")
    if event.colocated_with:
        facts.append(f"co-located with {event.colocated_with}")
    if event.venue:
        facts.append(f"{event.venue.city}, {event.venue.country}")
    if facts:
        lines.append("  " + "; ".join(facts))
    lines.append(f"  website: {event.website}")
    lines.append(f"  key dates ({len(event.key_dates)}):")
    for kd in event.dates_in_order():
        lines.append(f"    {kd.id} ({kd.kind}): {kd.as_written}")
        lines.append(f"      = {iso_utc(kd.at)}, {countdown(kd.at, now)}")
    upcoming = event.next_date(now)
    lines.append(f"  next: {upcoming.title} ({upcoming.id})" if upcoming else "  next: none ahead")
    lines.extend(f"  {line}" for line in edition_status(event, now))
    topics = len(event.topics.items) if event.topics else 0
    lines.append(
        f"  topics: {topics}; contacts: {len(event.contacts)}; news: {len(event.news)};"
        f" admins in config: {len(event.admins)}"
    )
    return "\n".join(lines)


def edition_status(event: Event, now: dt.datetime) -> list[str]:
    """Say what is still to come: the reminders ahead, or that the edition is over."""
    ahead = plan([event], now)
    reminders = (
        f"reminders ahead: {len(ahead)} (next {ahead[0].id} at {iso_utc(ahead[0].fire_at)})"
        if ahead
        else "reminders ahead: none"
    )
    if event.next_date(now) is not None or not event.key_dates:
        return [reminders]
    last = event.dates_in_order()[-1]
    return [
        reminders,
        f"edition over: all key dates passed (the last, {last.id}, {iso_utc(last.at)})",
        "subscribers get only the organizers' news, and reminders for dates added later",
    ]


def _history(kd: KeyDate) -> str:
    return ", ".join(past.as_written for past in kd.history)


#: Terminal width the views fit when the caller gives none.
DEFAULT_WIDTH = 80


def terminal_width(out: TextIO) -> int:
    """Return the terminal's width when ``out`` is one (at least 80), else 80."""
    try:
        if out.isatty():
            return max(DEFAULT_WIDTH, shutil.get_terminal_size().columns)
    except (AttributeError, ValueError):
        pass
    return DEFAULT_WIDTH


def fit_table(headers: Sequence[str], rows: Sequence[Sequence[str]], width: int) -> str:
    """Return rows as an aligned table, or as one block per row when that is too wide.

    The first column names each block (``id · title``-style keys stay first); the others
    become ``header  value`` lines, so nothing is cut and nothing wraps.
    """
    table = [list(headers), *map(list, rows)]
    widths = [max(len(row[i]) for row in table) for i in range(len(headers))]
    if sum(widths) + 2 * (len(widths) - 1) <= width:
        lines = [
            "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
            for row in table
        ]
        lines.insert(1, "  ".join("-" * w for w in widths))
        return "\n".join(lines) + "\n"
    label = max(len(h) for h in headers[1:])
    blocks = []
    for row in rows:
        lines = [row[0]]
        lines += [
            f"  {h.ljust(label)}  {cell}" for h, cell in zip(headers[1:], row[1:], strict=True)
        ]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def dates_table(
    events: tuple[Event, ...], zone: Zone | None, now: dt.datetime, width: int = DEFAULT_WIDTH
) -> str:
    """Return every key date as a table (or blocks, to fit ``width``), one part per event."""
    headers = ["id", "title", "as written", "UTC"]
    if zone is not None:
        headers.append(zone.label)
    headers.append("countdown")
    parts: list[str] = []
    for event in events:
        rows = []
        for kd in event.dates_in_order():
            row = [kd.id, kd.title, kd.as_written, format_in_zone(kd.at, UTC_ZONE)]
            if zone is not None:
                row.append(format_in_zone(kd.at, zone))
            row.append(countdown(kd.at, now))
            if kd.history:
                row[2] += f" (extended from {_history(kd)})"
            rows.append(row)
        parts.append(f"{event.short_name} ({event.id})\n" + fit_table(headers, rows, width))
    return "\n".join(parts)


def dates_json(
    events: tuple[Event, ...], zone: Zone | None, now: dt.datetime
) -> list[dict[str, Any]]:
    """Return every key date as JSON-ready objects (``dates --json``)."""
    items: list[dict[str, Any]] = []
    for event in events:
        for kd in event.dates_in_order():
            item: dict[str, Any] = {
                "event": event.id,
                "id": kd.id,
                "title": kd.title,
                "kind": kd.kind,
                "as_written": kd.as_written,
                "zone_written": kd.zone.label,
                "at_utc": iso_utc(kd.at),
                "passed": kd.at <= now,
                "countdown": countdown(kd.at, now),
                "extended_from": [
                    {"as_written": past.as_written, "at_utc": iso_utc(past.at)}
                    for past in kd.history
                ],
            }
            if zone is not None:
                item["zone"] = zone.label
                item["at_local"] = kd.at.astimezone(zone.tzinfo).isoformat()
                item["local"] = format_in_zone(kd.at, zone)
            items.append(item)
    return items


def plan_json(reminders: Sequence[Reminder]) -> list[dict[str, Any]]:
    """Return reminders as JSON-ready objects (``plan --json``)."""
    return [
        {
            "id": r.id,
            "event": r.event_id,
            "key_date": r.key_date_id,
            "kind": r.kind,
            "offset": r.offset.label,
            "fire_at_utc": iso_utc(r.fire_at),
            "key_date_at_utc": iso_utc(r.key_date_at),
        }
        for r in reminders
    ]


def plan_table(reminders: Sequence[Reminder], now: dt.datetime, width: int = DEFAULT_WIDTH) -> str:
    """Return reminders as a table: which, when each fires (UTC), and how soon."""
    if not reminders:
        return f"no reminder fires after {iso_utc(now)}\n"
    rows = [[r.id, iso_utc(r.fire_at), countdown(r.fire_at, now)] for r in reminders]
    head = f"{len(reminders)} reminder(s) after {iso_utc(now)}:\n"
    return head + fit_table(["reminder", "fires (UTC)", "in"], rows, width)


def simulation(messages_at: Sequence[tuple[dt.datetime, str, str]]) -> str:
    """Return what subscribers would receive, in order: a header and the text of each."""
    if not messages_at:
        return "no message would be sent in that window\n"
    blocks = [f"── {iso_utc(at)} · {what} ──\n{text}\n" for at, what, text in messages_at]
    return "\n".join(blocks)
