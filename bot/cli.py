"""The command line: ``deadline-bot <command>`` (also ``python -m bot``).

Each command is a small function from parsed arguments to an exit status: 0 when all
went well, 2 for a broken config or a wrong command line (with what to type instead).
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn, TextIO

from bot.domain.clock import Clock, FixedClock, SystemClock
from bot.domain.config import ConfigError, load_events
from bot.domain.times import TimeError, Zone, parse_instant, parse_zone
from bot.render.cli_text import dates_json, dates_table, event_summary

EXIT_OK = 0
EXIT_USAGE = 2
DEFAULT_CONFIG = "config"

Command = Callable[[argparse.Namespace, TextIO], int]


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors suggest the command meant."""

    def error(self, message: str) -> NoReturn:
        """Print the problem, a suggestion when one fits, and exit 2."""
        hint = ""
        if "invalid choice" in message:
            wrong = message.split("'")[1] if "'" in message else ""
            choices = message.split("choose from")[-1]
            names = [name.strip(" '()") for name in choices.split(",")]
            close = difflib.get_close_matches(wrong, names, n=1)
            if close:
                hint = f"\ndid you mean: {self.prog} {close[0]}"
        self.print_usage(sys.stderr)
        sys.stderr.write(f"{self.prog}: error: {message}{hint}\n")
        sys.stderr.write(f"try '{self.prog} --help' for the list of commands and options\n")
        raise SystemExit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    """Return the parser of every command."""
    parser = _Parser(
        prog="deadline-bot",
        description="A Telegram bot that keeps a workshop's community on time.",
    )
    parser.add_argument(
        "--config",
        metavar="PATH",
        default=None,
        help="event config: a YAML file or a folder of them "
        f"(default: $BOT_CONFIG, else ./{DEFAULT_CONFIG}/)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True

    check = commands.add_parser(
        "check", help="validate the config and summarise each event", description=_doc(cmd_check)
    )
    check.add_argument("path", nargs="?", help="a YAML file or a folder (default: --config)")
    check.set_defaults(handler=cmd_check)

    dates = commands.add_parser(
        "dates",
        help="list every key date: as written, in UTC, in a zone",
        description=_doc(cmd_dates),
    )
    dates.add_argument(
        "--tz", metavar="ZONE", help="also show times in ZONE (IANA name, UTC+8, AoE)"
    )
    _add_now(dates)
    dates.add_argument("--json", action="store_true", help="print JSON instead of a table")
    dates.set_defaults(handler=cmd_dates)
    return parser


def _add_now(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--now",
        metavar="ISO",
        help="pretend the time is ISO (e.g. 2026-01-01T00:00:00Z) for countdowns",
    )


def _doc(command: Command) -> str:
    return (command.__doc__ or "").strip()


def config_path(args: argparse.Namespace) -> Path:
    """Return the config path: ``--config``, else ``$BOT_CONFIG``, else ``./config``."""
    return Path(args.config or os.environ.get("BOT_CONFIG") or DEFAULT_CONFIG)


def clock_from(now: str | None) -> Clock:
    """Return the system clock, or one stopped at ``--now``."""
    return FixedClock(parse_instant(now)) if now else SystemClock()


def cmd_check(args: argparse.Namespace, out: TextIO) -> int:
    """Validate every event config and print a one-screen summary of each."""
    path = Path(args.path) if args.path else config_path(args)
    events = load_events(path)
    now = SystemClock().now()
    for event in events:
        out.write(event_summary(event, now) + "\n\n")
    out.write(f"OK: {len(events)} event{'s' if len(events) != 1 else ''} in {path}\n")
    return EXIT_OK


def cmd_dates(args: argparse.Namespace, out: TextIO) -> int:
    """Print every key date as written, in UTC, in --tz, with its countdown."""
    events = load_events(config_path(args))
    zone: Zone | None = parse_zone(args.tz) if args.tz else None
    now = clock_from(args.now).now()
    if args.json:
        json.dump(dates_json(events, zone, now), out, indent=2, ensure_ascii=False)
        out.write("\n")
    else:
        out.write(dates_table(events, zone, now))
    return EXIT_OK


def run(argv: Sequence[str] | None, out: TextIO, err: TextIO) -> int:
    """Parse ``argv`` and run the command; return its exit status."""
    args = build_parser().parse_args(argv)
    handler: Command = args.handler
    try:
        return handler(args, out)
    except ConfigError as exc:
        err.write(exc.report() + "\n")
        return EXIT_USAGE
    except TimeError as exc:
        err.write(f"deadline-bot: error: {exc}\n")
        return EXIT_USAGE


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``deadline-bot`` console script."""
    try:
        return run(argv, sys.stdout, sys.stderr)
    except BrokenPipeError:  # `deadline-bot dates | head` is fine
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
