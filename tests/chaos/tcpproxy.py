"""A TCP proxy on 127.0.0.1 that can cut or stall every connection: a database that blinks.

* ``cut()``: every open connection is reset (both sides) and new ones are closed at once,
  as when a network path or the server goes away; ``heal()`` lets new ones through.
* ``stall()``: nothing moves any more in either direction and new connections hang in the
  handshake, as when packets are dropped; ``heal()`` lets the held bytes through, so the
  old connections come back to life (unless a side gave up meanwhile).
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Literal

Mode = Literal["pass", "cut", "stall"]


class ChaosProxy:
    """Forwards ``127.0.0.1:<port>`` to ``upstream``; see the module docstring."""

    def __init__(self, upstream_host: str = "127.0.0.1", upstream_port: int = 5432) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.mode: Mode = "pass"
        self.accepted = 0
        self.refused = 0
        self.resets = 0
        self._flowing = asyncio.Event()
        self._flowing.set()
        self._server: asyncio.Server | None = None
        self._pairs: set[tuple[asyncio.StreamWriter, asyncio.StreamWriter]] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> int:
        """Listen on a free local port; return it."""
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        return int(self._server.sockets[0].getsockname()[1])

    async def close(self) -> None:
        """Stop listening and drop every connection."""
        self._reset_all()
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def cut(self) -> None:
        """Reset every connection; refuse new ones until :meth:`heal`."""
        self.mode = "cut"
        self._flowing.set()
        self._reset_all()

    def stall(self) -> None:
        """Hold every byte and every new connection until :meth:`heal`."""
        self.mode = "stall"
        self._flowing.clear()

    def heal(self) -> None:
        """Forward again."""
        self.mode = "pass"
        self._flowing.set()

    def _reset_all(self) -> None:
        for client, server in list(self._pairs):
            for writer in (client, server):
                with contextlib.suppress(Exception):
                    writer.transport.abort()
                self.resets += 1
        self._pairs.clear()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            await self._serve(reader, writer)
        finally:
            self._tasks.discard(task)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await self._flowing.wait()
        if self.mode == "cut":
            self.refused += 1
            writer.transport.abort()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            writer.transport.abort()
            return
        self.accepted += 1
        pair = (writer, up_writer)
        self._pairs.add(pair)
        try:
            await asyncio.gather(self._pump(reader, up_writer), self._pump(up_reader, writer))
        finally:
            self._pairs.discard(pair)
            for side in pair:
                with contextlib.suppress(Exception):
                    side.close()

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(Exception):
            while True:
                data = await reader.read(65536)
                await self._flowing.wait()  # a stall holds the bytes here
                if not data:
                    writer.write_eof()
                    return
                writer.write(data)
                await writer.drain()
