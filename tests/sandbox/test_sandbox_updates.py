"""Updates: long polling, offsets, allowed_updates, conflicts, webhooks, PTB Application."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from aiohttp import web
from telegram import Bot, Update, WebhookInfo
from telegram.error import Conflict
from telegram.ext import Application, CommandHandler, ContextTypes

from bot.sandbox import Limits, Sandbox, User
from tests.waiting import eventually

pytestmark = pytest.mark.sandbox(limits=Limits.off(), webhook_retry_delay=0.05)


async def test_user_command_has_bot_command_entity(
    tg_bot: Bot, sandbox: Sandbox, sandbox_user: User
) -> None:
    sandbox.send(sandbox_user, "/start@sandbox_bot now")
    (update,) = await tg_bot.get_updates()
    assert update.message is not None
    assert update.message.text == "/start@sandbox_bot now"
    entity = update.message.entities[0]
    assert (entity.type, entity.offset, entity.length) == ("bot_command", 0, 18)
    assert update.message.from_user.language_code == "en"
    assert update.message.chat.type == "private"


async def test_reply_from_user(tg_bot: Bot, sandbox: Sandbox, sandbox_user: User) -> None:
    sent = await tg_bot.send_message(sandbox_user.id, "What is your deadline?")
    sandbox.send(sandbox_user, "May 1", reply_to=sent.message_id)
    (update,) = await tg_bot.get_updates()
    assert update.message.reply_to_message.message_id == sent.message_id


async def test_long_poll_returns_as_soon_as_an_update_arrives(
    tg_bot: Bot, sandbox: Sandbox, sandbox_user: User
) -> None:
    async def later() -> None:
        await eventually(lambda: sandbox.is_waiting(sandbox.bot), "the long poll to wait")
        sandbox.send(sandbox_user, "hello")

    task = asyncio.create_task(later())
    # A poll that did not return early would return () after 100 s (past the test's cap).
    updates = await tg_bot.get_updates(timeout=100)
    assert [u.message.text for u in updates] == ["hello"]
    await task


async def test_offset_limit_and_timeout(tg_bot: Bot, sandbox: Sandbox, sandbox_user: User) -> None:
    for i in range(5):
        sandbox.send(sandbox_user, f"m{i}")
    first = await tg_bot.get_updates(limit=2)
    assert [u.message.text for u in first] == ["m0", "m1"]
    again = await tg_bot.get_updates(limit=2)
    assert [u.update_id for u in again] == [u.update_id for u in first]  # not confirmed yet
    rest = await tg_bot.get_updates(offset=first[-1].update_id + 1)
    assert [u.message.text for u in rest] == ["m2", "m3", "m4"]
    assert await tg_bot.get_updates(offset=rest[-1].update_id + 1, timeout=0.1) == ()
    for i in range(3):
        sandbox.send(sandbox_user, f"n{i}")
    last = await tg_bot.get_updates(offset=-1)
    assert [u.message.text for u in last] == ["n2"]


async def test_allowed_updates_are_remembered(
    tg_bot: Bot, sandbox: Sandbox, sandbox_user: User
) -> None:
    await tg_bot.get_updates(allowed_updates=["callback_query"], timeout=0)
    sandbox.send(sandbox_user, "ignored")
    msg = await tg_bot.send_message(sandbox_user.id, "pick", reply_markup=_keyboard())
    sandbox.press(sandbox_user, sandbox.bot_messages(sandbox_user.id)[-1], "x")
    updates = await tg_bot.get_updates()  # no allowed_updates: the earlier list still holds
    assert [u.callback_query.data for u in updates] == ["x"]
    assert updates[0].callback_query.message.message_id == msg.message_id
    await tg_bot.get_updates(offset=updates[-1].update_id + 1, allowed_updates=[])
    sandbox.send(sandbox_user, "seen again")
    assert [u.message.text for u in await tg_bot.get_updates()] == ["seen again"]


def _keyboard() -> Any:
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup

    return InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="x")]])


async def test_second_poller_terminates_the_first(tg_bot: Bot, sandbox: Sandbox) -> None:
    first = asyncio.create_task(tg_bot.get_updates(timeout=30))
    await eventually(lambda: sandbox.is_waiting(sandbox.bot), "the first poll to wait")
    async with Bot(sandbox.token, base_url=sandbox.base_url) as other:
        second = asyncio.create_task(other.get_updates(timeout=0.2))
        with pytest.raises(Conflict, match="terminated by other getUpdates request"):
            await first
        assert await second == ()


class Receiver:
    """A tiny webhook receiver."""

    def __init__(self, fail_first: int = 0) -> None:
        self.fail_first = fail_first
        self.received: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.arrived = asyncio.Event()
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        if self.fail_first > 0:
            self.fail_first -= 1
            return web.Response(status=500)
        self.headers.append(dict(request.headers))
        self.received.append(json.loads(await request.read()))
        self.arrived.set()
        return web.Response(text="ok")

    async def __aenter__(self) -> Receiver:
        app = web.Application()
        app.router.add_post("/hook", self.handle)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}/hook"
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.runner is not None
        await self.runner.cleanup()


async def test_webhook_delivery_with_secret_and_retries(
    tg_bot: Bot, sandbox: Sandbox, sandbox_user: User
) -> None:
    async with Receiver(fail_first=2) as receiver:
        assert await tg_bot.set_webhook(receiver.url, secret_token="s3cret_token")
        sandbox.send(sandbox_user, "/start")
        sandbox.send(sandbox_user, "second")
        await eventually(lambda: len(receiver.received) == 2, "both updates pushed")
        assert [u["message"]["text"] for u in receiver.received] == ["/start", "second"]
        assert receiver.headers[0]["X-Telegram-Bot-Api-Secret-Token"] == "s3cret_token"
        assert receiver.headers[0]["Content-Type"] == "application/json"
        info = await tg_bot.get_webhook_info()
        assert info.url == receiver.url
        assert info.pending_update_count == 0
        assert (
            info.last_error_message == "Wrong response from the webhook: 500 Internal Server Error"
        )
        assert sandbox.counters.webhook_failures == 2
        assert sandbox.counters.webhook_deliveries == 2
        update = Update.de_json(receiver.received[0], tg_bot)
        assert update.message.text == "/start"
        assert await tg_bot.delete_webhook()
    assert (await tg_bot.get_webhook_info()).url == ""


async def test_webhook_pending_count_and_drop(
    tg_bot: Bot, sandbox: Sandbox, sandbox_user: User
) -> None:
    await tg_bot.set_webhook("http://127.0.0.1:9/unreachable")
    sandbox.send(sandbox_user, "a")
    sandbox.send(sandbox_user, "b")

    async def failed() -> WebhookInfo | None:
        info = await tg_bot.get_webhook_info()
        return info if info.last_error_message else None

    info = await eventually(failed, "the push to fail")
    assert info.pending_update_count == 2
    assert info.last_error_message == "Connection refused"
    await tg_bot.delete_webhook(drop_pending_updates=True)
    assert await tg_bot.get_updates() == ()


async def test_application_polling_receives_a_command(sandbox: Sandbox, sandbox_user: User) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_html(
            f"<b>Hello</b>, {update.effective_user.first_name}"
        )

    app = (
        Application.builder()
        .token(sandbox.token)
        .base_url(sandbox.base_url)
        .base_file_url(sandbox.base_file_url)
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0.0, timeout=1)
        sandbox.send(sandbox_user, "/start")
        reply = await sandbox.wait_for_message(sandbox_user.id, timeout=10)
        await app.updater.stop()
        await app.stop()
    assert reply.text == "Hello, Alice"
    assert reply.entity_texts("bold") == ["Hello"]


async def test_location_request_keyboard_and_a_shared_location(
    tg_bot: Bot, sandbox: Sandbox, sandbox_user: User
) -> None:
    from telegram import KeyboardButton, ReplyKeyboardMarkup, ReplyKeyboardRemove
    from telegram.error import BadRequest

    button = KeyboardButton("📍 Send my location", request_location=True)
    await tg_bot.send_message(
        sandbox_user.id, "Where are you?", reply_markup=ReplyKeyboardMarkup([[button]])
    )
    shown = sandbox.bot_messages(sandbox_user.id)[-1]
    assert shown.reply_markup is not None
    assert shown.reply_markup["keyboard"][0][0]["request_location"] is True
    await tg_bot.send_message(sandbox_user.id, "Thanks", reply_markup=ReplyKeyboardRemove())
    assert sandbox.bot_messages(sandbox_user.id)[-1].reply_markup == {"remove_keyboard": True}
    with pytest.raises(BadRequest, match="keyboard"):
        await tg_bot.send_message(
            sandbox_user.id, "x", reply_markup=json.dumps({"keyboard": [[{"text": ""}]]})
        )

    sandbox.send_location(sandbox_user, 55.95, -3.19)
    (update,) = await tg_bot.get_updates()
    assert update.message is not None and update.message.location is not None
    assert (update.message.location.latitude, update.message.location.longitude) == (55.95, -3.19)
    assert update.message.from_user.language_code == "en"
