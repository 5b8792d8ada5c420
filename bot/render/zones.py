"""Time-zone texts: abbreviation choices, the one-tap onboarding, location and typed city."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from bot.domain.model import Event, KeyDate
from bot.domain.times import Zone, format_in_zone
from bot.domain.zone_abbreviations import ZoneAbbreviation
from bot.render import callbacks as cb
from bot.render.blocks import next_in_zone
from bot.render.html import esc
from bot.render.reply import Button, Reply

TYPE_CITY_PROMPT = "Which city are you in?"
"""The first words of the "Type a city" prompt: a reply to it is read as a time zone."""

LOCATION_BUTTON = "📍 Send my location"


def zone_button(name: str) -> Button:
    """A button that sets the zone ``name`` (an IANA name or ``UTC±HH:MM``)."""
    return Button(name, data=cb.encode(cb.ChooseZone(name)))


def abbreviation_choices(abbreviation: ZoneAbbreviation) -> Reply:
    """Offer the zones an abbreviation such as CET is used for, and its fixed offset."""
    rows: list[tuple[Button, ...]] = [(zone_button(name),) for name in abbreviation.zones[:8]]
    offset = abbreviation.offset_text()
    if offset is not None:
        label = f"{offset} all year (no daylight saving)"
        rows.append((Button(label, data=cb.encode(cb.ChooseZone(offset))),))
    text = (
        f"<b>{esc(abbreviation.abbreviation)}</b> is not one zone but a clock several places"
        " use for part of the year. Choose your place, and I follow its summer and winter"
        " time:"
    )
    return Reply(text, tuple(rows))


def onboarding_rows(guesses: Sequence[str], *, private: bool) -> tuple[tuple[Button, ...], ...]:
    """Buttons that set a zone in one tap: guesses, "Use my location", "Type a city"."""
    rows: list[tuple[Button, ...]] = []
    if guesses:
        rows.append(tuple(zone_button(name) for name in guesses[:3]))
    last = [Button("⌨️ Type a city", data=cb.encode(cb.TypeCity()))]
    if private:
        last.insert(0, Button("📍 Use my location", data=cb.encode(cb.UseLocation())))
    rows.append(tuple(last))
    return tuple(rows)


ONBOARDING_LINE = "🕑 Times are shown in UTC until you choose your time zone:"


def with_onboarding(reply: Reply, guesses: Sequence[str], *, private: bool) -> Reply:
    """Add the time-zone question and its buttons under a reply."""
    return Reply(
        f"{reply.text}\n\n{ONBOARDING_LINE}",
        (*reply.buttons, *onboarding_rows(guesses, private=private)),
    )


def location_request() -> Reply:
    """Ask for the location with Telegram's location button."""
    return Reply(
        "Tap <b>📍 Send my location</b> below. I use it once, on this machine, to find your"
        " time zone, and keep only the zone's name.",
        request_location=LOCATION_BUTTON,
    )


def type_city() -> Reply:
    """Ask for a city (or country, offset, abbreviation) as a reply."""
    return Reply(
        f"{TYPE_CITY_PROMPT} Reply with a city (<i>São Paulo</i>, <i>Berlin, Germany</i>),"
        " a country, an offset (<i>+5:30</i>) or an abbreviation (<i>CET</i>).",
        force_reply="City, country or offset",
    )


def zone_from_location(
    zone: Zone, now: dt.datetime, upcoming: tuple[Event, KeyDate] | None = None
) -> Reply:
    """Confirm a zone found from a location, and take the location keyboard away.

    With ``upcoming`` (the chat's default event and its next key date): that date in it.
    """
    return Reply(
        f"📍 Your time zone is <b>{esc(zone.label)}</b>: it is now"
        f" {esc(format_in_zone(now, zone))}. Every date I send uses it. /dates"
        + next_in_zone(zone, now, upcoming),
        remove_keyboard=True,
    )


def location_unknown() -> Reply:
    """A location no zone covers."""
    return Reply(
        "I could not find a time zone for that place. Type your city instead:"
        " <code>/timezone Berlin</code>",
        remove_keyboard=True,
    )
