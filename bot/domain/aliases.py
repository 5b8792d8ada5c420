"""What people call a key date: its title, the organizers' ``aliases``, and defaults.

The defaults follow the kind and the title's words, so "when is the camera-ready due?"
finds a deadline titled "Final paper due" without any YAML, and "when do we get
notified?" finds the notification. A default that would name two dates of one event is
dropped from both; an alias written in the YAML that names two dates is a config error.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.domain.model import Event, KeyDate
from bot.domain.text import fold

_FINAL = (
    "camera ready",
    "camera-ready",
    "final version",
    "final paper",
    "final manuscript",
    "cr",
    "final",
)
_ABSTRACT = ("abstract", "abstract deadline", "abstract registration", "abstract submission")
_SUBMISSION = (
    "paper deadline",
    "submission deadline",
    "paper submission",
    "submission",
    "full paper",
    "paper due",
    "papers due",
)
_NOTIFICATION = (
    "notification",
    "notifications",
    "notified",
    "acceptance",
    "accepted",
    "decision",
    "decisions",
    "results",
    "reviews",
    "hear back",
    "outcome",
)
_EVENT = ("workshop", "workshop day", "the event", "event day", "conference day")
_REBUTTAL = ("rebuttal", "author response")
_REGISTRATION = ("registration", "register", "early registration")


def default_aliases(kd: KeyDate) -> tuple[str, ...]:
    """Return the aliases a key date gets from its kind and title words."""
    title = fold(kd.title)
    words = set(title.split())
    found: list[str] = [title]
    if kd.kind == "notification":
        found += _NOTIFICATION
    elif kd.kind == "event":
        found += _EVENT
    elif words & {"final", "camera", "cr", "proceedings"}:
        found += _FINAL
    elif "abstract" in words:
        found += _ABSTRACT
    elif "rebuttal" in words or "response" in words:
        found += _REBUTTAL
    elif "registration" in words:
        found += _REGISTRATION
    elif words & {"paper", "papers", "submission", "submit"}:
        found += _SUBMISSION
    return tuple(dict.fromkeys(fold(alias) for alias in found))


def names_of_dates(event: Event) -> dict[str, tuple[str, ...]]:
    """Return, per key-date id, every folded name that means it and no other date.

    Written aliases always count; a default shared by two dates counts for neither.
    """
    written = {kd.id: {fold(alias) for alias in kd.aliases} for kd in event.key_dates}
    defaults = {kd.id: default_aliases(kd) for kd in event.key_dates}
    owners: dict[str, set[str]] = {}
    for kd_id, own in defaults.items():
        for name in own:
            owners.setdefault(name, set()).add(kd_id)
    taken = {name for names in written.values() for name in names}
    result: dict[str, tuple[str, ...]] = {}
    for kd in event.key_dates:
        names: list[str] = [
            name
            for name in defaults[kd.id]
            if len(owners[name]) == 1 and (name not in taken or name in written[kd.id])
        ]
        names += sorted(written[kd.id])
        result[kd.id] = tuple(dict.fromkeys(name for name in names if name))
    return result


def alias_clashes(dates: Iterable[tuple[str, str, Iterable[str]]]) -> list[tuple[int, int, str]]:
    """Find written aliases that name two dates: (date index, alias index, other date's id).

    ``dates`` gives each key date's id, title and written aliases, in file order. An alias
    clashes when it folds to another date's title or to one of its written aliases.
    """
    seen: dict[str, str] = {}
    rows = [(kd_id, fold(title), [fold(a) for a in aliases]) for kd_id, title, aliases in dates]
    for kd_id, title, _ in rows:
        seen.setdefault(title, kd_id)
    clashes: list[tuple[int, int, str]] = []
    for index, (kd_id, _, aliases) in enumerate(rows):
        for alias_index, alias in enumerate(aliases):
            owner = seen.setdefault(alias, kd_id)
            if owner != kd_id:
                clashes.append((index, alias_index, owner))
    return clashes
