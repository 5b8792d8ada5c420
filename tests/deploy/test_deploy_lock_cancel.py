"""InstanceLock acquisition is cancellation-safe against servers that never answer.

Two kinds of unreachable server: a local port that accepts and then never says a word
(the TCP handshake succeeds, PostgreSQL's greeting never comes), and a port nobody listens
on (refused at once). Acquisition is cancelled thousands of times at every point it can be
suspended; each cancellation must end the task as *cancelled* (never an
``InstanceLockError``, never a hang, never a held lock). The timeouts below are hang guards
only: the verdict is what the task ended as.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import socket
from collections.abc import AsyncIterator

import pytest

from bot.bootstrap import _wait_for_lock
from bot.deploy.lock import InstanceLock, InstanceLockError

#: Hang guard for one cancellation (a hang is what this file hunts; never reached normally).
HANG_GUARD_S = 20.0
ROUNDS = 1500


class SilentServer:
    """Accepts TCP connections and never answers; counts them, closes them at EOF."""

    def __init__(self) -> None:
        self.accepted = 0
        self._server: asyncio.Server | None = None
        self._arrived = asyncio.Condition()

    async def wait_accepted(self, count: int) -> None:
        """Return once ``count`` connections were accepted."""
        async with self._arrived:
            await self._arrived.wait_for(lambda: self.accepted >= count)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        async with self._arrived:
            self.accepted += 1
            self._arrived.notify_all()
        with contextlib.suppress(Exception):
            while await reader.read(65536):
                pass
        writer.close()

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        return int(self._server.sockets[0].getsockname()[1])

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()


@pytest.fixture
async def silent_port() -> AsyncIterator[tuple[int, SilentServer]]:
    server = SilentServer()
    port = await server.start()
    try:
        yield port, server
    finally:
        await server.close()


def refusing_port() -> int:
    """A port that was free a moment ago and on which nobody listens."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def url(port: int) -> str:
    return f"postgresql://postgres:hunter2@127.0.0.1:{port}/none"


async def cancel_many(lock: InstanceLock, rounds: int, seed: int) -> dict[str, int]:
    """Cancel ``acquire`` ``rounds`` times after a random number of loop turns."""
    rng = random.Random(seed)
    outcomes = {"cancelled": 0}
    for _ in range(rounds):
        task = asyncio.create_task(lock.acquire(poll_interval=0.001))
        for _turn in range(rng.randrange(0, 40)):
            await asyncio.sleep(0)
        if rng.random() < 0.05:
            await asyncio.sleep(rng.uniform(0, 0.01))
        task.cancel()
        async with asyncio.timeout(HANG_GUARD_S):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        assert task.cancelled(), f"acquire ended as {task.exception()!r}, not cancelled"
        assert not lock.held
        outcomes["cancelled"] += 1
    return outcomes


@pytest.mark.timeout(600)
async def test_cancelling_acquire_against_a_silent_server_never_hangs(
    silent_port: tuple[int, SilentServer],
) -> None:
    port, server = silent_port
    lock = InstanceLock(url(port), check_timeout=5)
    outcomes = await cancel_many(lock, ROUNDS, seed=1)
    print(f"\nsilent server: {outcomes['cancelled']} cancellations, {server.accepted} connects")
    assert outcomes["cancelled"] == ROUNDS
    assert server.accepted > 0  # the handshake really reached the server


@pytest.mark.timeout(600)
async def test_cancelling_acquire_against_a_refusing_port_never_hangs() -> None:
    lock = InstanceLock(url(refusing_port()), check_timeout=5)
    outcomes = await cancel_many(lock, ROUNDS, seed=2)
    print(f"\nrefusing port: {outcomes['cancelled']} cancellations")
    assert outcomes["cancelled"] == ROUNDS


async def test_a_silent_server_times_out_as_a_lock_error_not_a_hang(
    silent_port: tuple[int, SilentServer],
) -> None:
    port, _server = silent_port
    lock = InstanceLock(url(port), check_timeout=0.2)
    async with asyncio.timeout(HANG_GUARD_S):
        with pytest.raises(InstanceLockError, match="cannot reach") as info:
            await lock.try_acquire()
    assert "hunter2" not in str(info.value)


async def test_standby_against_a_silent_server_stops_when_asked(
    silent_port: tuple[int, SilentServer],
) -> None:
    """SIGTERM on a standby sets ``stop``; waiting for the lock then returns False."""
    port, server = silent_port
    lock = InstanceLock(url(port), check_timeout=30)  # each attempt would hang 30 s
    stop = asyncio.Event()
    waiting = asyncio.create_task(_wait_for_lock(lock, stop))
    async with asyncio.timeout(HANG_GUARD_S):
        await server.wait_accepted(1)  # an attempt is under way, stuck in the handshake
    stop.set()
    async with asyncio.timeout(HANG_GUARD_S):
        assert await waiting is False
    assert not lock.held


async def test_unreachable_postgres_logs_once_and_keeps_retrying(
    silent_port: tuple[int, SilentServer], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="bot.deploy.lock")
    port, server = silent_port
    lock = InstanceLock(url(port), check_timeout=0.05)
    task = asyncio.create_task(lock.acquire(poll_interval=0.01))
    async with asyncio.timeout(HANG_GUARD_S):
        await server.wait_accepted(4)  # several attempts, each timed out and retried
    assert not task.done()
    task.cancel()
    async with asyncio.timeout(HANG_GUARD_S):
        with pytest.raises(asyncio.CancelledError):
            await task
    assert caplog.text.count("retrying every") == 1
    assert "hunter2" not in caplog.text
