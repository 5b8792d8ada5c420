"""Read a tracker file into editions; every entry that cannot be taken is an :class:`Issue`.

Nothing is guessed: a date written ``TBD``, a zone the tracker's convention does not
define, a missing link or an edition without any deadline is reported and left out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.domain.config import field_name
from bot.domain.times import KeyDateKind
from bot.domain.yamlsource import Path, YamlDocument, YamlSyntaxError, load_yaml
from bot.importers.model import ImportedDate, ImportedEdition, ImportResult, Issue, TrackerName
from bot.importers.zones import TrackerTimeError, ZoneRule, read_time, read_zone

_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,59}$")
_URL = re.compile(r"^https?://\S+$")

AI_NOTIFICATION_TYPES = frozenset(
    {"notification", "review_release", "rebuttal_start", "decision", "final_decision"}
)
"""ai-deadlines ``type``s when authors hear back; every other type is something due."""


_Key = tuple[str, str, KeyDateKind]
"""A key date's id, title and kind."""


class TrackerFileError(ValueError):
    """A file that is not a tracker file at all (not YAML, or not this tracker's shape)."""


@dataclass(frozen=True)
class _Head:
    """What every edition of either tracker needs before its dates: ids, title, website."""

    tracker_id: str
    year: int
    series: str
    event_id: str
    title: str
    website: str


def import_text(tracker: TrackerName | None, text: str, source: str) -> ImportResult:
    """Read one tracker file's text; ``source`` names it in issues.

    With ``tracker`` None the file's shape tells which tracker wrote it: a ccf-deadlines
    file lists series that hold ``confs``; an ai-deadlines file lists editions.
    """
    try:
        document = load_yaml(text)
    except YamlSyntaxError as exc:
        where = f"{source}:{exc.line}" if exc.line else source
        raise TrackerFileError(f"{where}: not valid YAML: {exc}") from None
    if tracker is None:
        value = document.value
        has_confs = isinstance(value, list) and any(
            isinstance(item, dict) and "confs" in item for item in value
        )
        tracker = "ccf-deadlines" if has_confs else "ai-deadlines"
    reader = _Reader(tracker, source, document)
    reader.check_shape()
    if tracker == "ccf-deadlines":
        for index, series in enumerate(document.value):
            reader.ccf_series(series, (index,))
    else:
        for index, edition in enumerate(document.value):
            reader.ai_edition(edition, (index,))
    reader.other_repeats()
    return ImportResult(tuple(reader.editions), tuple(reader.issues))


