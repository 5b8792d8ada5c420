"""A local HTTP server for tracker files: ETag and Last-Modified honoured, requests recorded."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from aiohttp import web


@dataclass
class TrackerServer:
    """Serves ``files`` (path → bytes); each version gets its own ETag and Last-Modified."""

    files: dict[str, bytes] = field(default_factory=dict)
    status: int = 200
    """Answer every request with this status instead (e.g. 500) when not 200."""
    requests: list[dict[str, str]] = field(default_factory=list)
    base_url: str = ""
    stall: asyncio.Event | None = None
    """When set, every request waits for this event before it is answered."""
    received: asyncio.Event = field(default_factory=asyncio.Event)
    """Set at the first request."""
    _versions: dict[str, int] = field(default_factory=dict)

    def put(self, path: str, body: bytes) -> None:
        """Publish a new version of a file."""
        if self.files.get(path) != body:
            self._versions[path] = self._versions.get(path, 0) + 1
        self.files[path] = body

    def etag(self, path: str) -> str:
        return '"' + hashlib.sha256(self.files[path]).hexdigest()[:16] + '"'

    def url(self, path: str) -> str:
        return f"{self.base_url}/{path}"

    def responses(self, path: str) -> list[str]:
        return [r["status"] for r in self.requests if r["path"] == f"/{path}"]

    async def handle(self, request: web.Request) -> web.Response:
        path = request.path.lstrip("/")
        record = {"path": request.path, **{k: v for k, v in request.headers.items()}}
        self.requests.append(record)
        self.received.set()
        if self.stall is not None:
            await self.stall.wait()
        if self.status != 200:
            record["status"] = str(self.status)
            return web.Response(status=self.status, text="broken")
        body = self.files.get(path)
        if body is None:
            record["status"] = "404"
            return web.Response(status=404)
        etag = self.etag(path)
        version = self._versions[path]
        modified = f"Mon, 0{min(version, 9)} Nov 2026 10:00:00 GMT"
        headers = {"ETag": etag, "Last-Modified": modified}
        if request.headers.get("If-None-Match") == etag:
            record["status"] = "304"
            return web.Response(status=304, headers=headers)
        record["status"] = "200"
        return web.Response(body=body, headers=headers, content_type="text/yaml")


@asynccontextmanager
async def serving(server: TrackerServer) -> AsyncIterator[TrackerServer]:
    """Run ``server`` on 127.0.0.1 (a free port) for the duration of the block."""
    app = web.Application()
    app.router.add_get("/{tail:.*}", server.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    sockets = site._server.sockets if site._server else ()  # type: ignore[union-attr]
    port = sockets[0].getsockname()[1]
    server.base_url = f"http://127.0.0.1:{port}"
    try:
        yield server
    finally:
        await runner.cleanup()
