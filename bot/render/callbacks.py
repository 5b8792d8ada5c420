"""Callback data of every inline button: typed actions, one encoder, one strict decoder.

Telegram carries at most 64 bytes of ``callback_data`` per button and sends back whatever
a client puts there, so data is built only by :func:`encode` (which refuses anything over
the limit) and read only by :func:`decode` (which returns ``None`` for anything it did not
build: a stale, forged or mangled press). The wire format is short text:

==========================  =========================================================
``subscribe``               subscribe this chat
``settings``                show /settings
``mode:<all|deadlines|off>`` choose the reminder mode
``mute:<ref>``              turn one key date's reminders on or off; ``ref`` is the key
                            date id, or ``~`` and a hash of it when the id is long
``tz:<zone>``               choose a time zone (an IANA name or a ``UTC±HH:MM`` label)
``locate``                  ask for the person's location to find their time zone
``type-city``               ask the person to type their city as a reply
``ask:<kind>``              answer a suggested question (a kind in ``SUGGESTIBLE``)
``post:<send|paid|edit|cancel>:<draft>``  an organizer's draft controls
==========================  =========================================================
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, get_args

from bot.domain.questions import SUGGESTIBLE, Kind

MAX_BYTES = 64
"""Telegram's limit on a button's callback data, in UTF-8 bytes."""
DIRECT_ID_LENGTH = 40
"""Key-date ids up to this length travel as they are; longer ones as a short hash."""

Mode = Literal["all", "deadlines", "off"]
PostVerb = Literal["send", "paid", "edit", "cancel"]

_KEY_DATE_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_HASHED_REF = re.compile(r"^~[a-z2-7]{16}$")
_ZONE = re.compile(r"^[A-Za-z0-9_+\-:/]{1,40}$")
_DRAFT = re.compile(r"^[0-9a-f]{1,32}$")


class CallbackDataError(ValueError):
    """A button whose data would not fit Telegram's limit or is not well formed."""


@dataclass(frozen=True)
class Subscribe:
    """Subscribe the chat."""


@dataclass(frozen=True)
class OpenSettings:
    """Show the reminder settings."""


@dataclass(frozen=True)
class SetMode:
    """Choose which reminders the chat gets."""

    mode: Mode


@dataclass(frozen=True)
class ToggleDate:
    """Turn one key date's reminders on or off; ``ref`` comes from :func:`key_date_ref`."""

    ref: str

    def key_date_id(self, ids: Iterable[str]) -> str | None:
        """Return the id among ``ids`` this button means, or None when none matches."""
        return next((i for i in ids if key_date_ref(i) == self.ref), None)


@dataclass(frozen=True)
class ChooseZone:
    """Set the chat's time zone."""

    zone: str


@dataclass(frozen=True)
class UseLocation:
    """Find the chat's time zone from a location the person shares."""


@dataclass(frozen=True)
class TypeCity:
    """Ask the person to type their city (or country, offset, abbreviation)."""


@dataclass(frozen=True)
class Ask:
    """Answer a question the bot suggested when it did not understand one."""

    kind: Kind


@dataclass(frozen=True)
class PostAction:
    """An organizer's control under a news draft."""

    verb: PostVerb
    draft_id: str


Callback = (
    Subscribe
    | OpenSettings
    | SetMode
    | ToggleDate
    | ChooseZone
    | UseLocation
    | TypeCity
    | Ask
    | PostAction
)


def key_date_ref(key_date_id: str) -> str:
    """Return how a key date is named in a button: its id, or ``~`` + 16 base32 of a hash."""
    if len(key_date_id) <= DIRECT_ID_LENGTH:
        return key_date_id
    digest = hashlib.sha256(key_date_id.encode("utf-8")).digest()
    return "~" + base64.b32encode(digest).decode("ascii").lower()[:16]


def toggle_date(key_date_id: str) -> ToggleDate:
    """Return the toggle of a key date (its id shortened to fit when long)."""
    return ToggleDate(key_date_ref(key_date_id))


def encode(action: Callback) -> str:
    """Return the callback data of an action; raise :class:`CallbackDataError` if it can't fit."""
    match action:
        case Subscribe():
            data = "subscribe"
        case OpenSettings():
            data = "settings"
        case SetMode(mode):
            data = f"mode:{mode}"
        case ToggleDate(ref):
            data = f"mute:{ref}"
        case ChooseZone(zone):
            data = f"tz:{zone}"
        case UseLocation():
            data = "locate"
        case TypeCity():
            data = "type-city"
        case Ask(kind):
            data = f"ask:{kind}"
        case PostAction(verb, draft_id):
            data = f"post:{verb}:{draft_id}"
    size = len(data.encode("utf-8"))
    if size > MAX_BYTES:
        raise CallbackDataError(f"{data!r} is {size} bytes; Telegram allows {MAX_BYTES}")
    if decode(data) != action:
        raise CallbackDataError(f"{data!r} is not well-formed callback data")
    return data


def decode(data: str | None) -> Callback | None:
    """Return the action a button's data names, or None when this bot did not build it."""
    if not data or len(data.encode("utf-8")) > MAX_BYTES:
        return None
    if data == "subscribe":
        return Subscribe()
    if data == "settings":
        return OpenSettings()
    if data == "locate":
        return UseLocation()
    if data == "type-city":
        return TypeCity()
    kind, _, value = data.partition(":")
    if kind == "mode" and value in get_args(Mode):
        return SetMode(value)  # type: ignore[arg-type]
    if kind == "mute" and (_KEY_DATE_ID.match(value) or _HASHED_REF.match(value)):
        return ToggleDate(value)
    if kind == "tz" and _ZONE.match(value):
        return ChooseZone(value)
    if kind == "ask" and value in SUGGESTIBLE:
        return Ask(value)
    if kind == "post":
        verb, _, draft_id = value.partition(":")
        if verb in get_args(PostVerb) and _DRAFT.match(draft_id):
            return PostAction(verb, draft_id)  # type: ignore[arg-type]
    return None
