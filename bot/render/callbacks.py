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
``ask:<kind>[:<series>]``   answer a suggested question (a kind in ``SUGGESTIBLE``), about
                            ``series`` when the bot carries several
``post:<send|paid|edit|cancel>:<draft>``  an organizer's draft controls
``follow:<series>``         follow a series (``unfollow:<series>``: stop)
``pick:<command>:<series>`` answer a command for the series chosen (and remember it)
==========================  =========================================================

With several series in one bot, ``subscribe``, ``settings``, ``mode:…`` and ``mute:…``
carry the series they act on as a last part (``mode:deadlines:mlsys``); a series is
named by its id, or ``~`` and a hash of it when the id is long (see :func:`series_ref`).
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, get_args

from bot.domain.questions import SUGGESTIBLE, Kind
from bot.domain.reminding import ReminderMode, is_mode
from bot.domain.series import Series

MAX_BYTES = 64
"""Telegram's limit on a button's callback data, in UTF-8 bytes."""
DIRECT_ID_LENGTH = 40
"""Key-date ids up to this length travel as they are; longer ones as a short hash."""
DIRECT_SERIES_LENGTH = 16
"""Series ids up to this length travel as they are; longer ones as a short hash."""

PostVerb = Literal["send", "paid", "edit", "cancel"]

_KEY_DATE_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_HASHED_REF = re.compile(r"^~[a-z2-7]{16}$")
_ZONE = re.compile(r"^[A-Za-z0-9_+\-:/]{1,40}$")
_DRAFT = re.compile(r"^[0-9a-f]{1,32}$")
_COMMAND = re.compile(r"^[a-z]{1,16}$")


class CallbackDataError(ValueError):
    """A button whose data would not fit Telegram's limit or is not well formed."""


class _OfSeries:
    """An action about one series (``series``: a :func:`series_ref`; None: the default)."""

    series: str | None

    def series_id(self, ids: Iterable[str]) -> str | None:
        """Return the series id among ``ids`` this button means, or None when none matches."""
        return next((i for i in ids if series_ref(i) == self.series), None)

    def series_in(self, catalog: Iterable[Series]) -> Series | None:
        """Return the series of ``catalog`` this button means, or None when none matches."""
        return next((s for s in catalog if series_ref(s.id) == self.series), None)


@dataclass(frozen=True)
class Subscribe(_OfSeries):
    """Subscribe the chat (to ``series``, or the chat's default)."""

    series: str | None = None


@dataclass(frozen=True)
class OpenSettings(_OfSeries):
    """Show the reminder settings."""

    series: str | None = None


@dataclass(frozen=True)
class SetMode(_OfSeries):
    """Choose which reminders the chat gets."""

    mode: ReminderMode
    series: str | None = None


@dataclass(frozen=True)
class ToggleDate(_OfSeries):
    """Turn one key date's reminders on or off; ``ref`` comes from :func:`key_date_ref`."""

    ref: str
    series: str | None = None

    def key_date_id(self, ids: Iterable[str]) -> str | None:
        """Return the id among ``ids`` this button means, or None when none matches."""
        return next((i for i in ids if key_date_ref(i) == self.ref), None)


@dataclass(frozen=True)
class Follow(_OfSeries):
    """Follow a series (``follow=False``: stop following it)."""

    series: str | None
    follow: bool = True


@dataclass(frozen=True)
class Pick(_OfSeries):
    """Answer ``command`` for the series the chat picked, and remember the choice."""

    command: str
    series: str | None


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
class Ask(_OfSeries):
    """Answer a question the bot suggested when it did not understand one (about ``series``)."""

    kind: Kind
    series: str | None = None


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
    | Follow
    | Pick
)


def key_date_ref(key_date_id: str) -> str:
    """Return how a key date is named in a button: its id, or ``~`` + 16 base32 of a hash."""
    if len(key_date_id) <= DIRECT_ID_LENGTH:
        return key_date_id
    digest = hashlib.sha256(key_date_id.encode("utf-8")).digest()
    return "~" + base64.b32encode(digest).decode("ascii").lower()[:16]


