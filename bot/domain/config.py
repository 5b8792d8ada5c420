"""Load and validate event configs: YAML → frozen :class:`Event` objects.

Structure (keys, types, required fields) is checked against the published JSON Schema
(``config/event.schema.json``); meaning (dates, zones, unique ids) is checked here.
Every problem is reported at once, each with its file, field path and line.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from bot.domain.aliases import alias_clashes
from bot.domain.model import (
    Contact,
    Event,
    KeyDate,
    NewsItem,
    PastTime,
    Publication,
    Topics,
    Venue,
)
from bot.domain.policy import parse_offset as parse_reminder_offset
from bot.domain.times import AOE_ZONE, KeyDateKind, TimeError, Zone, parse_when, parse_zone
from bot.domain.yamlsource import (
    MAX_BYTES,
    YamlDocument,
    YamlLimitError,
    YamlSyntaxError,
    load_yaml,
)
from bot.domain.yamlsource import Path as FieldPath

if TYPE_CHECKING:
    import jsonschema

SCHEMA_FILE = Path(__file__).with_name("event.schema.json")
PLACEHOLDER_DATE = "TBD"
"""A date the organizers have yet to write (``deadline-bot new-edition`` leaves these)."""
NOT_FILLED_IN = (
    "TBD: not filled in yet; write this edition's time as the call gives it,"
    " e.g. '2027-02-15 23:59 AoE' or '2027-02-15'"
)
CONFIG_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a config file."""

    file: str
    field: str
    """The field's path, e.g. ``key_dates[1].at``; empty for the whole file."""
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return (
            f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )


class ConfigError(Exception):
    """A config that cannot be used; lists every problem found."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__(self.report())

    def report(self) -> str:
        """Return one line per problem."""
        count = len(self.problems)
        head = f"config has {count} problem{'s' if count != 1 else ''}:"
        return "\n".join([head, *(f"  {problem}" for problem in self.problems)])


@cache
def event_schema() -> dict[str, Any]:
    """Return the published JSON Schema of an event file."""
    return cast(dict[str, Any], json.loads(SCHEMA_FILE.read_text(encoding="utf-8")))


@cache
def _validator() -> jsonschema.Draft202012Validator:
    """Return the schema's validator; jsonschema (a tenth of a second) loads on first use."""
    import jsonschema

    return jsonschema.Draft202012Validator(event_schema())


def config_files(path: Path) -> list[Path]:
    """Return the YAML files ``path`` names: itself, or every ``*.yaml`` in the folder."""
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix in CONFIG_SUFFIXES and p.is_file())
        if not files:
            raise ConfigError([Problem(str(path), "", None, "folder holds no *.yaml file")])
        return files
    if not path.exists():
        raise ConfigError([Problem(str(path), "", None, "no such file or folder")])
    return [path]


def load_events(path: Path | str) -> tuple[Event, ...]:
    """Load every event under ``path`` (a file or a folder); raise :class:`ConfigError`."""
    problems: list[Problem] = []
    events: list[Event] = []
    seen: dict[str, str] = {}
    for file in config_files(Path(path)):
        try:
            size = file.stat().st_size
            if size > MAX_BYTES:  # refuse before reading it all into memory
                raise ConfigError(
                    [
                        Problem(
                            str(file),
                            "",
                            None,
                            f"refused: {size} bytes is more than the {MAX_BYTES} allowed",
                        )
                    ]
                )
            event = load_event_text(file.read_text(encoding="utf-8"), str(file))
        except ConfigError as exc:
            problems.extend(exc.problems)
            continue
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(Problem(str(file), "", None, f"cannot read: {exc}"))
            continue
        if event.id in seen:
            problems.append(
                Problem(
                    str(file), "id", None, f"event id {event.id!r} is also used by {seen[event.id]}"
                )
            )
        seen[event.id] = str(file)
        events.append(event)
    if problems:
        raise ConfigError(problems)
    return tuple(events)