def slug(text: str) -> str:
    """Return ``text`` as an id: lower case, runs of other characters turned into ``-``."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def series_id(tracker_id: str, year: int, title: str) -> str | None:
    """Return the tracker's series id: its edition id without the year (``cvpr26`` → ``cvpr``).

    Falls back to the title (``EuroSys`` → ``eurosys``) when the id does not end with the year.
    """
    for suffix in (str(year), str(year)[2:]):
        if tracker_id.endswith(suffix) and len(tracker_id) > len(suffix):
            candidate = slug(tracker_id[: -len(suffix)])
            if _ID.match(candidate):
                return candidate
    candidate = slug(title)
    return candidate if _ID.match(candidate) else None


def _field(path: Path) -> str:
    """Render a path the way issues name it: ``[0].confs[4].timeline[0].deadline``."""
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)


def _text(value: Any) -> str | None:
    """Return a non-empty string value stripped, else None."""
    return value.strip() or None if isinstance(value, str) else None


class _Reader:
    """Collects the editions and issues of one file."""

    def __init__(self, tracker: TrackerName, source: str, document: YamlDocument) -> None:
        self.tracker = tracker
        self.source = source
        self.document = document
        self.editions: list[ImportedEdition] = []
        self.issues: list[Issue] = []
        self._ids: dict[str, str] = {}
        self._twice = {path: line for path, line in document.duplicates}
        """Keys written twice in one mapping (PyYAML keeps the last): never used for a date."""

    def issue(self, path: Path, edition: str | None, message: str) -> None:
        """Record one entry not imported."""
        line = self.document.line_of(path)
        self.issues.append(Issue(self.source, line, _field(path), edition, message))

    def check_shape(self) -> None:
        """Refuse a file that is not a list of this tracker's entries."""
        value = self.document.value
        other = "ai-deadlines" if self.tracker == "ccf-deadlines" else "ccf-deadlines"
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            raise TrackerFileError(
                f"{self.source}: not a {self.tracker} file (that is a list of mappings)"
            )
        has_confs = [("confs" in item) for item in value]
        if self.tracker == "ccf-deadlines" and value and not any(has_confs):
            raise TrackerFileError(
                f"{self.source}: no entry has 'confs': not a ccf-deadlines file"
                f" (is it {other}'s? try: deadline-bot import {other} ...)"
            )
        if self.tracker == "ai-deadlines" and any(has_confs):
            raise TrackerFileError(
                f"{self.source}: entries have 'confs': this is a ccf-deadlines file"
                f" (try: deadline-bot import {other} ...)"
            )

    def other_repeats(self) -> None:
        """Report the keys written twice that no date depends on (the last one was used)."""
        for path, line in sorted(self._twice.items(), key=lambda item: item[1]):
            self.issues.append(
                Issue(self.source, line, _field(path), None, "written twice; the last one is used")
            )

    # -- shared ------------------------------------------------------------------------

    def _head(self, raw: Mapping[str, Any], path: Path, title: str) -> _Head | None:
        """Return an edition's ids and website, or report why it cannot be imported."""
        tracker_id, year = _text(raw.get("id")), raw.get("year")
        label = tracker_id or (f"{title} {year}" if title else None)
        if not isinstance(year, int) or isinstance(year, bool):
            self.issue((*path, "year"), label, "missing or not a year; edition not imported")
            return None
        if tracker_id is None:
            self.issue((*path, "id"), label, "missing edition id; edition not imported")
            return None
        series = series_id(tracker_id, year, title or tracker_id)
        if series is None:
            self.issue((*path, "id"), label, "no series id can be made of it; not imported")
            return None
        event_id = f"{series}{year}"
        if event_id in self._ids:
            self.issue(
                (*path, "id"),
                label,
                f"a second edition {series} {year} (first: {self._ids[event_id]}); not imported",
            )
            return None
        link = _text(raw.get("link"))
        if link is None or not _URL.match(link):
            what = "missing" if link is None else f"{link!r} is not an http(s) address"
            self.issue((*path, "link"), tracker_id, f"link {what}; the event needs a website")
            return None
        return _Head(tracker_id, year, series, event_id, title, link)

    def _written_twice(self, path: Path, label: str) -> bool:
        """Report a date or zone key written twice in its mapping (none of them is used)."""
        if path not in self._twice:
            return False
        del self._twice[path]
        self.issue(path, label, "written twice in one entry (which is meant?); not imported")
        return True

    def _zone(self, text: Any, path: Path, label: str) -> ZoneRule | None:
        if self._written_twice(path, label):
            return None
        try:
            return read_zone(text, self.tracker)
        except TrackerTimeError as exc:
            self.issue(path, label, f"{exc}; its dates are not imported")
            return None

    def _date(
        self,
        written: Any,
        zone: ZoneRule | None,
        path: Path,
        label: str,
        key: _Key,
        taken: set[str],
    ) -> ImportedDate | None:
        if self._written_twice(path, label) or zone is None:
            return None
        try:
            time = read_time(written, zone)
        except TrackerTimeError as exc:
            self.issue(path, label, f"{exc}; not imported")
            return None
        base, title, kind = key
        date_id, n = base, 2
        while date_id in taken:
            date_id, n = f"{base}-{n}", n + 1
        taken.add(date_id)
        return ImportedDate(date_id, title, kind, time, field_name(path))

    def _keep(
        self,
        head: _Head,
        dates: list[ImportedDate],
        path: Path,
        why: str = "",
        *,
        name: str,
        **details: str | None,
    ) -> None:
        """Keep the edition (``details``: its optional fields), or report it had no date."""
        if not dates:
            reason = why or "no deadline could be imported"
            self.issue(path, head.tracker_id, f"{reason}; no file written")
            return
        self._ids[head.event_id] = head.tracker_id
        self.editions.append(
            ImportedEdition(
                tracker=self.tracker,
                source=self.source,
                tracker_id=head.tracker_id,
                series=head.series,
                year=head.year,
                event_id=head.event_id,
                name=name,
                short_name=f"{head.title} {head.year}",
                website=head.website,
                dates=tuple(dates),
                **details,
            )
        )

    # -- ccf-deadlines ------------------------------------------------------------------

    def ccf_series(self, raw: dict[str, Any], path: Path) -> None:
        """Read one series (``title``, ``description``, ``confs``)."""
        title = _text(raw.get("title"))
        confs = raw.get("confs")
        if title is None:
            self.issue((*path, "title"), None, "missing title; series not imported")
            return
        if not isinstance(confs, list):
            self.issue((*path, "confs"), title, "no list of editions; series not imported")
            return
        for index, conf in enumerate(confs):
            if isinstance(conf, dict):
                self._ccf_edition(raw, conf, (*path, "confs", index), title)
            else:
                self.issue((*path, "confs", index), title, "not a mapping; not imported")

    def _ccf_edition(
        self, series: dict[str, Any], raw: dict[str, Any], path: Path, title: str
    ) -> None:
        head = self._head(raw, path, title)
        if head is None:
            return
        tracker_id = head.tracker_id
        zone = self._zone(raw.get("timezone"), (*path, "timezone"), tracker_id)
        timeline = raw.get("timeline")
        if not isinstance(timeline, list):
            self.issue((*path, "timeline"), tracker_id, "no timeline list; no dates")
            timeline = []
        cycles = len(timeline) > 1
        dates: list[ImportedDate] = []
        taken: set[str] = set()
        for index, entry in enumerate(timeline):
            entry_path = (*path, "timeline", index)
            if not isinstance(entry, dict):
                self.issue(entry_path, tracker_id, "not a mapping; not imported")
                continue
            comment = _text(entry.get("comment"))
            suffix = f" ({comment})" if comment else ""
            number = f"-{index + 1}" if cycles else ""
            if "deadline" not in entry:
                self.issue(entry_path, tracker_id, "no deadline in this timeline entry")
            for field, base, what in (
                ("abstract_deadline", "abstract", "Abstract deadline"),
                ("deadline", "paper", "Submission deadline"),
            ):
                if field in entry:
                    key: _Key = (f"{base}{number}", f"{what}{suffix}", "deadline")
                    kd = self._date(
                        entry[field], zone, (*entry_path, field), tracker_id, key, taken
                    )
                    if kd:
                        dates.append(kd)
        place, when = _text(raw.get("place")), _text(raw.get("date"))
        city = country = None
        if place:
            parts = [part.strip() for part in place.split(",") if part.strip()]
            if len(parts) == 2:
                city, country = parts
            else:  # 'COEX, Seoul, Korea' and 'Denver, Colorado, USA': which part is the city?
                self.issue(
                    (*path, "place"),
                    tracker_id,
                    f"{place!r} is not 'city, country'; no venue (the place is in the summary)",
                )
        self._keep(
            head,
            dates,
            path,
            name=_text(series.get("description")) or title,
            city=city,
            country=country,
            summary=", ".join(p for p in (when, place) if p) or None,
        )

    # -- ai-deadlines -------------------------------------------------------------------

    def ai_edition(self, raw: dict[str, Any], path: Path) -> None:
        """Read one edition (``title``, ``year``, ``deadlines`` or the older flat fields)."""
        title = _text(raw.get("title"))
        if title is None:
            self.issue((*path, "title"), _text(raw.get("id")), "missing title; not imported")
            return
        head = self._head(raw, path, title)
        if head is None:
            return
        tracker_id = head.tracker_id
        dates: list[ImportedDate] = []
        taken: set[str] = set()
        listed = raw.get("deadlines")
        if isinstance(listed, list):
            for index, entry in enumerate(listed):
                entry_path = (*path, "deadlines", index)
                if not isinstance(entry, dict):
                    self.issue(entry_path, tracker_id, "not a mapping; not imported")
                    continue
                kind_name = _text(entry.get("type")) or "deadline"
                kind: KeyDateKind = (
                    "notification" if kind_name in AI_NOTIFICATION_TYPES else "deadline"
                )
                label = _text(entry.get("label")) or kind_name.replace("_", " ").capitalize()
                zone_text = entry.get("timezone") or raw.get("timezone")
                zone_path = (*entry_path, "timezone") if "timezone" in entry else path
                zone = self._zone(zone_text, zone_path, tracker_id)
                key = (slug(kind_name) or "date", label, kind)
                kd = self._date(
                    entry.get("date"), zone, (*entry_path, "date"), tracker_id, key, taken
                )
                if kd:
                    dates.append(kd)
        elif listed is not None:
            self.issue((*path, "deadlines"), tracker_id, "not a list; not imported")
        else:
            dates = self._ai_flat(raw, path, tracker_id, taken)
        why = ""
        if listed is None and not {"deadline", "abstract_deadline"} & set(raw):
            note = _text(raw.get("note"))
            why = "no deadline given" + (f" (note: {note})" if note else "")
        city, country = _text(raw.get("city")), _text(raw.get("country"))
        when, venue = _text(raw.get("date")), _text(raw.get("venue"))
        self._keep(
            head,
            dates,
            path,
            why,
            name=_text(raw.get("full_name")) or title,
            city=city if city and country else None,
            country=country if city and country else None,
            summary=", ".join(p for p in (when, venue) if p) or None,
            description=_text(raw.get("note")),
        )

    def _ai_flat(
        self, raw: dict[str, Any], path: Path, tracker_id: str, taken: set[str]
    ) -> list[ImportedDate]:
        """Read the older flat fields: ``abstract_deadline`` and ``deadline`` in ``timezone``."""
        dates: list[ImportedDate] = []
        present = [f for f in ("abstract_deadline", "deadline") if f in raw]
        zone = self._zone(raw.get("timezone"), (*path, "timezone"), tracker_id) if present else None
        for field, base, title in (
            ("abstract_deadline", "abstract", "Abstract deadline"),
            ("deadline", "paper", "Submission deadline"),
        ):
            if field in raw:
                key: _Key = (base, title, "deadline")
                kd = self._date(raw[field], zone, (*path, field), tracker_id, key, taken)
                if kd:
                    dates.append(kd)
        for field, value in raw.items():
            if (
                field not in {"abstract_deadline", "deadline", "date", "start", "end"}
                and isinstance(value, str)
                and re.match(r"^\d{4}-\d{2}-\d{2}[ T]\d{1,2}:\d{2}", value.strip())
            ):
                self.issue(
                    (*path, field),
                    tracker_id,
                    f"{field} {value!r}: the tracker defines no zone for this field; not imported",
                )
        return dates
