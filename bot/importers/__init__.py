"""Import the public deadline trackers' YAML (ccf-deadlines, ai-deadlines) as event files.

Pure: parsing and mapping only. Reading and writing files is the command line's job
(``bot/import_cli.py``); fetching tracker URLs is the follower's (``bot/services/trackers.py``).
"""

from bot.importers.model import (
    TRACKERS,
    ImportedDate,
    ImportedEdition,
    ImportResult,
    Issue,
    TrackerName,
)
from bot.importers.read import TrackerFileError, import_text

__all__ = [
    "TRACKERS",
    "ImportResult",
    "ImportedDate",
    "ImportedEdition",
    "Issue",
    "TrackerFileError",
    "TrackerName",
    "import_text",
]
