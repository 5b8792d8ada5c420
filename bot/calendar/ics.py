"""The ``.ics`` calendar of events: one VEVENT per key date, alarms that follow the policy.

The output is RFC 5545 text (UTF-8, CRLF, lines folded at 75 octets) built with the
``icalendar`` library, ready to send as a document or to serve to subscribers.

Design choices:

* **UID** is ``<event id>-<key date id>@deadline-bot``: it never changes, not across
  runs and not when a date is extended, so calendar apps update the entry they have.
  **SEQUENCE** is the number of extensions (``len(history)``), so an extended deadline
  is a newer revision of the same entry. **DTSTAMP** is the injected ``now``.
* **Deadlines and notifications are one-minute markers** starting at the exact instant
  (``DTSTART:...Z``, ``DTEND`` = start + 1 min, ``TRANSP:TRANSPARENT``). RFC 5545
  §3.8.2.2 says DTEND *must be later than* DTSTART, so ``DTEND = DTSTART`` is invalid
  (strict parsers such as khal and Home Assistant's reject it or invent an hour), and
  Google's API refuses an empty time range. Leaving DTEND out is legal (a zero-length
  instant) but Microsoft Exchange/Outlook refuses to import a VEVENT with neither DTEND
  nor DURATION, and several importers then assume one hour. One minute is the shortest
  span every importer takes as it is; it shows as e.g. "23:59–00:00 AoE", the last
  minute before the deadline passes.
* **The event day** (kind ``event`` written as a bare date) is an all-day event:
  ``DTSTART;VALUE=DATE`` on the venue's date and the exclusive ``DTEND`` the day after.
* **Alarms** (VALARM, ACTION DISPLAY) follow the reminder policy; see :func:`alarm_offsets`.
  Some apps (Google Calendar) ignore imported alarms and apply their own defaults.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence

import icalendar

from bot.domain.model import Event, KeyDate
from bot.domain.policy import is_all_day, offsets_for
from bot.domain.times import UTC, KeyDateKind, humanize_span, to_zone, zone_label_at

PRODID = "-//deadline-bot//EN"
"""The product identifier written in every calendar."""
CONTENT_TYPE = "text/calendar; charset=utf-8"
"""The MIME type to serve or send the bytes with."""
REFRESH_INTERVAL = dt.timedelta(hours=6)
"""How often subscribers should fetch the calendar again."""
MARKER_LENGTH = dt.timedelta(minutes=1)
"""The span of a deadline or notification entry (DTEND - DTSTART); see the module notes."""
UID_DOMAIN = "deadline-bot"

# Control characters other than tab and LF cannot appear in an iCalendar TEXT value.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _text(value: str) -> str:
    r"""Make text fit a TEXT value: line breaks become LF, other control characters go.

    RFC 5545 TEXT cannot hold control characters other than tab; a line break is written
    as ``\n`` and read back as LF, so CRLF or CR would not round-trip anyway.
    """
    return _CONTROL_RE.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))


class _Duration(icalendar.vDuration):
    """A DURATION that writes zero as ``PT0S`` (as Apple and Outlook do), not ``P0D``."""

    def to_ical(self) -> bytes:
        """Return the RFC 5545 text of the duration."""
        if self.td == dt.timedelta(0):
            return b"PT0S"
        # icalendar 7 leaves to_ical unannotated; tolerate a later release that annotates it.
        value: bytes = super().to_ical()  # type: ignore[no-untyped-call,unused-ignore]
        return value


def calendar_filename(event: Event) -> str:
    """Return the file name of an event's calendar, e.g. ``euromlsys2026.ics``."""
    return f"{event.id}.ics"


def key_date_uid(event: Event, key_date: KeyDate) -> str:
    """Return the stable UID of a key date's VEVENT: ``<event>-<key date>@deadline-bot``."""
    return f"{event.id}-{key_date.id}@{UID_DOMAIN}"


def alarm_offsets(
    event: Event,
    key_date: KeyDate,
    alarms: Mapping[str, Sequence[dt.timedelta]] | None = None,
) -> tuple[dt.timedelta, ...]:
    """Return how long before a key date its alarms fire, largest first, without repeats.

    ``alarms`` by ``"<event id>:<key date id>"`` or by key date id wins; otherwise the
    reminder policy (:func:`bot.domain.policy.offsets_for`), so alarms and Telegram
    reminders agree. An empty sequence means no alarm.
    """
    chosen: Sequence[dt.timedelta]
    overrides = alarms or {}
    qualified = f"{event.id}:{key_date.id}"
    if qualified in overrides:
        chosen = overrides[qualified]
    elif key_date.id in overrides:
        chosen = overrides[key_date.id]
    else:
        chosen = [offset.before for offset in offsets_for(event, key_date)]
    for offset in chosen:
        if offset < dt.timedelta(0):
            raise ValueError(f"alarm offset {offset} of {qualified} is after the date")
    return tuple(sorted(set(chosen), reverse=True))


