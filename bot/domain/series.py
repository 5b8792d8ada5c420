"""Series and editions: which edition a series speaks about, and which one is new.

A *series* (EuroMLSys) has *editions* (2026, 2027, …); each edition is one event file
naming its series. People follow a series; the bot speaks about its *current* edition:
the one with the next key date ahead, else the latest one. Pure functions, no I/O.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from bot.domain.model import Event


def fold(text: str) -> str:
    """Return ``text`` for comparison: case-folded, letters and digits only."""
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def series_of(event: Event) -> str:
    """Return the series an event belongs to (its id when it names none)."""
    return event.series or event.id


def edition_order(event: Event) -> tuple[int, dt.datetime, str]:
    """Sort key of editions, oldest first: year, then first key date, then id."""
    first = min((kd.at for kd in event.key_dates), default=dt.datetime.min.replace(tzinfo=dt.UTC))
    return (event.year or first.year, first, event.id)


@dataclass(frozen=True)
class Series:
    """One series and its editions, oldest first."""

    id: str
    editions: tuple[Event, ...]

    @property
    def latest(self) -> Event:
        """The newest edition."""
        return self.editions[-1]

    def current(self, now: dt.datetime) -> Event:
        """The edition with the next key date ahead of ``now``, else the latest one."""
        ahead = [(nd.at, e) for e in self.editions if (nd := e.next_date(now)) is not None]
        if not ahead:
            return self.latest
        return min(ahead, key=lambda pair: (pair[0], edition_order(pair[1])))[1]

    def edition(self, year: int) -> Event | None:
        """Return the edition of ``year``, if the bot carries it."""
        return next((e for e in reversed(self.editions) if e.year == year), None)

    def next_date(self, now: dt.datetime) -> dt.datetime | None:
        """The series' next key date ahead of ``now``, in any edition."""
        return min((nd.at for e in self.editions if (nd := e.next_date(now))), default=None)

    @property
    def name(self) -> str:
        """The short name of the newest edition (what people call the series)."""
        return self.latest.short_name

    @property
    def admins(self) -> frozenset[int]:
        """Organizers of the series: the ``admins`` of every edition's file."""
        return frozenset().union(*(e.admins for e in self.editions))

    @property
    def announcement_channel(self) -> str | int | None:
        """The channel of the newest edition that names one."""
        return next(
            (e.announcement_channel for e in reversed(self.editions) if e.announcement_channel),
            None,
        )


def group_series(events: Iterable[Event]) -> tuple[Series, ...]:
    """Group editions into series, in the order each series first appears."""
    grouped: dict[str, list[Event]] = {}
    for event in events:
        grouped.setdefault(series_of(event), []).append(event)
    return tuple(
        Series(sid, tuple(sorted(editions, key=edition_order))) for sid, editions in grouped.items()
    )


def swap_series(
    current: Sequence[Event], loaded: Sequence[Event], only: Collection[str]
) -> tuple[Event, ...]:
    """The events after reloading the series ``only`` alone.

    Theirs as ``loaded`` has them (new, changed or gone), every other series as
    ``current`` has it (its files not taken up). The order of ``current`` is kept (the
    first series stays first); a series in ``only`` that ``current`` lacks comes last.
    A series ``loaded`` adds outside ``only`` is left out.
    """
    wanted = set(only)
    fresh = [e for e in loaded if series_of(e) in wanted]
    result: list[Event] = []
    placed: set[str] = set()
    for event in current:
        sid = series_of(event)
        if sid not in wanted:
            result.append(event)
        elif sid not in placed:
            placed.add(sid)
            result += [e for e in fresh if series_of(e) == sid]
    result += [e for e in fresh if series_of(e) not in placed]
    return tuple(result)


@dataclass(frozen=True)
class Choice:
    """What an argument such as ``mlsys 2026`` names: a series, and perhaps a year."""

    series: Series
    year: int | None = None


