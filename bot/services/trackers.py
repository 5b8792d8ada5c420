"""Follow tracker files by URL: re-read them, and announce a moved deadline like an extension.

Each source is fetched with ``If-None-Match`` / ``If-Modified-Since``; a ``304`` changes
nothing. A changed file is imported (``bot.importers``) into events exactly as
``deadline-bot import`` would write them; when those differ from the last ones, the
bot reloads (:meth:`ReminderService.reload`), which compares every key date with the
instant last acted on and announces each move once to the event's subscribers, the
path an edited YAML file or ``/extend`` takes. A source that fails (network, HTTP
status, a file that is not a tracker's) keeps its last events and is retried next time.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import aiohttp

from bot.domain import yamlsource
from bot.domain.config import ConfigError
from bot.domain.model import Event
from bot.importers.emit import edition_event
from bot.importers.read import TrackerFileError, import_text
from bot.importers.sources import TrackerSource

log = logging.getLogger(__name__)

MAX_BYTES = yamlsource.MAX_BYTES
"""A tracker file is a few kilobytes; past the YAML loader's limit it is refused unread."""

Outcome = Literal["unchanged", "same", "updated", "failed"]


@dataclass
class SourceState:
    """What the bot last read from one source."""

    source: TrackerSource
    etag: str | None = None
    last_modified: str | None = None
    events: tuple[Event, ...] = ()
    problems: tuple[str, ...] = ()
    """Entries of the file that were not imported (logged when they change)."""


@dataclass(frozen=True)
class PollResult:
    """What one read of one source did."""

    url: str
    outcome: Outcome
    """unchanged (304), same (read, nothing differs), updated, or failed."""
    detail: str = ""


@dataclass
class TrackedEvents:
    """The events read from every followed source, added to the config's on each load."""

    sources: tuple[TrackerSource, ...]
    states: list[SourceState] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.states = [SourceState(source) for source in self.sources]

    def events(self) -> tuple[Event, ...]:
        """Every followed event; for an id that two sources give, the first source's."""
        seen: set[str] = set()
        events: list[Event] = []
        for state in self.states:
            for event in state.events:
                if event.id not in seen:
                    seen.add(event.id)
                    events.append(event)
        return tuple(events)

    def loader(
        self, base: Callable[[Path], tuple[Event, ...]]
    ) -> Callable[[Path], tuple[Event, ...]]:
        """Wrap a config loader: the config's events, then the followed ones it lacks."""

        def load(path: Path) -> tuple[Event, ...]:
            config = base(path)
            ids = {event.id for event in config}
            extra = tuple(event for event in self.events() if event.id not in ids)
            return config + extra

        return load


class TrackerFollower:
    """Reads every source conditionally; reloads the events when one changed."""

    def __init__(
        self,
        tracked: TrackedEvents,
        reload: Callable[[], Awaitable[object]],
        *,
        interval: float = 3600.0,
        timeout: float = 30.0,
    ) -> None:
        self.tracked = tracked
        self._reload = reload
        self.interval = interval
        """Seconds between two reads (the bot schedules them; ``poll`` reads once)."""
        self.timeout = timeout
        self._reload_pending = False
        self._lock = asyncio.Lock()
        self._reading: asyncio.Task[list[PollResult]] | None = None
        self._stopping = False

    def stop(self) -> None:
        """Stop following: a read in flight is abandoned (a reload under way finishes)."""
        self._stopping = True
        if self._reading is not None:
            self._reading.cancel()

    async def poll(self) -> list[PollResult]:
        """Read every source once; reload (and so announce) when any changed.

        After :meth:`stop` it reads nothing and returns no result.
        """
        async with self._lock:
            if self._stopping:
                return []
            self._reading = asyncio.create_task(self._read_all())
            try:
                results = await self._reading
            except asyncio.CancelledError:
                if self._stopping:
                    return []
                raise
            finally:
                self._reading = None
            if any(r.outcome == "updated" for r in results) or self._reload_pending:
                try:
                    await self._reload()
                    self._reload_pending = False
                except ConfigError as exc:  # the config broke meanwhile: retry next time
                    self._reload_pending = True
                    log.error("tracker update not applied; the config is broken:\n%s", exc)
            return results

    async def _read_all(self) -> list[PollResult]:
        timeout = aiohttp.ClientTimeout(total=self.timeout)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            return [await self._read(session, state) for state in self.tracked.states]

    async def _read(self, session: aiohttp.ClientSession, state: SourceState) -> PollResult:
        url = state.source.url
        headers = {}
        if state.etag:
            headers["If-None-Match"] = state.etag
        if state.last_modified:
            headers["If-Modified-Since"] = state.last_modified
        try:
            async with session.get(url, headers=headers) as response:
                if response.status == 304:
                    return PollResult(url, "unchanged")
                if response.status != 200:
                    return _failed(url, f"HTTP {response.status}")
                body = bytearray()
                async for chunk in response.content.iter_chunked(64 * 1024):
                    body += chunk
                    if len(body) > MAX_BYTES:
                        return _failed(url, f"larger than {MAX_BYTES} bytes")
                etag = response.headers.get("ETag")
                last_modified = response.headers.get("Last-Modified")
        except (aiohttp.ClientError, TimeoutError) as exc:
            return _failed(url, f"{type(exc).__name__}: {exc}")
        try:
            # YAML parsing and validation take a while on a large file: off the event loop
            events, problems = await asyncio.to_thread(
                _events_of, state.source, bytes(body).decode("utf-8")
            )
        except (TrackerFileError, UnicodeDecodeError) as exc:
            return _failed(url, str(exc))
        state.etag, state.last_modified = etag, last_modified
        if problems != state.problems:
            for problem in problems:
                log.info("tracker %s: not imported: %s", url, problem)
            state.problems = problems
        if events == state.events:
            return PollResult(url, "same")
        state.events = events
        log.info("tracker %s: %d edition(s) read", url, len(events))
        return PollResult(url, "updated", f"{len(events)} edition(s)")


def _events_of(source: TrackerSource, text: str) -> tuple[tuple[Event, ...], tuple[str, ...]]:
    """Import a tracker file's text as events (as ``deadline-bot import`` writes them)."""
    result = import_text(source.tracker, text, source.url)
    problems = [str(issue) for issue in result.issues]
    events: list[Event] = []
    for edition in result.editions:
        try:
            events.append(edition_event(edition, f"{source.url} ({edition.tracker_id})"))
        except ConfigError as exc:
            problems.append(f"{edition.tracker_id}: {exc.report()}")
    return tuple(events), tuple(problems)


def _failed(url: str, detail: str) -> PollResult:
    log.warning("tracker %s not read (kept as it was): %s", url, detail)
    return PollResult(url, "failed", detail)