def event_calendar(
    events: Sequence[Event],
    now: dt.datetime,
    *,
    alarms: Mapping[str, Sequence[dt.timedelta]] | None = None,
) -> bytes:
    """Return the ``.ics`` bytes of the events' key dates.

    ``now`` (aware) is the DTSTAMP of every entry; ``alarms`` overrides the alarm offsets
    of single key dates (see :func:`alarm_offsets`). The calendar is named after the
    events' short names.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be an aware datetime")
    stamp = now.astimezone(UTC)
    calendar = icalendar.Calendar()
    name = ", ".join(event.short_name for event in events) or UID_DOMAIN
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    # NAME and X-* are not typed as TEXT by icalendar: say so, or nothing gets escaped.
    calendar.add("name", icalendar.vText(_text(name)))
    calendar.add("x-wr-calname", icalendar.vText(_text(name)))
    calendar.add("x-wr-timezone", "UTC")
    calendar.add("refresh-interval", _Duration(REFRESH_INTERVAL), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", _Duration(REFRESH_INTERVAL))
    for event in events:
        for key_date in event.dates_in_order():
            calendar.add_component(_vevent(event, key_date, stamp, alarms))
    data: bytes = calendar.to_ical()
    return data


def _vevent(
    event: Event,
    key_date: KeyDate,
    stamp: dt.datetime,
    alarms: Mapping[str, Sequence[dt.timedelta]] | None,
) -> icalendar.Event:
    """Build the VEVENT of one key date."""
    summary = f"{event.short_name}: {key_date.title}"
    vevent = icalendar.Event()
    vevent.add("uid", key_date_uid(event, key_date))
    vevent.add("sequence", len(key_date.history))
    vevent.add("dtstamp", stamp)
    if is_all_day(key_date):
        day = to_zone(key_date.at, key_date.zone).date()
        vevent.add("dtstart", day)
        vevent.add("dtend", day + dt.timedelta(days=1))
    else:
        start = key_date.at.astimezone(UTC)
        vevent.add("dtstart", start)
        vevent.add("dtend", start + MARKER_LENGTH)
    vevent.add("summary", _text(summary))
    vevent.add("description", _text(_description(event, key_date)))
    vevent.add("url", _url(event, key_date))
    if key_date.kind == "event" and event.venue is not None:
        vevent.add("location", _text(f"{event.venue.city}, {event.venue.country}"))
    vevent.add("categories", [key_date.kind.capitalize()])
    vevent.add("transp", "TRANSPARENT")
    for offset in alarm_offsets(event, key_date, alarms):
        vevent.add_component(_valarm(summary, key_date, offset))
    return vevent


def _valarm(summary: str, key_date: KeyDate, offset: dt.timedelta) -> icalendar.Alarm:
    """Build a display alarm ``offset`` before the key date."""
    if offset:
        when = f"in {humanize_span(offset.total_seconds(), parts=2)}"
    else:
        # A whole day (a notification or event written as a bare date) is "today".
        when = "today" if key_date.date_only and key_date.kind != "deadline" else "now"
    alarm = icalendar.Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", _text(f"{summary} {when}"))
    alarm.add("trigger", _Duration(-offset))
    return alarm


def _url(event: Event, key_date: KeyDate) -> str:
    """Return where to act: the date's link, a deadline's submission site, the website."""
    if key_date.url:
        return key_date.url
    if key_date.kind == "deadline" and event.submission_url:
        return event.submission_url
    return event.website


def _when(key_date: KeyDate) -> str:
    """Render a key date's time in its own zone, with the UTC time beside it."""
    local = to_zone(key_date.at, key_date.zone)
    if is_all_day(key_date):
        return f"{local:%Y-%m-%d} (all day, {key_date.zone.label})"
    zone = zone_label_at(local, key_date.zone)
    if key_date.zone.is_aoe:
        zone = zone.replace("AoE (", "AoE (Anywhere on Earth, ")
    text = f"{local:%Y-%m-%d %H:%M} {zone}"
    if local.utcoffset():
        text += f", which is {key_date.at.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
    return text


def _as_rendered(key_date: KeyDate) -> str:
    """Return how :func:`_when` starts, to tell whether the organizers wrote it that way."""
    local = to_zone(key_date.at, key_date.zone)
    if is_all_day(key_date):
        return f"{local:%Y-%m-%d}"
    return f"{local:%Y-%m-%d %H:%M} {key_date.zone.label}"


_VERBS: Mapping[KeyDateKind, str] = {"deadline": "Due", "notification": "Expected", "event": "On"}


def _description(event: Event, key_date: KeyDate) -> str:
    """Return the DESCRIPTION: when (as written, in AoE), extensions, note and links."""
    lines = [f"{_VERBS[key_date.kind]} {_when(key_date)}"]
    if key_date.as_written != _as_rendered(key_date):
        lines.append(f"As written in the call: {key_date.as_written}")
    if key_date.history:
        earlier = ", then ".join(past.as_written for past in key_date.history)
        lines.append(f"Extended from {earlier}")
    if key_date.note:
        lines.append(key_date.note)
    lines.append("")
    lines.append(event.name)
    if key_date.url:
        lines.append(f"Link: {key_date.url}")
    if key_date.kind == "deadline" and event.submission_url:
        lines.append(f"Submission: {event.submission_url}")
    lines.append(f"Website: {event.website}")
    return "\n".join(lines)