def series_ref(series_id: str) -> str:
    """Return how a series is named in a button: its id, or ``~`` + 16 base32 of a hash."""
    if len(series_id) <= DIRECT_SERIES_LENGTH:
        return series_id
    digest = hashlib.sha256(series_id.encode("utf-8")).digest()
    return "~" + base64.b32encode(digest).decode("ascii").lower()[:16]


def toggle_date(key_date_id: str, series: str | None = None) -> ToggleDate:
    """Return the toggle of a key date (its id shortened to fit when long), of ``series``."""
    return ToggleDate(key_date_ref(key_date_id), _ref(series))


def of_series(series: str | None) -> str | None:
    """The button's name of a series id (None stays None: the chat's default)."""
    return _ref(series)


def _ref(series: str | None) -> str | None:
    return None if series is None else series_ref(series)


def _with(data: str, series: str | None) -> str:
    return data if series is None else f"{data}:{series}"


def _series_part(value: str) -> tuple[str, str | None] | None:
    """Split ``value`` into its head and an optional series ref; None when malformed."""
    head, sep, tail = value.partition(":")
    if not sep:
        return head, None
    if _KEY_DATE_ID.match(tail) or _HASHED_REF.match(tail):
        return head, tail
    return None


def encode(action: Callback) -> str:
    """Return the callback data of an action; raise :class:`CallbackDataError` if it can't fit."""
    match action:
        case Subscribe(series):
            data = _with("subscribe", series)
        case OpenSettings(series):
            data = _with("settings", series)
        case SetMode(mode, series):
            data = _with(f"mode:{mode}", series)
        case ToggleDate(ref, series):
            data = _with(f"mute:{ref}", series)
        case ChooseZone(zone):
            data = f"tz:{zone}"
        case UseLocation():
            data = "locate"
        case TypeCity():
            data = "type-city"
        case Ask(kind, series):
            data = _with(f"ask:{kind}", series)
        case PostAction(verb, draft_id):
            data = f"post:{verb}:{draft_id}"
        case Follow(series, follow):
            data = f"{'follow' if follow else 'unfollow'}:{series}"
        case Pick(command, series):
            data = f"pick:{command}:{series}"
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
    if data == "locate":
        return UseLocation()
    if data == "type-city":
        return TypeCity()
    kind, sep, value = data.partition(":")
    if sep and not value:
        return None
    if kind in ("subscribe", "settings", "follow", "unfollow"):
        series = value or None
        if series is not None and not (_KEY_DATE_ID.match(series) or _HASHED_REF.match(series)):
            return None
        if kind == "subscribe":
            return Subscribe(series)
        if kind == "settings":
            return OpenSettings(series)
        return Follow(series, kind == "follow") if series is not None else None
    if kind == "pick":
        command, _, series = value.partition(":")
        ok = _COMMAND.match(command) and (_KEY_DATE_ID.match(series) or _HASHED_REF.match(series))
        return Pick(command, series) if ok else None
    split = _series_part(value) if kind in ("mode", "mute") else None
    if split is not None:
        head, series = split
        if kind == "mode" and is_mode(head):
            return SetMode(head, series)
        if kind == "mute" and (_KEY_DATE_ID.match(head) or _HASHED_REF.match(head)):
            return ToggleDate(head, series)
        return None
    if kind == "tz" and _ZONE.match(value):
        return ChooseZone(value)
    split = _series_part(value) if kind == "ask" else None
    if split is not None and split[0] in SUGGESTIBLE:
        return Ask(split[0], split[1])
    if kind == "post":
        verb, _, draft_id = value.partition(":")
        if verb in get_args(PostVerb) and _DRAFT.match(draft_id):
            return PostAction(verb, draft_id)  # type: ignore[arg-type]
    return None
