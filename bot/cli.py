"""The command line: ``deadline-bot <command>`` (also ``python -m bot``).

Each command is a small function from parsed arguments to an exit status: 0 when all
went well, 2 for a broken config or a wrong command line (with what to type instead).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

from bot.defaults import CONFIG_VARIABLE, DEFAULT_CONFIG, ENV_FILE, SettingsError
from bot.domain.clock import Clock, FixedClock, OffsetClock, SystemClock

# Until the command is known nothing but argparse and small modules of the bot loads, so
# `--help` and a mistyped command answer at once. Each command imports what it uses (YAML,
# jsonschema, pydantic, the Telegram stack); tests/unit/test_startup.py keeps it so.
if TYPE_CHECKING:
    from bot.domain.model import Event
    from bot.settings import Settings

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_UNAVAILABLE = 3

Command = Callable[[argparse.Namespace, TextIO], int]


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors suggest the command meant."""

    def error(self, message: str) -> NoReturn:
        """Print the problem, a suggestion when one fits, and exit 2."""
        hint = ""
        if "invalid choice" in message:
            import difflib

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
    _add_global_options(parser, default=None)
    common = _Parser(add_help=False)
    _add_global_options(common, default=argparse.SUPPRESS)  # also after the command
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def add_command(name: str, handler: Command | None, **kwargs: Any) -> argparse.ArgumentParser:
        """Add a command run by ``handler``; its docstring is the description unless given."""
        if handler is None:
            return commands.add_parser(name, parents=[common], **kwargs)
        kwargs.setdefault("description", _doc(handler))
        command = commands.add_parser(name, parents=[common], **kwargs)
        command.set_defaults(handler=handler)
        return command

    commands.required = True

    check = add_command("check", cmd_check, help="validate the config and summarise each event")
    check.add_argument("path", nargs="?", help="a YAML file or a folder (default: --config)")
    _add_now(check)
    _add_event(check, "every one; every file is checked either way")

    dates = add_command(
        "dates", cmd_dates, help="list every key date: as written, in UTC, in a zone"
    )
    dates.add_argument(
        "--tz", metavar="ZONE", help="also show times in ZONE (IANA name, UTC+8, AoE)"
    )
    _add_now(dates)
    _add_event(dates)
    dates.add_argument("--json", action="store_true", help="print JSON instead of a table")

    plan_ = add_command("plan", cmd_plan, help="list the reminders still to fire")
    _add_now(plan_)
    _add_event(plan_)
    plan_.add_argument("--until", metavar="ISO", help="only reminders up to this instant")
    plan_.add_argument("--json", action="store_true", help="print JSON instead of a table")

    simulate = add_command(
        "simulate", cmd_simulate, help="show every reminder subscribers would receive in a window"
    )
    simulate.add_argument(
        "--from",
        dest="start",
        metavar="ISO",
        required=True,
        help="start of the window, an instant such as 2026-02-01T00:00:00Z",
    )
    simulate.add_argument(
        "--to",
        dest="end",
        metavar="ISO",
        required=True,
        help="end of the window (included), e.g. 2026-03-01T00:00:00Z",
    )
    simulate.add_argument("--tz", metavar="ZONE", help="the reader's zone (default: UTC)")
    _add_event(simulate)

    news = add_command("news", cmd_news, help="post news to every subscriber, with a preview")
    news.add_argument("text", help="the announcement (plain text unless --html)")
    news.add_argument("--html", action="store_true", help="the text is Telegram HTML")
    news.add_argument("--yes", action="store_true", help="send without asking")
    news.add_argument(
        "--paid",
        action="store_true",
        help="a paid broadcast (allow_paid_broadcast): faster, costs the bot's Telegram Stars",
    )
    _add_event(news, "the first series")

    stats = add_command("stats", cmd_stats, help="subscribers, reminder settings, broadcasts")
    _add_event(stats, "the first series")

    ics = add_command("ics", cmd_ics, help="write the .ics calendar of the key dates")
    _add_event(ics)
    ics.add_argument(
        "-o", "--output", metavar="FILE", help="write to FILE (default: standard output)"
    )

    rollover = add_command(
        "new-edition",
        cmd_new_edition,
        help="write the next edition's file from the last one (dates left to fill in)",
    )
    rollover.add_argument("series", metavar="SERIES", help="the series, e.g. euromlsys")
    rollover.add_argument(
        "-o", "--output", metavar="FILE", help="where to write (default: next to the last one)"
    )

    run_ = add_command("run", cmd_run, help="run the bot (long polling; needs TELEGRAM_BOT_TOKEN)")
    _add_now(run_)
    run_.add_argument(
        "--webhook",
        action="store_true",
        help="webhook mode: listen on $PORT for WEBHOOK_URL (also when WEBHOOK_URL is set)",
    )
    run_.add_argument(
        "--allow-ephemeral-sqlite",
        action="store_true",
        help="run on SQLite even on a platform whose disk vanishes (subscribers may be lost)",
    )

    demo = add_command(
        "demo", cmd_demo, help="try the bot offline: the real bot against a local Telegram sandbox"
    )
    _add_now(demo)

    from bot import import_cli  # `deadline-bot import`: its parser and body live there

    import_cli.add_parser(add_command)

    add_command(  # listed for --help; run() hands its arguments to the sandbox
        "sandbox",
        None,
        help="run the local Telegram Bot API sandbox alone",
        description="Run the Bot API sandbox; point any Bot API client at the URL it prints.",
    )
    return parser