def load_event_text(text: str, source: str) -> Event:
    """Validate one YAML document and build its :class:`Event`."""
    try:
        document = load_yaml(text)
    except YamlLimitError as exc:
        raise ConfigError([Problem(source, "", exc.line, str(exc))]) from None
    except YamlSyntaxError as exc:
        raise ConfigError([Problem(source, "", exc.line, f"not valid YAML: {exc}")]) from None
    checker = _Checker(source, document)
    if not checker.check_structure():
        raise ConfigError(checker.sorted_problems())
    event = checker.build()
    if event is None:
        raise ConfigError(checker.sorted_problems())
    return event


def field_name(path: FieldPath) -> str:
    """Render a path as ``key_dates[1].at``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


class _Checker:
    """Collects the problems of one document and builds the event when there are none."""

    def __init__(self, source: str, document: YamlDocument) -> None:
        self.source = source
        self.document = document
        self.problems: list[Problem] = []
        self.broken: set[FieldPath] = set()
        """Paths with structural problems; their meaning is not checked."""

    def sorted_problems(self) -> list[Problem]:
        """Return the problems in file order."""
        return sorted(self.problems, key=lambda problem: problem.line or 0)

    def add(self, path: FieldPath, message: str) -> None:
        """Record a problem at ``path``."""
        line = self.document.line_of(path)
        self.problems.append(Problem(self.source, field_name(path), line, message))

    # -- structure -------------------------------------------------------------------

    def check_structure(self) -> bool:
        """Check keys, types and required fields; False when the meaning can't be checked."""
        for path, line in self.document.duplicates:
            self.problems.append(
                Problem(self.source, field_name(path), line, "key appears twice; keep one")
            )
        value = self.document.value
        if not isinstance(value, dict):
            self.add((), "the file must be a mapping of event fields (id, name, key_dates, …)")
            return False
        errors = sorted(
            _validator().iter_errors(value), key=lambda e: list(map(str, e.absolute_path))
        )
        for error in errors:
            for path, message in self._explain(error):
                self.add(path, message)
                if error.validator != "additionalProperties":  # an extra key harms nothing else
                    self.broken.add(path)
        return True

    def _explain(self, error: jsonschema.ValidationError) -> Iterator[tuple[FieldPath, str]]:
        """Turn a schema error into messages a person can act on."""
        path = cast(FieldPath, tuple(error.absolute_path))
        schema = error.schema if isinstance(error.schema, Mapping) else {}
        instance = error.instance
        if error.validator == "additionalProperties" and isinstance(instance, dict):
            allowed = sorted(schema.get("properties", {}))
            for key in sorted(set(instance) - set(allowed), key=str):
                close = difflib.get_close_matches(str(key), allowed, n=1)
                hint = (
                    f"; did you mean {close[0]!r}?" if close else f"; allowed: {', '.join(allowed)}"
                )
                yield (*path, key), f"unknown key {key!r}{hint}"
        elif error.validator == "required":
            missing = str(error.message).split("'")[1] if "'" in error.message else error.message
            yield path, f"missing required field {missing!r}"
        elif error.validator == "type":
            expected = error.validator_value
            kinds = " or ".join(expected) if isinstance(expected, list) else str(expected)
            yield path, f"must be {_article(kinds)}, not {_describe(instance)}"
        elif error.validator == "enum":
            options = ", ".join(map(repr, cast(list[Any], error.validator_value)))
            yield path, f"{instance!r} is not one of {options}"
        elif error.validator == "pattern":
            what = schema.get("description") or f"the pattern {error.validator_value}"
            yield path, f"{instance!r} is not valid: {what}"
        elif error.validator in {"minLength", "minItems"}:
            yield path, "must not be empty"
        else:
            yield path, str(error.message)

    # -- meaning ---------------------------------------------------------------------

    def is_sound(self, path: FieldPath) -> bool:
        """Whether nothing at or under ``path`` broke the schema."""
        return not any(bad[: len(path)] == path for bad in self.broken)

    def build(self) -> Event | None:
        """Check dates, zones and ids; build the event when nothing at all is wrong."""
        raw: dict[str, Any] = self.document.value
        venue = self._venue(raw.get("venue")) if self.is_sound(("venue",)) else None
        event_zone = venue.timezone if venue and venue.timezone else AOE_ZONE
        dates_raw = raw.get("key_dates")
        key_dates = tuple(
            kd
            for index, item in enumerate(dates_raw if isinstance(dates_raw, list) else [])
            if (kd := self._key_date(item, ("key_dates", index), event_zone)) is not None
        )
        for section in ("key_dates", "news"):
            items = raw.get(section)
            if isinstance(items, list):
                self._unique(items, section)
        if self.problems:
            return None
        if isinstance(dates_raw, list):
            self._aliases(dates_raw)
        topics_raw = raw.get("topics")
        topics = (
            Topics(
                items=tuple(topics_raw["items"]),
                intro=topics_raw.get("intro"),
                open_ended=topics_raw.get("open_ended", True),
                keywords=tuple(
                    (str(topic), tuple(words))
                    for topic, words in (topics_raw.get("keywords") or {}).items()
                ),
            )
            if topics_raw
            else None
        )
        if topics:
            self._unique_texts(topics.items, ("topics", "items"))
            self._keywords(topics)
        publication = raw.get("publication")
        policy = raw.get("reminders") or {}
        if self.problems:
            return None
        return Event(
            id=raw["id"],
            name=raw["name"],
            short_name=raw["short_name"],
            website=raw["website"],
            key_dates=key_dates,
            source=self.source,
            series=raw.get("series") or series_from_id(raw["id"]),
            year=raw.get("year") or year_from_id(raw["id"]),
            edition=raw.get("edition"),
            colocated_with=raw.get("colocated_with"),
            submission_url=raw.get("submission_url"),
            summary=raw.get("summary"),
            description=raw.get("description"),
            venue=venue,
            topics=topics,
            publication=Publication(**publication) if publication else None,
            committee=tuple((str(k), str(v)) for k, v in (raw.get("committee") or {}).items()),
            contacts=tuple(Contact(**contact) for contact in raw.get("contacts", [])),
            contact_note=raw.get("contact_note"),
            social=tuple((k, v) for k, v in (raw.get("social") or {}).items()),
            news=tuple(NewsItem(**item) for item in raw.get("news", [])),
            admins=frozenset(raw.get("admins", [])),
            announcement_channel=raw.get("announcement_channel"),
            reminder_policy=tuple(
                (cast(KeyDateKind, kind), tuple(offsets)) for kind, offsets in policy.items()
            ),
        )

    def _venue(self, raw: dict[str, Any] | None) -> Venue | None:
        if raw is None:
            return None
        zone: Zone | None = None
        if "timezone" in raw:
            try:
                zone = parse_zone(raw["timezone"])
            except TimeError as exc:
                self.add(("venue", "timezone"), str(exc))
        return Venue(raw["city"], raw["country"], zone, raw.get("format"))

    def _key_date(self, raw: dict[str, Any], path: FieldPath, event_zone: Zone) -> KeyDate | None:
        if not self.is_sound(path):
            return None
        kind = cast(KeyDateKind, raw["kind"])
        # A bare date of the event itself is a day at the venue; every other bare date is AoE.
        date_zone = event_zone if kind == "event" else AOE_ZONE
        if str(raw["at"]).strip().upper() == PLACEHOLDER_DATE:
            self.add((*path, "at"), NOT_FILLED_IN)
            return None
        try:
            when = parse_when(raw["at"], kind, date_zone=date_zone)
        except TimeError as exc:
            self.add((*path, "at"), str(exc))
            return None
        history: list[PastTime] = []
        for index, earlier in enumerate(raw.get("extended_from", [])):
            try:
                past = parse_when(earlier, kind, date_zone=date_zone)
            except TimeError as exc:
                self.add((*path, "extended_from", index), str(exc))
                continue
            if past.at >= when.at:
                self.add(
                    (*path, "extended_from", index),
                    f"{earlier!r} is not before the current time {raw['at']!r}",
                )
            history.append(PastTime(past.as_written, past.at))
        key_date = KeyDate(
            id=raw["id"],
            title=raw["title"],
            kind=kind,
            as_written=when.as_written,
            at=when.at,
            zone=when.zone,
            date_only=when.date_only,
            note=raw.get("note"),
            url=raw.get("url"),
            history=tuple(history),
            reminders=tuple(raw["reminders"]) if "reminders" in raw else None,
            aliases=tuple(raw.get("aliases", ())),
        )
        self._reminders_in_time(key_date, path)
        return key_date

    def _reminders_in_time(self, key_date: KeyDate, path: FieldPath) -> None:
        """Refuse a reminder at a deadline's own instant: it would come too late to act on."""
        if key_date.kind != "deadline":
            return
        texts = key_date.reminders
        where: FieldPath = (*path, "reminders")
        if texts is None:
            policy = self.document.value.get("reminders") or {}
            texts = tuple(policy.get("deadline", ())) if isinstance(policy, dict) else ()
            where = ("reminders", "deadline")
        for index, text in enumerate(texts):
            try:
                offset = parse_reminder_offset(str(text), key_date)
            except ValueError:
                continue  # the schema reports a malformed offset
            shared = any(p.field == field_name((*where, index)) for p in self.problems)
            if offset.before <= dt.timedelta(0) and not shared:  # a policy's: report once
                self.add(
                    (*where, index),
                    f"{text!r} would remind at the deadline itself, too late to act on;"
                    " write e.g. '1h' or '30m'",
                )

    def _aliases(self, dates: list[Any]) -> None:
        """Refuse a written alias that also names another key date (by title or alias)."""
        rows = [
            (str(item.get("id")), str(item.get("title", "")), item.get("aliases", []))
            for item in dates
            if isinstance(item, dict)
        ]
        for index, alias_index, owner in alias_clashes(rows):
            alias = rows[index][2][alias_index]
            self.add(
                ("key_dates", index, "aliases", alias_index),
                f"alias {alias!r} also names key date {owner!r}; an alias must name one date",
            )

    def _keywords(self, topics: Topics) -> None:
        """Refuse keywords for a topic the list does not have, with the closest topic."""
        for topic, _ in topics.keywords:
            if topic in topics.items:
                continue
            close = difflib.get_close_matches(topic, list(topics.items), n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else "; use a topic's text as in items"
            self.add(("topics", "keywords", topic), f"{topic!r} is not one of the topics{hint}")

    def _unique(self, items: list[dict[str, Any]], section: str) -> None:
        first: dict[str, int] = {}
        for index, item in enumerate(items):
            item_id = item.get("id") if isinstance(item, dict) else None
            if not isinstance(item_id, str):
                continue
            if item_id in first:
                self.add(
                    (section, index, "id"),
                    f"duplicate id {item_id!r} (already used by {section}[{first[item_id]}])",
                )
            else:
                first[item_id] = index

    def _unique_texts(self, texts: tuple[str, ...], path: FieldPath) -> None:
        seen: set[str] = set()
        for index, text in enumerate(texts):
            if text.casefold() in seen:
                self.add((*path, index), f"topic {text!r} is listed twice")
            seen.add(text.casefold())


def _describe(value: Any) -> str:
    """Name the YAML type of a value for an error message."""
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    names: dict[type, str] = {dict: "a mapping", list: "a list", str: "text"}
    return names.get(type(value), type(value).__name__)


_TYPE_WORDS = {
    "string": "text",
    "array": "a list",
    "object": "a mapping",
    "integer": "a whole number",
    "boolean": "true or false",
    "number": "a number",
}


def _article(kinds: str) -> str:
    """Return the schema's type names in plain words: 'text', 'a list', …."""
    return " or ".join(_TYPE_WORDS.get(kind.strip(), kind) for kind in kinds.split(" or "))


_TRAILING_YEAR = re.compile(r"^(?P<series>[a-z0-9][a-z0-9_-]*?)[-_]?(?P<year>(?:19|20|21)\d\d)$")


def series_from_id(event_id: str) -> str:
    """Return the series an id names: 'euromlsys2026' → 'euromlsys'; no year → the id."""
    match = _TRAILING_YEAR.match(event_id)
    return match["series"] if match else event_id


def year_from_id(event_id: str) -> int | None:
    """Return the year at the end of an id ('euromlsys2026' → 2026), if there is one."""
    match = _TRAILING_YEAR.match(event_id)
    return int(match["year"]) if match else None
