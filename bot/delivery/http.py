"""A python-telegram-bot request backend on aiohttp, for sending at a thousand messages a second.

PTB's default backend (``HTTPXRequest``) spends most of its time in httpcore's connection-pool
bookkeeping, which walks every connection for every request: at 16 concurrent requests that is
more CPU than building, sending and parsing the message itself. aiohttp keeps idle connections
in a queue per host. This class implements PTB's public :class:`~telegram.request.BaseRequest`
interface, so everything above it (the rate limiter, error mapping, ``Message`` objects) is
PTB's own.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

__all__ = ["AiohttpRequest"]

_FORM = {"Content-Type": "application/x-www-form-urlencoded"}
_TOKEN_IN_URL = re.compile(r"/bot[^/\s]+/")


def _seconds(value: Any, default: float | None) -> float | None:
    """A PTB timeout argument: its default sentinel means ``default``."""
    if isinstance(value, int | float) or value is None:
        return None if value is None else float(value)
    return default


class AiohttpRequest(BaseRequest):
    """PTB's ``BaseRequest`` over one :class:`aiohttp.ClientSession`.

    ``connection_pool_size`` caps concurrent connections (like ``HTTPXRequest``); timeouts
    are in seconds, overridable per call as PTB allows.
    """

    def __init__(
        self,
        connection_pool_size: int = 16,
        *,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        self._pool_size = connection_pool_size
        self._read = read_timeout
        self._write = write_timeout
        self._connect = connect_timeout
        self._pool = pool_timeout
        self._media_write = media_write_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        """The default read timeout in seconds."""
        return self._read

    async def initialize(self) -> None:
        """Open the session (idempotent)."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size, limit_per_host=0),
                headers={"User-Agent": self.USER_AGENT},
            )

    async def shutdown(self) -> None:
        """Close the session and its connections."""
        session, self._session = self._session, None
        if session is not None and not session.closed:
            await session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Send one request; return (HTTP status, body). See ``BaseRequest.do_request``."""
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = (
            request_data.multipart_data if request_data and request_data.contains_files else None
        )
        body: Any = None
        headers: dict[str, str] | None = None
        if files:
            form = aiohttp.FormData()
            for name, value in (request_data.json_parameters if request_data else {}).items():
                form.add_field(name, value)
            for name, (filename, content, *mime) in files.items():
                form.add_field(
                    name, content, filename=filename, content_type=next(iter(mime), None)
                )
            body = form
        elif request_data is not None:  # a form, encoded here: cheaper than aiohttp's FormData
            body = urlencode(request_data.json_parameters).encode()
            headers = _FORM
        write_default = self._media_write if files else self._write
        write = _seconds(write_timeout, write_default)
        timeout = aiohttp.ClientTimeout(
            total=None,
            connect=_seconds(pool_timeout, self._pool),
            sock_connect=_seconds(connect_timeout, self._connect),
            sock_read=max(filter(None, (_seconds(read_timeout, self._read), write)), default=None),
        )
        try:
            async with self._session.request(
                method, url, data=body, headers=headers, timeout=timeout
            ) as response:
                return response.status, await response.read()
        except TimeoutError as exc:
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            detail = _TOKEN_IN_URL.sub("/bot<token>/", str(exc))  # never a token in a message
            raise NetworkError(f"aiohttp.{type(exc).__name__}: {detail}") from exc