def _add_global_options(parser: argparse.ArgumentParser, default: object) -> None:
    parser.add_argument(
        "--config",
        metavar="PATH",
        default=default,
        help="event config: a YAML file or a folder of them "
        f"(default: $BOT_CONFIG, else ./{DEFAULT_CONFIG}/)",
    )


def _add_now(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--now",
        metavar="ISO",
        help="pretend the time is ISO (e.g. 2026-01-01T00:00:00Z) for countdowns",
    )


def _add_event(parser: argparse.ArgumentParser, default: str = "every one") -> None:
    parser.add_argument(
        "--event",
        metavar="ID",
        help=f"only this series or edition, e.g. euromlsys or euromlsys2026 (default: {default})",
    )


def select_events(events: tuple[Event, ...], wanted: str | None) -> tuple[Event, ...]:
    """Return the editions ``--event`` names: a series (all its editions) or one edition."""
    from bot.domain.series import find_series, group_series

    if not wanted:
        return events
    exact = tuple(e for e in events if e.id == wanted)
    if exact:
        return exact
    series = find_series(group_series(events), wanted)
    if series is None:
        known = ", ".join(sorted({e.series or e.id for e in events} | {e.id for e in events}))
        raise SettingsError(f"no event {wanted!r}; the config has: {known}")
    return series.editions


def _doc(command: Command) -> str:
    return (command.__doc__ or "").strip()


def config_path(args: argparse.Namespace) -> Path:
    """Return the config path: ``--config``, else ``$BOT_CONFIG``, else ``./config``.

    The settings (and pydantic) load only when the environment or a ``.env`` file could
    name the config: ``check`` in the bot's folder stays quick. The default missing (run
    outside the bot's folder) is a setting error that says where the config is looked
    for and how to name another.
    """
    if args.config:
        return Path(args.config)
    path, given = DEFAULT_CONFIG, False
    # The one read of the environment outside bot/settings.py, on purpose: whether
    # BOT_CONFIG is set at all, so ``check`` need not import pydantic when it is not (the
    # value itself is still read and validated by Settings).
    if CONFIG_VARIABLE in os.environ or Path(ENV_FILE).exists():
        settings = _settings(args)
        path, given = settings.config_path, settings.config_given
    if not given and not path.exists():
        raise SettingsError(
            f"no ./{DEFAULT_CONFIG}/ folder in {Path.cwd()}: run deadline-bot in the bot's "
            f"folder, or name the config with --config PATH or {CONFIG_VARIABLE}=PATH "
            "(a YAML file or a folder of them)"
        )
    return path


def live_clock(now: str | None) -> Clock:
    """Return the system clock, or one that starts at ``--now`` and keeps flowing."""
    from bot.domain.times import parse_instant

    return OffsetClock(parse_instant(now)) if now else SystemClock()


