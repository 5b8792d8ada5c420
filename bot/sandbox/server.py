"""The sandbox server: the Bot API over HTTP on loopback, backed by a simulated :class:`World`.

:class:`Sandbox` runs in the current event loop (``await sandbox.start()`` or ``async with``);
:class:`SandboxThread` runs one in a background thread for synchronous callers.  Point
python-telegram-bot at it with ``Bot(token, base_url=sandbox.base_url,
base_file_url=sandbox.base_file_url)``.

Routes: ``/bot<token>/<method>`` (GET or POST; query string, form, multipart or JSON),
``/file/bot<token>/<file_path>`` (downloads), and the control API under ``/sandbox/``
(see :mod:`bot.sandbox.control`).

Error answers follow the Bot API server (tdlib/telegram-bot-api): a malformed token gets
``401 Unauthorized: invalid token specified``, a well-formed unknown one ``401 Unauthorized``, an
unknown method ``404 Not Found: method not found``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import re
import threading
from collections.abc import Callable, Coroutine, Sequence
from typing import Any, TypeVar

import aiohttp
from aiohttp import web

from bot.sandbox.faults import FaultInjector, FaultRule
from bot.sandbox.limits import Counters, Limits, RateLimiter
from bot.sandbox.methods import (
    DEFAULT_REGISTRY,
    ApiError,
    CallContext,
    Described,
    Params,
    UploadedFile,
)
from bot.sandbox.world import (
    BotAccount,
    CallbackQueryRecord,
    Chat,
    Conversation,
    InlineQueryRecord,
    TranscriptMessage,
    User,
    World,
    now,
)

__all__ = ["DEFAULT_TOKEN", "Sandbox", "SandboxThread"]

log = logging.getLogger(__name__)

DEFAULT_TOKEN = "123456:SANDBOX-TOKEN-not-a-real-secret"
_TOKEN_SHAPE = re.compile(r"[1-9][0-9]{0,15}:[A-Za-z0-9_-]{1,64}")
T = TypeVar("T")
JSON = dict[str, Any]


def _dumps(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def _json_response(payload: Any, status: int = 200) -> web.Response:
    return web.Response(body=_dumps(payload), status=status, content_type="application/json")


class Sandbox:
    """A local Telegram Bot API with simulated people; see the package docstring."""

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
        self.world = World()
        self.limits = limits or Limits.real()
        self.limiter = RateLimiter(self.limits)
        self.counters = Counters()
        self.faults = FaultInjector(seed)
        self.registry = DEFAULT_REGISTRY.copy()
        self.host = host
        self.port = port
        self.webhook_retry_delay = webhook_retry_delay
        self.webhook_timeout = webhook_timeout
        self.control_api = control_api
        self.closing = False
        self.last_error: JSON | None = None  # the last error answer body, for exact assertions
        self._primary = self.add_bot(
            tokens[0], username=bot_username or "sandbox_bot", privacy_mode=privacy_mode
        )
        for token in tokens[1:]:
            self.add_bot(token, privacy_mode=privacy_mode)
        self.world.on_update = self.notify_updates
        self.world.on_bot_message = self._on_bot_message
        self._update_events: dict[int, asyncio.Event] = {}
        self._activity = asyncio.Event()
        self._cursors: dict[tuple[int, int], int] = {}
        self._webhook_tasks: dict[int, asyncio.Task[None]] = {}
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None

    # ------------------------------------------------------------------------------ lifecycle

    def add_bot(
        self,
        token: str,
        *,
        username: str | None = None,
        first_name: str = "Sandbox Bot",
        privacy_mode: bool = True,
    ) -> BotAccount:
        """Serve another bot token (each bot has its own updates, webhook and commands)."""
        if _TOKEN_SHAPE.fullmatch(token) is None:
            raise ValueError(f"not a Telegram-shaped token: {token!r}")
        return self.world.add_bot(
            token, username=username, first_name=first_name, privacy_mode=privacy_mode
        )

    def build_app(self) -> web.Application:
        """Return the aiohttp application (also usable with aiohttp's test utilities)."""
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_route("GET", "/file/bot{token}/{path:.+}", self._handle_file)
        if self.control_api:
            from bot.sandbox.control import add_control_routes

            add_control_routes(app, self)
        return app

    async def start(self) -> Sandbox:
        """Listen on ``host:port`` (port 0 picks a free one) in the running event loop."""
        self.closing = False
        self._runner = web.AppRunner(
            self.build_app(), access_log=None, handle_signals=False, shutdown_timeout=1.0
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
        """Stop serving: wake long polls, stop webhook delivery, close the listener."""
        self.closing = True
        for bot in self.world.bots.values():
            self.notify_updates(bot)
        self.notify_activity()
        tasks = list(self._webhook_tasks.values())
        self._webhook_tasks.clear()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self._session is not None:
            await self._session.close()
            self._session = None
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
        return self._primary.token

    @property
    def bot(self) -> BotAccount:
        """The first bot."""
        return self._primary

    def _bot(self, bot: BotAccount | str | None) -> BotAccount:
        if bot is None:
            return self._primary
        if isinstance(bot, str):
            return self.world.bots_by_token[bot]
        return bot

    # ------------------------------------------------------------------------- notifications

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

    def notify_activity(self) -> None:
        """Wake everyone waiting for bot messages, edits or answers."""
        self._activity.set()
        self._activity = asyncio.Event()

    def _on_bot_message(self, conv: Conversation, msg: TranscriptMessage) -> None:
        self.notify_activity()

    async def wait_until(self, check: Callable[[], T | None], within: float, what: str) -> T:
        """Return ``check()`` once it is not None, re-checking on activity; TimeoutError else."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            event = self._activity
            result = check()
            if result is not None:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0 or self.closing:
                raise TimeoutError(f"timed out after {within} s waiting for {what}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

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
            retry_after = verdict.retry_after
            raise ApiError(
                429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
            )
        self.counters.sends[chat.id] += 1
        self.counters.note_send(self.limiter.clock())
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
            if _TOKEN_SHAPE.fullmatch(token) is None:
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
            wait = max(1, math.ceil(fault.delay))
            return self._error(
                ApiError(429, f"Too Many Requests: retry after {wait}", {"retry_after": wait})
            )
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

    # -------------------------------------------------------------------------------- webhook

    def webhook_changed(self, bot: BotAccount) -> None:
        """Start the delivery task for a newly set webhook (or wake it to notice removal)."""
        self.notify_updates(bot)
        if bot.webhook is None or self.closing:
            return
        task = self._webhook_tasks.get(bot.id)
        if task is None or task.done():
            self._webhook_tasks[bot.id] = asyncio.get_running_loop().create_task(
                self._deliver_webhook(bot), name=f"sandbox-webhook-{bot.id}"
            )

    async def _deliver_webhook(self, bot: BotAccount) -> None:
        """POST queued updates one by one, in order; retry failures after a pause."""
        while not self.closing and bot.webhook is not None:
            if not bot.updates:
                await self.wait_updates(bot, 1.0)
                continue
            hook = bot.webhook
            update = bot.updates[0]
            error = await self._post_update(hook.url, hook.secret_token, update)
            if bot.webhook is not hook:
                continue
            if error is None:
                if bot.updates and bot.updates[0] is update:
                    bot.updates.popleft()
                self.counters.webhook_deliveries += 1
            else:
                self.counters.webhook_failures += 1
                hook.last_error_date = now()
                hook.last_error_message = error
                await asyncio.sleep(self.webhook_retry_delay)

    async def _post_update(self, url: str, secret: str | None, update: JSON) -> str | None:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.webhook_timeout)
            )
        headers = {"Content-Type": "application/json"}
        if secret:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        try:
            async with self._session.post(url, data=_dumps(update), headers=headers) as response:
                await response.read()
                if 200 <= response.status < 300:
                    return None
                return f"Wrong response from the webhook: {response.status} {response.reason}"
        except TimeoutError:
            return "Read timeout expired"
        except aiohttp.ClientConnectorError:
            return "Connection refused"
        except aiohttp.ClientError as exc:
            return f"Connection error: {exc.__class__.__name__}"

    # ------------------------------------------------------------------ simulated people (API)

    def create_user(
        self,
        first_name: str = "Alice",
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "en",
        user_id: int | None = None,
        started: bool = True,
    ) -> User:
        """Create a person (``started``: they have opened the chat with the bots already)."""
        return self.world.create_user(
            first_name,
            last_name=last_name,
            username=username,
            language_code=language_code,
            user_id=user_id,
            started=started,
        )

    def create_group(
        self,
        title: str = "Test group",
        *,
        members: Sequence[User] = (),
        admins: Sequence[User] = (),
        creator: User | None = None,
        kind: str = "group",
        username: str | None = None,
        bot_status: str | None = "member",
    ) -> Chat:
        """Create a group (``kind``: group, supergroup or channel) the bots are in."""
        if kind not in ("group", "supergroup", "channel"):
            raise ValueError(f"unknown chat kind {kind!r}")
        return self.world.create_group(
            title,
            members=members,
            admins=admins,
            creator=creator,
            kind=kind,  # type: ignore[arg-type]
            username=username,
            bot_status=bot_status,
        )

    def create_channel(self, title: str = "Test channel", *, username: str | None = None) -> Chat:
        """Create a channel where the bots are administrators."""
        return self.create_group(
            title, kind="channel", username=username, bot_status="administrator"
        )

    def _chat(self, chat: Chat | int | None, user: User) -> Chat:
        if chat is None:
            return self.world.chats[user.id]
        if isinstance(chat, Chat):
            return chat
        return self.world.chats[chat]

    def send(
        self,
        user: User,
        text: str,
        *,
        chat: Chat | int | None = None,
        reply_to: TranscriptMessage | int | None = None,
        entities: list[JSON] | None = None,
        bot: BotAccount | str | None = None,
    ) -> TranscriptMessage:
        """``user`` sends ``text`` (to their DM with the bot unless ``chat`` is given)."""
        reply_id = reply_to.message_id if isinstance(reply_to, TranscriptMessage) else reply_to
        return self.world.user_sends(
            self._bot(bot),
            user,
            text,
            chat=self._chat(chat, user),
            reply_to=reply_id,
            entities=entities,
        )

    def send_location(
        self,
        user: User,
        latitude: float,
        longitude: float,
        *,
        bot: BotAccount | str | None = None,
    ) -> TranscriptMessage:
        """``user`` shares a location with the bot in their private chat."""
        return self.world.user_sends_location(self._bot(bot), user, latitude, longitude)

    def press(
        self,
        user: User,
        message: TranscriptMessage,
        callback_data: str,
        *,
        bot: BotAccount | str | None = None,
        check: bool = True,
    ) -> CallbackQueryRecord:
        """``user`` presses the inline button with ``callback_data`` under ``message``."""
        account = self._bot(bot)
        conv = self.world.conversation(account, message.chat_id)
        current = conv.by_id.get(message.message_id, message)
        if check and not any(b.get("callback_data") == callback_data for b in current.buttons()):
            raise ValueError(f"no button with callback_data {callback_data!r} under that message")
        return self.world.press_button(account, user, conv, current, callback_data)

    def inline_query(
        self,
        user: User,
        query: str,
        *,
        offset: str = "",
        chat_type: str = "sender",
        bot: BotAccount | str | None = None,
    ) -> InlineQueryRecord:
        """``user`` types ``@bot query``."""
        return self.world.inline_query(
            self._bot(bot), user, query, offset=offset, chat_type=chat_type
        )

    def block(self, user: User, *, bot: BotAccount | str | None = None) -> None:
        """``user`` blocks the bot (my_chat_member: member → kicked)."""
        self.world.set_blocked(self._bot(bot), user, True)

    def unblock(self, user: User, *, bot: BotAccount | str | None = None) -> None:
        """``user`` unblocks the bot (my_chat_member: kicked → member)."""
        self.world.set_blocked(self._bot(bot), user, False)

    def deactivate(self, user: User) -> None:
        """``user`` deletes their account: sends fail with ``Forbidden: user is deactivated``."""
        user.deactivated = True

    def add_bot_to_group(
        self,
        chat: Chat,
        *,
        by: User | None = None,
        admin: bool = False,
        bot: BotAccount | str | None = None,
    ) -> None:
        """The bot is added to ``chat`` (or promoted, with ``admin``)."""
        status = "administrator" if admin else "member"
        self.world.set_bot_membership(self._bot(bot), chat, status, by=by)

    def remove_bot_from_group(
        self,
        chat: Chat,
        *,
        by: User | None = None,
        ban: bool = False,
        bot: BotAccount | str | None = None,
    ) -> None:
        """The bot leaves or is removed (``ban``: kicked) from ``chat``."""
        self.world.set_bot_membership(self._bot(bot), chat, "kicked" if ban else "left", by=by)

    def upgrade_group(self, chat: Chat, *, by: User | None = None) -> Chat:
        """Upgrade a basic group to a supergroup; return the new chat."""
        return self.world.upgrade_group(chat, by=by)

    # --------------------------------------------------------------------------- observation

    def transcript(
        self, chat: Chat | int, *, bot: BotAccount | str | None = None
    ) -> list[TranscriptMessage]:
        """Every message of the chat (the bot's and people's, deleted ones flagged)."""
        chat_id = chat.id if isinstance(chat, Chat) else chat
        return list(self.world.conversation(self._bot(bot), chat_id).messages)

    def bot_messages(
        self, chat: Chat | int, *, bot: BotAccount | str | None = None
    ) -> list[TranscriptMessage]:
        """The messages the bot sent to the chat."""
        return [m for m in self.transcript(chat, bot=bot) if m.from_bot]

    async def wait_for_message(
        self,
        chat: Chat | int,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109
        predicate: Callable[[TranscriptMessage], bool] | None = None,
        bot: BotAccount | str | None = None,
    ) -> TranscriptMessage:
        """Return the next bot message in ``chat`` not returned before (matching ``predicate``).

        Each chat has a cursor: a returned message and everything before it are not returned
        again.  Raises TimeoutError (listing the transcript) if none arrives in ``timeout`` s.
        """
        account = self._bot(bot)
        chat_id = chat.id if isinstance(chat, Chat) else chat
        conv = self.world.conversation(account, chat_id)
        key = (account.id, chat_id)

        def check() -> TranscriptMessage | None:
            messages = conv.messages
            for index in range(self._cursors.get(key, 0), len(messages)):
                msg = messages[index]
                if msg.from_bot and (predicate is None or predicate(msg)):
                    self._cursors[key] = index + 1
                    return msg
            return None

        try:
            return await self.wait_until(check, timeout, f"a bot message in chat {chat_id}")
        except TimeoutError:
            texts = [m.content[:60] for m in conv.messages]
            raise TimeoutError(
                f"no new bot message in chat {chat_id} within {timeout} s; transcript: {texts}"
            ) from None

    async def wait_for_callback_answer(
        self,
        query: CallbackQueryRecord | str,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> JSON:
        """Wait for the bot's answerCallbackQuery; return the answer fields."""
        query_id = query if isinstance(query, str) else query.id
        records = [
            b.callback_queries[query_id]
            for b in self.world.bots.values()
            if query_id in b.callback_queries
        ]
        record = records[0]
        return await self.wait_until(lambda: record.answer, timeout, "a callback answer")

    async def wait_for_inline_answer(
        self,
        query: InlineQueryRecord | str,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> JSON:
        """Wait for the bot's answerInlineQuery; return the answer (results, …)."""
        query_id = query if isinstance(query, str) else query.id
        records = [
            b.inline_queries[query_id]
            for b in self.world.bots.values()
            if query_id in b.inline_queries
        ]
        record = records[0]
        return await self.wait_until(lambda: record.answer, timeout, "an inline answer")

    def effective_commands(
        self, chat: Chat | int, user: User | None = None, *, bot: BotAccount | str | None = None
    ) -> list[JSON]:
        """The command list a client would show ``user`` in ``chat`` (scope fallback applied)."""
        account = self._bot(bot)
        chat_obj = chat if isinstance(chat, Chat) else self.world.chats[chat]
        language = (user.language_code if user else None) or ""
        status = chat_obj.members.get(user.id, "left") if user else "left"
        keys: list[tuple[str, int | None, int | None]] = []
        if chat_obj.type == "private":
            keys += [("chat", chat_obj.id, None), ("all_private_chats", None, None)]
        else:
            if user is not None:
                keys.append(("chat_member", chat_obj.id, user.id))
            if status in ("creator", "administrator"):
                keys.append(("chat_administrators", chat_obj.id, None))
            keys.append(("chat", chat_obj.id, None))
            if status in ("creator", "administrator"):
                keys.append(("all_chat_administrators", None, None))
            keys.append(("all_group_chats", None, None))
        keys.append(("default", None, None))
        for kind, chat_id, user_id in keys:
            for lang in dict.fromkeys((language, "")):
                found = account.commands.get((kind, chat_id, user_id, lang))
                if found:
                    return found
        return []


class SandboxThread:
    """A :class:`Sandbox` in a background thread with its own event loop, for sync callers.

    Methods that change or wait on the world are forwarded to the sandbox's loop; reading
    ``counters`` or transcripts directly through ``.sandbox`` is fine between actions.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._args = args
        self._kwargs = kwargs
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._sandbox: Sandbox | None = None
        self._stopped: asyncio.Event | None = None

    @property
    def sandbox(self) -> Sandbox:
        """The running sandbox."""
        if self._sandbox is None:
            raise RuntimeError("SandboxThread is not started")
        return self._sandbox

    def start(self, timeout: float = 10.0) -> SandboxThread:
        """Start the thread and wait until the server listens."""
        ready = threading.Event()
        failure: list[BaseException] = []

        async def main() -> None:
            try:
                self._sandbox = Sandbox(*self._args, **self._kwargs)
                self._stopped = asyncio.Event()
                await self._sandbox.start()
            except BaseException as exc:
                failure.append(exc)
                ready.set()
                raise
            ready.set()
            await self._stopped.wait()
            await self._sandbox.stop()

        def run() -> None:
            self._loop = asyncio.new_event_loop()
            try:
                self._loop.run_until_complete(main())
            except BaseException:  # the failure is reported to start()
                log.debug("sandbox thread ended with an error", exc_info=True)
            finally:
                self._loop.close()

        self._thread = threading.Thread(target=run, name="telegram-sandbox", daemon=True)
        self._thread.start()
        if not ready.wait(timeout):
            raise RuntimeError("the sandbox did not start in time")
        if failure:
            raise failure[0]
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the server and join the thread."""
        if self._loop is not None and self._stopped is not None and self._loop.is_running():
            self._loop.call_soon_threadsafe(self._stopped.set)
        if self._thread is not None:
            self._thread.join(timeout)
        self._thread = None

    def __enter__(self) -> SandboxThread:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float | None = 30.0) -> T:
        """Run a coroutine in the sandbox's loop and return its result."""
        if self._loop is None:
            raise RuntimeError("SandboxThread is not started")
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    def call(self, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Call a (sync) sandbox method in the sandbox's loop and return its result."""

        async def invoke() -> T:
            return func(*args, **kwargs)

        return self.run(invoke())

    # Convenience forwards of the most used calls.

    @property
    def base_url(self) -> str:
        """PTB's base_url."""
        return self.sandbox.base_url

    @property
    def base_file_url(self) -> str:
        """PTB's base_file_url."""
        return self.sandbox.base_file_url

    @property
    def token(self) -> str:
        """The first bot's token."""
        return self.sandbox.token

    @property
    def url(self) -> str:
        """``http://host:port``."""
        return self.sandbox.url

    def create_user(self, *args: Any, **kwargs: Any) -> User:
        """See :meth:`Sandbox.create_user`."""
        return self.call(self.sandbox.create_user, *args, **kwargs)

    def create_group(self, *args: Any, **kwargs: Any) -> Chat:
        """See :meth:`Sandbox.create_group`."""
        return self.call(self.sandbox.create_group, *args, **kwargs)

    def send(self, *args: Any, **kwargs: Any) -> TranscriptMessage:
        """See :meth:`Sandbox.send`."""
        return self.call(self.sandbox.send, *args, **kwargs)

    def press(self, *args: Any, **kwargs: Any) -> CallbackQueryRecord:
        """See :meth:`Sandbox.press`."""
        return self.call(self.sandbox.press, *args, **kwargs)

    def inline_query(self, *args: Any, **kwargs: Any) -> InlineQueryRecord:
        """See :meth:`Sandbox.inline_query`."""
        return self.call(self.sandbox.inline_query, *args, **kwargs)

    def block(self, user: User) -> None:
        """See :meth:`Sandbox.block`."""
        self.call(self.sandbox.block, user)

    def unblock(self, user: User) -> None:
        """See :meth:`Sandbox.unblock`."""
        self.call(self.sandbox.unblock, user)

    def wait_for_message(self, chat: Chat | int, **kwargs: Any) -> TranscriptMessage:
        """See :meth:`Sandbox.wait_for_message` (blocking)."""
        timeout = float(kwargs.get("timeout", 5.0))
        return self.run(self.sandbox.wait_for_message(chat, **kwargs), timeout + 5.0)

    def transcript(self, chat: Chat | int) -> list[TranscriptMessage]:
        """See :meth:`Sandbox.transcript`."""
        return self.call(self.sandbox.transcript, chat)
