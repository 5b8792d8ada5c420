"""Run ``deadline-bot run`` as a real child process and watch what it logs.

Used by ``test_deploy_process.py``: the sandbox runs in the test's event loop and the
child reaches it over loopback HTTP. Every child is killed by its fixture, whatever the
test did.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import re
import signal
import socket
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from bot.deploy.platform import ALLOW_ENV
from bot.settings import PLATFORM_MARKERS

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / "config"

#: Variables of the test runner's environment a child must not inherit.
_SCRUBBED = {
    "TELEGRAM_BOT_TOKEN",
    "TELEGRAM_API_BASE_URL",
    "DATABASE_URL",
    "ADMIN_IDS",
    "BOT_CONFIG",
    "LOG_LEVEL",
    "WEBHOOK_URL",
    "WEBHOOK_SECRET",
    "WEBHOOK_BEHIND_TLS_PROXY",
    "DATA_DIR",
    "PORT",
    ALLOW_ENV,
    *(name for name, _platform in PLATFORM_MARKERS),
}


def free_port() -> int:
    """Return a TCP port that was free a moment ago (the child binds it on 0.0.0.0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("0.0.0.0", 0))
        return int(sock.getsockname()[1])


def iso(instant: dt.datetime) -> str:
    """``--now`` form of an aware instant."""
    return instant.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class BotProcess:
    """One ``python -m bot run`` child: its merged stdout/stderr, kept line by line."""

    def __init__(self, name: str, argv: Sequence[str], env: Mapping[str, str], cwd: Path) -> None:
        self.name = name
        self.argv = list(argv)
        self.env = dict(env)
        self.cwd = cwd
        self.lines: list[str] = []
        self.proc: asyncio.subprocess.Process | None = None
        self.started_at = 0.0
        self._changed = asyncio.Event()
        self._reader: asyncio.Task[None] | None = None

    async def start(self) -> BotProcess:
        """Spawn the child (``sys.executable -m bot run …``)."""
        self.started_at = time.monotonic()
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            *self.argv,
            cwd=self.cwd,
            env=self.env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        self._reader = asyncio.create_task(self._read(), name=f"read-{self.name}")
        return self

    async def _read(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        while True:
            try:
                raw = await self.proc.stdout.readline()
            except ValueError:  # a line over the stream limit: keep what we can
                raw = await self.proc.stdout.read(65536)
            if not raw:
                break
            self.lines.append(raw.decode("utf-8", "replace").rstrip("\n"))
            self._changed.set()
        self._changed.set()

    @property
    def output(self) -> str:
        """Everything the child wrote so far."""
        return "\n".join(self.lines)

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    @property
    def returncode(self) -> int | None:
        return None if self.proc is None else self.proc.returncode

    def tail(self, count: int = 40) -> str:
        """The last lines, for assertion messages."""
        return f"--- {self.name} (last {count} lines) ---\n" + "\n".join(self.lines[-count:])

    async def wait_for_line(self, pattern: str, timeout: float = 20.0) -> str:  # noqa: ASYNC109
        """Return the first line matching ``pattern`` (a regex), waiting up to ``timeout`` s."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        seen = 0
        while True:
            self._changed.clear()
            for line in self.lines[seen:]:
                if regex.search(line):
                    return line
            seen = len(self.lines)
            if self._reader is not None and self._reader.done():
                raise AssertionError(
                    f"{self.name} exited ({self.returncode}) before logging /{pattern}/\n"
                    + self.tail()
                )
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(
                    f"{self.name} did not log /{pattern}/ within {timeout} s\n" + self.tail()
                )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), left)

    async def wait_ready(self, timeout: float = 30.0) -> float:  # noqa: ASYNC109
        """Wait for "ready for <event>"; return the seconds since the spawn."""
        await self.wait_for_line(r"bot @\S+ ready for ", timeout)
        return time.monotonic() - self.started_at

    def signal(self, signum: int) -> None:
        """Send ``signum`` to the child (if it still runs)."""
        if self.proc is not None and self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.proc.pid, signum)

    async def wait(self, timeout: float = 15.0) -> int:  # noqa: ASYNC109
        """Wait for the child to exit (and its output to be read); return its status."""
        assert self.proc is not None
        code = await asyncio.wait_for(self.proc.wait(), timeout)
        if self._reader is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(self._reader), 5.0)
        return code

    async def kill(self) -> None:
        """SIGKILL the child and reap it (idempotent)."""
        if self.proc is None:
            return
        if self.proc.returncode is None:
            self.signal(signal.SIGKILL)
        with contextlib.suppress(Exception):
            await self.wait(10.0)
        if self._reader is not None and not self._reader.done():
            self._reader.cancel()
            with contextlib.suppress(BaseException):
                await self._reader


def child_env(
    *,
    token: str,
    base_url: str,
    database_url: str | None,
    admin_ids: str = "",
    log_level: str = "INFO",
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The environment of a child: the runner's, scrubbed, plus the bot's settings."""
    env = {k: v for k, v in os.environ.items() if k not in _SCRUBBED}
    env.update(
        TELEGRAM_BOT_TOKEN=token,
        TELEGRAM_API_BASE_URL=base_url,
        ADMIN_IDS=admin_ids,
        LOG_LEVEL=log_level,
        BOT_CONFIG=str(CONFIG),
        # The sandbox posts webhooks over plain HTTP on loopback, as a TLS proxy would.
        WEBHOOK_BEHIND_TLS_PROXY="1",
        PYTHONUNBUFFERED="1",
        PYTHONPATH=str(REPO),
    )
    if database_url is not None:
        env["DATABASE_URL"] = database_url
    env.update(extra or {})
    return env