def clock_from(now: str | None) -> Clock:
    """Return the system clock, or one stopped at ``--now``."""
    from bot.domain.times import parse_instant

    return FixedClock(parse_instant(now)) if now else SystemClock()


def cmd_check(args: argparse.Namespace, out: TextIO) -> int:
    """Validate every event config and print a one-screen summary of each."""
    from bot.domain.config import load_events
    from bot.render.cli_text import event_summary

    path = Path(args.path) if args.path else config_path(args)
    events = load_events(path)
    now = clock_from(args.now).now()
    for event in select_events(events, args.event):
        out.write(event_summary(event, now) + "\n\n")
    over = sum(1 for event in events if event.key_dates and event.next_date(now) is None)
    status = f" ({over} over: no key date ahead)" if over else ""
    out.write(f"OK: {len(events)} event{'s' if len(events) != 1 else ''} in {path}{status}\n")
    return EXIT_OK


def cmd_dates(args: argparse.Namespace, out: TextIO) -> int:
    """Print every key date as written, in UTC, in --tz, with its countdown."""
    import json

    from bot.domain.config import load_events
    from bot.domain.times import Zone, parse_zone
    from bot.render.cli_text import dates_json, dates_table, terminal_width

    events = select_events(load_events(config_path(args)), args.event)
    zone: Zone | None = parse_zone(args.tz) if args.tz else None
    now = clock_from(args.now).now()
    if args.json:
        json.dump(dates_json(events, zone, now), out, indent=2, ensure_ascii=False)
        out.write("\n")
    else:
        out.write(dates_table(events, zone, now, terminal_width(out)))
    return EXIT_OK


def cmd_plan(args: argparse.Namespace, out: TextIO) -> int:
    """List every reminder still to fire: its id, key date and instant in UTC."""
    import json

    from bot.domain.config import load_events
    from bot.domain.plan import plan
    from bot.domain.times import parse_instant
    from bot.render.cli_text import plan_json, plan_table, terminal_width

    events = select_events(load_events(config_path(args)), args.event)
    now = clock_from(args.now).now()
    until = parse_instant(args.until) if args.until else None
    reminders = plan(events, now, until)
    if args.json:
        json.dump(plan_json(reminders), out, indent=2)
        out.write("\n")
    else:
        out.write(plan_table(reminders, now, terminal_width(out)))
    return EXIT_OK


def cmd_simulate(args: argparse.Namespace, out: TextIO) -> int:
    """Print, in order, every reminder subscribers would receive between --from and --to.

    Each is rendered as a reader in --tz would see it at that moment: the organizers'
    preview of the whole reminder campaign. A series' new edition comes first: the
    announcement its followers get once when the bot loads the file.
    """
    from bot.domain.config import load_events
    from bot.domain.plan import all_reminders, superseded_by
    from bot.domain.series import group_series
    from bot.domain.text import plain_text
    from bot.domain.times import parse_instant, parse_zone
    from bot.domain.views import Reader
    from bot.render import broadcasts as broadcast_text
    from bot.render.cli_text import simulation
    from bot.render.series import new_edition

    events = select_events(load_events(config_path(args)), args.event)
    start, end = parse_instant(args.start), parse_instant(args.end)
    zone = parse_zone(args.tz) if args.tz else None
    shown = []
    for series in group_series(events):
        # A series' newest edition, when it has a date ahead: announced once when loaded.
        latest = series.latest
        if len(series.editions) > 1 and latest.next_date(start) is not None:
            text = plain_text(new_edition(latest, Reader(zone, start)).text)
            shown.append((start, f"new edition {latest.id} (once, when the bot loads it)", text))
    of_event = {event.id: all_reminders([event]) for event in events}
    for reminder in all_reminders(events):
        if not start <= reminder.fire_at <= end or reminder.fire_at >= reminder.valid_until:
            continue
        siblings = of_event[reminder.event_id]
        if superseded_by(reminder, siblings, reminder.fire_at) is None:  # as the bot fires
            event = next(e for e in events if e.id == reminder.event_id)
            kd = event.key_date(reminder.key_date_id)
            assert kd is not None
            reader = Reader(zone, reminder.fire_at)
            text = plain_text(broadcast_text.reminder(event, kd, reader).text)
            shown.append((reminder.fire_at, f"reminder {reminder.id}", text))
    out.write(simulation(shown))
    return EXIT_OK


