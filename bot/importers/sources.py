"""``TRACKER_SOURCES``: the tracker files the bot follows, by URL.

Entries are separated by spaces, commas or new lines. Each is a URL, optionally prefixed
with its tracker (``ccf-deadlines=https://…/eurosys.yml``); without one, the file's shape
tells (a ccf-deadlines file lists series with ``confs``; an ai-deadlines file, editions).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.importers.model import TRACKERS, TrackerName

_URL = re.compile(r"^https?://\S+$")


@dataclass(frozen=True)
class TrackerSource:
    """One followed tracker file."""

    url: str
    tracker: TrackerName | None = None
    """Which tracker wrote it; None: told by the file's shape."""


def parse_tracker_sources(text: str) -> tuple[TrackerSource, ...]:
    """Parse ``TRACKER_SOURCES``; raise ``ValueError`` naming the entry that is wrong."""
    sources: list[TrackerSource] = []
    for entry in re.split(r"[\s,]+", text.strip()):
        if not entry:
            continue
        tracker: TrackerName | None = None
        url = entry
        prefix, sep, rest = entry.partition("=")
        if sep and not prefix.startswith(("http://", "https://")):
            if prefix not in TRACKERS:
                raise ValueError(f"{entry!r}: write {' or '.join(TRACKERS)} before '='")
            tracker = "ccf-deadlines" if prefix == "ccf-deadlines" else "ai-deadlines"
            url = rest
        if not _URL.match(url):
            raise ValueError(f"{entry!r} is not an http:// or https:// address")
        if any(source.url == url for source in sources):
            raise ValueError(f"{url!r} is listed twice")
        sources.append(TrackerSource(url, tracker))
    return tuple(sources)