_YEAR = re.compile(r"^(?:19|20|21)\d\d$")
_TRAILING_YEAR = re.compile(r"^(?P<name>.*?)[\s_-]*(?P<year>(?:19|20|21)\d\d)$")


def _names(series: Series) -> set[str]:
    names = {series.id}
    for edition in series.editions:
        names |= {edition.id, edition.short_name, edition.name}
    return {fold(n) for n in names}


def find_series(catalog: Sequence[Series], word: str) -> Series | None:
    """Return the series ``word`` names (its id, an edition's id or short name), if one."""
    wanted = fold(word)
    if not wanted:
        return None
    exact = [s for s in catalog if wanted in _names(s)]
    if len(exact) == 1:
        return exact[0]
    return None


def series_in_text(catalog: Sequence[Series], text: str) -> Series | None:
    """The one series a plain question names ("when is the MLSys deadline?"), if any.

    A word (or two neighbouring words, "ML Sys") equal to a series' id or an edition's id
    or short name; None when none or several are named.
    """
    words = re.findall(r"[\w'-]+", text)
    candidates = words + [a + b for a, b in itertools.pairwise(words)]
    found = {s.id: s for w in candidates if (s := find_series(catalog, w)) is not None}
    return next(iter(found.values())) if len(found) == 1 else None


def parse_choice(
    catalog: Sequence[Series], words: Sequence[str]
) -> tuple[Choice | None, list[str]]:
    """Read an optional leading event (and year) from a command's words.

    ``mlsys``, ``euromlsys2026``, ``EuroMLSys-2026`` and ``euromlsys 2026`` are understood
    (a year alone is :func:`leading_year`'s). Returns what was named (``None``: the first
    word names no series) and the words left over.
    """
    if not words:
        return None, []
    first, rest = words[0], list(words[1:])
    series = find_series(catalog, first)
    if series is not None:
        if rest and _YEAR.match(rest[0]):
            return Choice(series, int(rest[0])), rest[1:]
        edition = next((e for e in series.editions if fold(e.id) == fold(first)), None)
        year = edition.year if edition is not None and edition.id != series.id else None
        return Choice(series, year), rest
    match = _TRAILING_YEAR.match(first)
    if match and match["name"]:
        series = find_series(catalog, match["name"])
        if series is not None:
            return Choice(series, int(match["year"])), rest
    return None, list(words)


def leading_year(words: Sequence[str]) -> tuple[int | None, list[str]]:
    """Return a leading year (``/dates 2026``) and the words after it."""
    if words and _YEAR.match(words[0]):
        return int(words[0]), list(words[1:])
    return None, list(words)


@dataclass(frozen=True)
class KnownEdition:
    """An edition the bot has loaded before (from its ledger in the database)."""

    event_id: str
    year: int | None


def should_announce(edition: Event, known: Sequence[KnownEdition], now: dt.datetime) -> bool:
    """Whether a newly loaded edition is announced to its series' followers.

    Only when the series already had an edition the bot knew (the first edition of a
    series is what people subscribed to), the new one still has a key date ahead, and
    it is newer than every edition known so far (an old edition added for the record
    is not news).
    """
    others = [k for k in known if k.event_id != edition.id]
    if not others or edition.next_date(now) is None:
        return False
    years = [k.year for k in others if k.year is not None]
    return edition.year is None or not years or edition.year > max(years)


def new_editions(
    series: Series, known: Sequence[KnownEdition], now: dt.datetime
) -> tuple[Event | None, tuple[Event, ...]]:
    """Split a series' editions the bot never loaded: the one to announce, the rest.

    At most one is announced, the newest that :func:`should_announce` accepts (two new
    files at once are one piece of news); the others are only recorded.
    """
    ids = {k.event_id for k in known}
    unseen = [e for e in series.editions if e.id not in ids]
    news = [e for e in unseen if should_announce(e, known, now)]
    chosen = news[-1] if news else None
    return chosen, tuple(e for e in unseen if e is not chosen)