def cmd_news(args: argparse.Namespace, out: TextIO) -> int:
    """Post news to every subscriber: preview, confirm (or --yes), progress bar, report."""
    import asyncio
    import logging

    from bot import shell
    from bot.logs import setup_logging

    settings = _settings(args)
    setup_logging(max(settings.log_level_number, logging.WARNING), secrets=[settings.token or ""])
    return asyncio.run(
        shell.news(
            settings,
            SystemClock(),
            args.text,
            is_html=args.html,
            yes=args.yes,
            paid=args.paid,
            out=out,
            confirm=shell.ask_terminal,
            only=args.event,
        )
    )


def cmd_stats(args: argparse.Namespace, out: TextIO) -> int:
    """Print subscribers (active, inactive, by zone), reminder settings and broadcasts."""
    import asyncio

    from bot import shell

    return asyncio.run(shell.stats(_settings(args), SystemClock(), out, only=args.event))


def _settings(args: argparse.Namespace) -> Settings:
    """Return the environment's settings (and ``.env``'s), with --config applied."""
    from bot.settings import Settings  # pydantic loads only for the commands that use it

    settings = Settings.from_env()
    return settings.replace(config_path=Path(args.config)) if args.config else settings


def cmd_ics(args: argparse.Namespace, out: TextIO) -> int:
    """Write an .ics calendar: a VEVENT per key date at its exact instant, with alarms."""
    from bot.calendar import event_calendar
    from bot.domain.config import load_events

    events = select_events(load_events(config_path(args)), args.event)
    data = event_calendar(events, SystemClock().now())
    if args.output:
        Path(args.output).write_bytes(data)
        out.write(f"wrote {args.output} ({len(data)} bytes, {len(events)} event(s))\n")
    else:
        out.flush()
        sys.stdout.buffer.write(data)
    return EXIT_OK


def cmd_new_edition(args: argparse.Namespace, out: TextIO) -> int:
    """Write the next edition's file from the series' last one, every date left to fill in.

    Topics, contacts, venue and reminder policy are copied, the year moves on, and every
    key date says TBD: 'deadline-bot check' refuses the file until each one is filled.
    """
    from bot.domain.rollover import next_edition, render_file
    from bot.domain.series import find_series, group_series
    from bot.domain.yamlsource import load_yaml

    path = config_path(args)
    events = _valid_events(path)
    series = find_series(group_series(events), args.series)
    if series is None:
        known = ", ".join(sorted({e.series or e.id for e in events}))
        raise SettingsError(f"no series {args.series!r}; the config has: {known}")
    last = series.latest
    raw = load_yaml(Path(last.source).read_text(encoding="utf-8")).value
    try:
        new_id, fields = next_edition(raw, last)
    except ValueError as exc:
        raise SettingsError(str(exc)) from None
    target = Path(args.output) if args.output else Path(last.source).with_name(f"{new_id}.yaml")
    if target.exists():
        raise SettingsError(f"{target} exists already; edit it, or choose another with -o")
    target.write_text(render_file(fields, last), encoding="utf-8")
    dates = len(fields["key_dates"])
    out.write(
        f"wrote {target}: {new_id}, copied from {last.id}.\n"
        f"Fill in its {dates} date{'s' if dates != 1 else ''} (TBD), then: deadline-bot check\n"
        "Then /reload (or restart): the followers of the series get the call once.\n"
    )
    return EXIT_OK


def _valid_events(path: Path) -> tuple[Event, ...]:
    """Load every file that is valid (a new edition's file may still wait for its dates)."""
    from bot.domain.config import ConfigError, config_files, load_event_text

    events = []
    for file in config_files(path):
        try:
            events.append(load_event_text(file.read_text(encoding="utf-8"), str(file)))
        except ConfigError:
            continue
    return tuple(events)


