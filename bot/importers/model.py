"""What an import yields: editions with their dates, and every entry it could not take."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:  # annotations only: the tracker names load without pytz (`--help`)
    from bot.domain.times import KeyDateKind
    from bot.importers.zones import TrackerTime

TrackerName = Literal["ccf-deadlines", "ai-deadlines"]
TRACKERS: tuple[TrackerName, ...] = ("ccf-deadlines", "ai-deadlines")


@dataclass(frozen=True)
class Issue:
    """One entry of a tracker file that was not imported, and why."""

    source: str
    """The tracker file (its name or URL)."""
    line: int | None
    field: str
    """Where in the file, e.g. ``[0].confs[4].timeline[0].deadline``."""
    edition: str | None
    """The tracker's edition id (``cvpr26``), when known."""
    message: str

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line else self.source
        edition = f" ({self.edition})" if self.edition else ""
        field = f" {self.field}" if self.field else ""
        return f"{where}{field}{edition}: {self.message}"


@dataclass(frozen=True)
class ImportedDate:
    """One key date taken from a tracker, with the time exactly as the tracker wrote it."""

    id: str
    title: str
    kind: KeyDateKind
    time: TrackerTime
    origin: str
    """The tracker field it came from, e.g. ``timeline[1].abstract_deadline``."""


@dataclass(frozen=True)
class ImportedEdition:
    """One edition of a series (one event file)."""

    tracker: TrackerName
    source: str
    tracker_id: str
    """The tracker's own edition id (``cvpr26``)."""
    series: str
    """The tracker's series id (``cvpr``): the edition id without its year."""
    year: int
    event_id: str
    """This project's id: series and year (``cvpr2026``)."""
    name: str
    short_name: str
    website: str
    dates: tuple[ImportedDate, ...]
    city: str | None = None
    country: str | None = None
    summary: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class ImportResult:
    """Everything one tracker file yields."""

    editions: tuple[ImportedEdition, ...]
    issues: tuple[Issue, ...]
