"""Run the Telegram Bot API sandbox until Ctrl-C.

``python -m bot.sandbox --port 8081 --limits real`` prints the ``base_url`` to give
python-telegram-bot (``Application.builder().token(TOKEN).base_url(BASE_URL)``) and the control
API address for driving simulated people (see :mod:`bot.sandbox.control`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib

from bot.sandbox.limits import Limits
from bot.sandbox.server import DEFAULT_TOKEN, Sandbox

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="deadline-bot sandbox", description="A local Telegram Bot API sandbox."
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8081, help="port (0 = any free port)")
    parser.add_argument(
        "--token",
        action="append",
        help=f"bot token to serve (repeatable; default {DEFAULT_TOKEN})",
    )
    parser.add_argument(
        "--limits",
        default="real",
        help="flood limits: real, off or xN (e.g. x10), optionally :bucket, :sliding or :fixed",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed for probabilistic faults")
    parser.add_argument(
        "--user",
        action="append",
        default=[],
        metavar="NAME",
        help="create a simulated person at start (repeatable)",
    )
    return parser


async def _serve(args: argparse.Namespace) -> None:
    sandbox = Sandbox(
        args.token or [DEFAULT_TOKEN],
        limits=Limits.preset(args.limits),
        host=args.host,
        port=args.port,
        seed=args.seed,
    )
    await sandbox.start()
    try:
        print(f"Telegram Bot API sandbox listening on {sandbox.url}")
        for bot in sandbox.world.bots.values():
            print(f"  bot @{bot.username}: token {bot.token}")
        print(f"  base_url      = {sandbox.base_url}")
        print(f"  base_file_url = {sandbox.base_file_url}")
        print(f"  control API   = {sandbox.url}/sandbox/state")
        for name in args.user:
            user = sandbox.create_user(name)
            print(f"  user {name}: id {user.id}")
        print("Ctrl-C to stop.", flush=True)
        await asyncio.Event().wait()
    finally:
        await sandbox.stop()


def main(argv: list[str] | None = None) -> int:
    """Parse arguments and serve until interrupted; return the exit status."""
    args = _parser().parse_args(argv)
    try:
        Limits.preset(args.limits)
    except ValueError as exc:
        print(exc)
        return 2
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args))
    return 0