def cmd_run(args: argparse.Namespace, out: TextIO) -> int:
    """Run the bot until Ctrl-C or SIGTERM: long polling, or webhook mode.

    Settings come from the environment (or a .env file): TELEGRAM_BOT_TOKEN (required),
    TELEGRAM_API_BASE_URL, DATABASE_URL, ADMIN_IDS, BOT_CONFIG, LOG_LEVEL; for webhook
    mode WEBHOOK_URL, WEBHOOK_SECRET and PORT. See the README's "Deploying".
    """
    settings = _settings(args)
    if settings.token is None:
        raise SettingsError(
            "TELEGRAM_BOT_TOKEN is not set; to try the bot offline, run: deadline-bot demo"
        )
    # The Telegram stack loads only for the commands that use it.
    import asyncio
    import logging

    from telegram.error import InvalidToken

    from bot.bootstrap import RunOptions, run_bot
    from bot.domain.config import ConfigError, load_events
    from bot.domain.times import TimeError
    from bot.logs import setup_logging

    load_events(config_path(args))  # a broken config stops here, before any connection
    if args.webhook and settings.webhook_url is None:
        raise SettingsError("--webhook needs WEBHOOK_URL, e.g. https://bot.example.org/telegram")
    options = RunOptions(
        webhook_url=settings.webhook_url,
        port=settings.port,
        allow_ephemeral_sqlite=args.allow_ephemeral_sqlite,
    )
    setup_logging(settings.log_level_number, secrets=[settings.token])
    clock = live_clock(args.now)
    try:
        return asyncio.run(run_bot(settings, clock, options))
    except InvalidToken:  # its message quotes the whole token: never let it reach stderr
        raise SettingsError(
            "Telegram rejected TELEGRAM_BOT_TOKEN (revoked or mistyped?); "
            "get the current one from @BotFather"
        ) from None
    except (SettingsError, ConfigError, TimeError, ConnectionError):
        raise  # run() reports these with their exit status
    except Exception:  # a traceback printed by Python would bypass the log redaction
        logging.getLogger(__name__).exception("the bot stopped on an unexpected error")
        return 1


def cmd_demo(args: argparse.Namespace, out: TextIO) -> int:
    """Start the sandbox and the real bot against it, and chat with it from this terminal.

    SQLite in a temporary folder unless DATABASE_URL is set. --now makes the bot believe
    it is another time (e.g. --now 2026-02-10T12:00:00Z to see this year's deadlines live).
    From a pipe it prints the transcript and exits when the input ends and the bot is idle.
    """
    import logging

    from bot import demo  # the Telegram stack loads only for commands that use it
    from bot.domain.config import load_events
    from bot.logs import setup_logging

    settings = _settings(args)
    load_events(config_path(args))
    setup_logging(max(settings.log_level_number, logging.WARNING))
    clock = live_clock(args.now)
    demo.main(settings, clock)
    return EXIT_OK


def run(argv: Sequence[str] | None, out: TextIO, err: TextIO) -> int:
    """Parse ``argv`` and run the command; return its exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["sandbox"]:  # the sandbox has its own options (and --help)
        from bot.sandbox import cli as sandbox_cli

        return sandbox_cli.main(argv[1:])
    args = build_parser().parse_args(argv)
    handler: Command = args.handler
    from bot.domain.config import ConfigError  # after parsing: --help never loads the domain
    from bot.domain.times import TimeError

    try:
        return handler(args, out)
    except ConfigError as exc:
        err.write(exc.report() + "\n")
        return EXIT_USAGE
    except (TimeError, SettingsError) as exc:
        err.write(f"deadline-bot: error: {exc}\n")
        return EXIT_USAGE
    except BrokenPipeError:
        raise  # the reader went away (`| head`): main() ends quietly
    except ConnectionError as exc:
        err.write(f"deadline-bot: error: {exc}\n")
        return EXIT_UNAVAILABLE


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``deadline-bot`` console script."""
    try:
        return run(argv, sys.stdout, sys.stderr)
    except BrokenPipeError:  # `deadline-bot dates | head` is fine
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
