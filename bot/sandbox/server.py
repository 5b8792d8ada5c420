"""The sandbox server: the Bot API over HTTP on loopback, backed by a simulated :class:`World`.

:class:`Sandbox` runs in the current event loop (``await sandbox.start()`` or ``async with``).
Point python-telegram-bot at it with ``Bot(token, base_url=sandbox.base_url,
base_file_url=sandbox.base_file_url)``.  It is also the Python API of the simulation: it is
:class:`~bot.sandbox.people.People` (create people, send, press, block, read transcripts) and
:class:`~bot.sandbox.waits.Waits` (wait for the bot's next message or answer) over its world.

Routes: ``/bot<token>/<method>`` (GET or POST; query string, form, multipart or JSON),
``/file/bot<token>/<file_path>`` (downloads), and the control API under ``/sandbox/``
(see :mod:`bot.sandbox.control`).  Long polls wait here; webhook push is
:mod:`bot.sandbox.webhook`.

Error answers follow the Bot API server (tdlib/telegram-bot-api): a malformed token gets
``401 Unauthorized: invalid token specified``, a well-formed unknown one ``401 Unauthorized``, an
unknown method ``404 Not Found: method not found``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
from collections.abc import Sequence
from typing import Any

from aiohttp import web

from bot.sandbox.control import add_control_routes
from bot.sandbox.faults import FaultInjector, FaultRule
from bot.sandbox.limits import Counters, Limits, RateLimiter
from bot.sandbox.methods import (
    DEFAULT_REGISTRY,
    ApiError,
    CallContext,
    Described,
    Params,
    UploadedFile,
    too_many_requests,
)
from bot.sandbox.people import People
from bot.sandbox.waits import Waits
from bot.sandbox.webhook import WebhookPusher, dumps
from bot.sandbox.world import TOKEN_SHAPE, BotAccount, Conversation, TranscriptMessage, World

__all__ = ["DEFAULT_TOKEN", "Sandbox"]

DEFAULT_TOKEN = "123456:SANDBOX-TOKEN-not-a-real-secret"
JSON = dict[str, Any]


def _json_response(payload: Any, status: int = 200) -> web.Response:
    return web.Response(body=dumps(payload), status=status, content_type="application/json")


class Sandbox(People, Waits):
    """A local Telegram Bot API with simulated people; see the module docstring."""

    def __init__(
        self,
        tokens: Sequence[str] = (DEFAULT_TOKEN,),
        *,
        limits: Limits | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        seed: int = 0,
        bot_username: str | None = None,
        privacy_mode: bool = True,
        webhook_retry_delay: float = 1.0,
        webhook_timeout: float = 10.0,
        control_api: bool = True,
    ) -> None:
        if not tokens:
            raise ValueError("at least one bot token is needed")
        world = World()
        People.__init__(self, world)
        Waits.__init__(self, world)
        self.bot = world.add_bot(
            tokens[0], username=bot_username or "sandbox_bot", privacy_mode=privacy_mode
        )
        for token in tokens[1:]:
            world.add_bot(token, privacy_mode=privacy_mode)
        world.on_update = self.notify_updates
        world.on_bot_message = self._on_bot_message
        self.limits = limits or Limits.real()
        self.limiter = RateLimiter(self.limits)
        self.counters = Counters()
        self.faults = FaultInjector(seed)
        self.registry = DEFAULT_REGISTRY.copy()
        self.webhooks = WebhookPusher(
            self.counters,
            self.wait_updates,
            retry_delay=webhook_retry_delay,
            timeout=webhook_timeout,
        )
        self.host = host
        self.port = port
        self.control_api = control_api
        self.last_error: JSON | None = None  # the last error answer body, for exact assertions
        self._update_events: dict[int, asyncio.Event] = {}
        self._runner: web.AppRunner | None = None

    # ------------------------------------------------------------------------------ lifecycle

    async def start(self) -> Sandbox:
        """Listen on ``host:port`` (port 0 picks a free one) in the running event loop."""
        self.closing = False
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_route("GET", "/file/bot{token}/{path:.+}", self._handle_file)
        if self.control_api:
            add_control_routes(app, self)
        self._runner = web.AppRunner(
            app, access_log=None, handle_signals=False, shutdown_timeout=1.0
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port, reuse_address=True)
        await site.start()
        server = site._server
        if server is not None and isinstance(server, asyncio.base_events.Server):
            self.port = server.sockets[0].getsockname()[1]
        for bot in self.world.bots.values():
            if bot.webhook is not None:
                self.webhook_changed(bot)
        return self

    async def stop(self) -> None:
        """Stop serving: wake long polls and waiters, stop webhook push, close the listener."""
        self.closing = True
        for bot in self.world.bots.values():
            self.notify_updates(bot)
        self.notify_activity()
        await self.webhooks.stop()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Sandbox:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ------------------------------------------------------------------------------ addresses

    @property
    def url(self) -> str:
        """``http://host:port``."""
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """PTB's ``base_url`` (the token is appended by PTB)."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        """PTB's ``base_file_url``."""
        return f"{self.url}/file/bot"

    @property
    def token(self) -> str:
        """The first bot's token."""
        return self.bot.token

    # ----------------------------------------------------------------- updates (long polls)

    def notify_updates(self, bot: BotAccount) -> None:
        """Wake long polls and the webhook sender of ``bot``."""
        event = self._update_events.pop(bot.id, None)
        if event is not None:
            event.set()

    def is_waiting(self, bot: BotAccount) -> bool:
        """True while a long poll (or the webhook sender) of ``bot`` waits for updates."""
        return bot.id in self._update_events

    async def wait_updates(self, bot: BotAccount, seconds: float) -> None:
        """Wait until ``notify_updates(bot)`` or ``seconds`` pass."""
        event = self._update_events.get(bot.id)
        if event is None:
            event = self._update_events[bot.id] = asyncio.Event()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), seconds)

    def webhook_changed(self, bot: BotAccount) -> None:
        """A webhook was set or removed: wake its sender and long polls, start push if set."""
        self.notify_updates(bot)
        if not self.closing:
            self.webhooks.changed(bot)

    def _on_bot_message(self, conv: Conversation, msg: TranscriptMessage) -> None:
        self.notify_activity()

    # --------------------------------------------------------------------------------- limits

    def set_limits(self, limits: Limits) -> None:
        """Change the flood limits (buckets start full)."""
        self.limits = limits
        self.limiter.configure(limits)

    def take_send_slot(self, conv: Conversation, *, paid: bool = False) -> None:
        """Count a send against the limits; raise 429 (and count it) if over.

        ``paid``: the request had ``allow_paid_broadcast`` (see :mod:`bot.sandbox.limits`).
        """
        chat = conv.chat
        verdict = self.limiter.take(conv.bot.id, chat.id, chat.is_group_like, paid=paid)
        if verdict.retry_after:
            self.counters.too_many_requests[chat.id] += 1
            raise too_many_requests(verdict.retry_after)
        self.counters.sends[chat.id] += 1
        self.counters.send_times.append(self.limiter.clock())
        if paid:
            self.counters.paid[chat.id] += 1
        if verdict.charged:
            self.counters.charged[chat.id] += 1

    # ------------------------------------------------------------------------------- requests

    async def _read_params(self, request: web.Request) -> Params:
        data: dict[str, Any] = dict(request.query) if request.query_string else {}
        files: dict[str, UploadedFile] = {}
        if request.can_read_body:
            if request.content_type == "application/json":
                try:
                    body = json.loads(await request.read() or b"{}")
                except ValueError:
                    raise ApiError(400, "Bad Request: can't parse JSON object") from None
                if isinstance(body, dict):
                    data.update(body)
            else:
                form = await request.post()
                for name, value in form.items():
                    if isinstance(value, web.FileField):
                        files[name] = UploadedFile(
                            filename=value.filename,
                            content_type=value.content_type,
                            data=value.file.read(),
                        )
                    else:
                        data[name] = value if isinstance(value, str) else value.decode()
        return Params(data, files)

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        bot = self.world.bots_by_token.get(token)
        if bot is None:
            if TOKEN_SHAPE.fullmatch(token) is None:
                return self._error(ApiError(401, "Unauthorized: invalid token specified"))
            return self._error(ApiError(401, "Unauthorized"))
        spec = self.registry.get(request.match_info["method"])
        if spec is None:
            self.counters.requests["<unknown>"] += 1
            return self._error(ApiError(404, "Not Found: method not found"))
        name = spec.name
        self.counters.requests[name] += 1
        fault = self.faults.pick(name) if self.faults.rules else None
        if fault is not None and fault.phase == "before":
            response = await self._apply_fault(request, fault)
            if response is not None:
                return response
        try:
            params = await self._read_params(request)
            result = await spec.handler(CallContext(self, bot, name), params)
        except ApiError as exc:
            response = self._error(exc)
        else:
            if isinstance(result, Described):
                payload: JSON = {
                    "ok": True,
                    "result": result.result,
                    "description": result.description,
                }
            else:
                payload = {"ok": True, "result": result}
            self.counters.statuses[200] += 1
            response = _json_response(payload)
        if fault is not None and fault.phase == "after":
            faulted = await self._apply_fault(request, fault)
            if faulted is not None:
                return faulted
        return response

    def _error(self, exc: ApiError) -> web.Response:
        self.counters.statuses[exc.code] += 1
        self.counters.errors[exc.description] += 1
        self.last_error = exc.to_json()
        return _json_response(self.last_error, status=exc.code)

    async def _apply_fault(
        self, request: web.Request, fault: FaultRule
    ) -> web.StreamResponse | None:
        """Carry out a fault; None means "go on normally" (after a delay)."""
        self.counters.faults[fault.kind] += 1
        if fault.kind == "delay":
            await asyncio.sleep(fault.delay)
            return None
        if fault.kind == "drop":
            transport = request.transport
            if transport is not None:
                transport.abort()
            raise asyncio.CancelledError  # aiohttp ends the handler quietly; nothing is sent
        if fault.status == 429:  # Telegram's flood answer carries how long to wait
            return self._error(too_many_requests(max(1, math.ceil(fault.delay))))
        return self._error(ApiError(fault.status, fault.error_description))

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] not in self.world.bots_by_token:
            return web.Response(status=401, text="Unauthorized")
        path = request.match_info["path"]
        for stored in self.world.files.values():
            if stored.file_path == path:
                return web.Response(
                    body=stored.data, content_type=stored.mime_type or "application/octet-stream"
                )
        return web.Response(status=404, text="Not Found")
