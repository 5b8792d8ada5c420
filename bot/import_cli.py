"""``deadline-bot import ccf-deadlines|ai-deadlines FILE -o DIR``: tracker YAML → event files.

Reads the file, writes one event file per edition into DIR (<series><year>.yaml) and
reports, per entry, what could not be imported faithfully. Exit status: 0 when everything
was imported, 1 when some entries were left out (the rest is written), 2 when the file
cannot be read as that tracker's or nothing could be imported.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from bot.importers.model import TRACKERS

if TYPE_CHECKING:
    from bot.importers.model import ImportResult

EXIT_OK = 0
EXIT_PARTIAL = 1
EXIT_FAILED = 2


def add_parser(add_command: Callable[..., argparse.ArgumentParser]) -> None:
    """Add the ``import`` command through the CLI's ``add_command(name, handler, **kwargs)``."""
    parser = add_command(
        "import",
        cmd_import,
        help="turn a ccf-deadlines or ai-deadlines YAML file into event files",
        description=(__doc__ or "").split("\n\n", 1)[1].strip(),
    )
    parser.add_argument("tracker", choices=TRACKERS, help="which tracker wrote FILE")
    parser.add_argument("file", metavar="FILE", help="the tracker's YAML file (one series)")
    parser.add_argument(
        "-o", "--output", metavar="DIR", required=True, help="folder for the event files"
    )


def cmd_import(args: argparse.Namespace, out: TextIO) -> int:
    """Import FILE into DIR and print what was written and what was left out."""
    from bot.importers.read import TrackerFileError, import_text

    source = Path(args.file)
    try:
        text = source.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        sys.stderr.write(f"deadline-bot import: cannot read {source}: {exc}\n")
        return EXIT_FAILED
    try:
        result = import_text(args.tracker, text, source.name)
    except TrackerFileError as exc:
        sys.stderr.write(f"deadline-bot import: {exc}\n")
        return EXIT_FAILED
    try:
        return write_editions(result, Path(args.output), out, sys.stderr)
    except OSError as exc:
        sys.stderr.write(f"deadline-bot import: cannot write into {args.output}: {exc}\n")
        return EXIT_FAILED


def write_editions(result: ImportResult, folder: Path, out: TextIO, err: TextIO) -> int:
    """Write each edition's file (never over a file the importer did not write); report.

    What was written goes to ``out``; what was left out, and why, to ``err``.
    """
    from bot.domain.config import ConfigError, load_event_text
    from bot.importers.emit import event_yaml, notation_reads_seconds

    folder.mkdir(parents=True, exist_ok=True)
    written = 0
    left_out = [str(issue) for issue in result.issues]
    for edition in result.editions:
        target = folder / f"{edition.event_id}.yaml"
        if target.exists() and not _ours(target):
            left_out.append(f"{target}: exists and was not written by the importer; kept")
            continue
        text = event_yaml(edition)
        try:  # the file must pass `check`; a failure here is a bug, reported, never written
            load_event_text(text, str(target))
        except ConfigError as exc:
            left_out.append(
                f"{edition.tracker_id}: the event file would not pass check:\n{exc.report()}"
            )
            continue
        target.write_text(text, encoding="utf-8")
        written += 1
        dates = len(edition.dates)
        out.write(f"wrote {target} ({edition.short_name}: {dates} date{'s' * (dates != 1)})\n")
    if not notation_reads_seconds() and any(
        d.time.wall.second for e in result.editions for d in e.dates
    ):
        out.write(
            "note: times with seconds (23:59:59) are written to the minute (23:59), never"
            " later; each file's comments keep the tracker's exact time and UTC instant\n"
        )
    if left_out:
        err.write(f"not imported ({len(left_out)}):\n")
        err.writelines(f"  {line}\n" for line in left_out)
    out.write(f"{written} event file{'s' * (written != 1)} in {folder}\n")
    if written == 0:
        return EXIT_FAILED
    return EXIT_PARTIAL if left_out else EXIT_OK


def _ours(path: Path) -> bool:
    """Whether ``path`` is a file the importer wrote (it begins with :data:`MARKER`)."""
    from bot.importers.emit import MARKER

    try:
        with path.open("rb") as file:
            return file.read(len(MARKER.encode())) == MARKER.encode()
    except OSError:
        return False
