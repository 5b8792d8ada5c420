"""The outbox's idempotency keys: one row per broadcast, recipient (and part), never twice.

A key is ``<kind>:<ref>:<chat>`` (news adds ``:<part>``), where ``ref`` says which message:

- ``reminder:<event>:<key date>:<offset>@<key date instant>:<chat>``
  (the ref is the reminder's broadcast ref, see :func:`reminder_ref`);
- ``extension:<event>:<key date>@<new instant>:<chat>`` (a moved date's notice);
- ``edition:<event>:<chat>`` (a new edition's announcement);
- ``news:<news id>:<chat>:<part>``.

The storage writes keys inside the database as prefix + chat id + suffix, so the
builders here give the prefix and the suffix; :func:`parse_key` reads any of them back.
These are the formats the stored rows have: they must not change.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal, get_args

from bot.domain.times import iso_utc

BroadcastKind = Literal["reminder", "extension", "edition", "news"]
"""What a broadcast is: each kind's rows are keyed by their own format (above)."""
BROADCAST_KINDS: tuple[BroadcastKind, ...] = get_args(BroadcastKind)
_KIND: dict[str, BroadcastKind] = {k: k for k in BROADCAST_KINDS}


@dataclass(frozen=True)
class OutboxKey:
    """A key read back: its kind, the message's ref, the chat and the part (news only)."""

    kind: BroadcastKind
    ref: str
    chat_id: int
    part: int | None = None

    def __str__(self) -> str:
        return key_prefix(self.kind, self.ref) + str(self.chat_id) + part_suffix(self.part)


def reminder_ref(reminder_id: str, key_date_at: dt.datetime) -> str:
    """A reminder's broadcast ref for its key date's instant: ``<reminder id>@<instant>``."""
    return f"{reminder_id}@{iso_utc(key_date_at)}"


def is_reminder_ref_of(ref: str, event_id: str, key_date_id: str, at: dt.datetime) -> bool:
    """Whether ``ref`` is a reminder's broadcast ref for this key date at the instant ``at``."""
    reminder_id, _, instant = ref.rpartition("@")
    return reminder_id.startswith(f"{event_id}:{key_date_id}:") and instant == iso_utc(at)


def moved_ref(key_date_id: str, at: dt.datetime) -> str:
    """A moved date's broadcast ref: ``<key date>@<new instant>``."""
    return f"{key_date_id}@{iso_utc(at)}"


def key_prefix(kind: BroadcastKind, ref: str) -> str:
    """What every key of one message starts with: ``<kind>:<ref>:``."""
    return f"{kind}:{ref}:"


def part_suffix(part: int | None) -> str:
    """What a key ends with after the chat id: ``:<part>`` for a part, else nothing."""
    return "" if part is None else f":{part}"


def reminder_prefix(reminder_ref_: str) -> str:
    """The key prefix of a reminder's rows."""
    return key_prefix("reminder", reminder_ref_)


def extension_prefix(event_id: str, ref: str) -> str:
    """The key prefix of a moved date's notice (``ref`` from :func:`moved_ref`)."""
    return key_prefix("extension", f"{event_id}:{ref}")


def edition_key(event_id: str, chat_id: int) -> str:
    """The key of a new edition's announcement to one chat."""
    return str(OutboxKey("edition", event_id, chat_id))


def news_prefix(news_id: int) -> str:
    """The key prefix of a news item's rows (each key ends with ``:<part>``)."""
    return key_prefix("news", str(news_id))


def parse_key(key: str) -> OutboxKey:
    """Read a key back; ValueError for one of no known kind or shape."""
    kind, _, rest = key.partition(":")
    if kind not in BROADCAST_KINDS:
        raise ValueError(f"not an outbox key: {key!r}")
    parts = rest.rsplit(":", 2 if kind == "news" else 1)
    try:
        if kind == "news" and len(parts) == 3:
            return OutboxKey("news", parts[0], int(parts[1]), int(parts[2]))
        if kind != "news" and len(parts) == 2 and parts[0]:
            return OutboxKey(_KIND[kind], parts[0], int(parts[1]))
    except ValueError:
        pass
    raise ValueError(f"not an outbox key: {key!r}")
