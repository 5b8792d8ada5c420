"""End to end: the sandbox pushes updates over HTTP to the real web server (webhook mode)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from telegram import Bot, Update, WebhookInfo
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from bot.deploy.web import (
    HealthReport,
    bound_port,
    build_web_app,
    serve_web,
    stop_web,
)
from bot.sandbox.server import Sandbox
from tests.waiting import eventually

SECRET = "e2e_Secret-token-0123456789"
PATH = "/telegram/webhook"

pytestmark = pytest.mark.sandbox(webhook_retry_delay=0.05)


async def _healthy() -> HealthReport:
    return HealthReport(database=True, scheduler=True, pending_outbox=0, active_instance=True)


@dataclass
class WebServer:
    """The web app listening on a free loopback port; what reached ``on_update``."""

    runner: web.AppRunner
    url: str
    received: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)


@pytest.fixture
async def server() -> AsyncIterator[WebServer]:
    received: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    async def on_update(payload: dict[str, Any]) -> None:
        await received.put(payload)

    app = build_web_app(
        webhook_path=PATH, secret_token=SECRET, on_update=on_update, health=_healthy, calendars=None
    )
    runner = await serve_web(app, "127.0.0.1", 0)
    try:
        url = f"http://127.0.0.1:{bound_port(runner)}{PATH}"
        yield WebServer(runner, url, received)
    finally:
        await stop_web(runner)


async def test_sandbox_pushes_a_message_to_the_web_server(
    sandbox: Sandbox, tg_bot: Bot, server: WebServer
) -> None:
    assert await tg_bot.set_webhook(
        server.url, secret_token=SECRET, allowed_updates=["message", "my_chat_member"]
    )
    alice = sandbox.create_user("Alice", username="alice")
    sandbox.send(alice, "when is the paper deadline?")
    payload = await asyncio.wait_for(server.received.get(), timeout=5)
    assert payload["message"]["text"] == "when is the paper deadline?"
    assert payload["message"]["from"]["id"] == alice.id
    update = Update.de_json(payload, tg_bot)
    assert update.effective_user is not None and update.effective_user.id == alice.id
    info = await tg_bot.get_webhook_info()
    assert info.url == server.url
    assert info.pending_update_count == 0
    assert info.last_error_message is None
    assert sandbox.counters.webhook_failures == 0


async def test_wrong_secret_is_refused_and_shows_in_webhook_info(
    sandbox: Sandbox, tg_bot: Bot, server: WebServer
) -> None:
    assert await tg_bot.set_webhook(server.url, secret_token="not_the_right_one")
    alice = sandbox.create_user("Alice")
    sandbox.send(alice, "hello?")

    async def failed() -> WebhookInfo | None:
        info = await tg_bot.get_webhook_info()
        return info if info.last_error_message else None

    info = await eventually(failed, "the push to be refused")
    assert info.last_error_message == "Wrong response from the webhook: 403 Forbidden"
    assert info.pending_update_count == 1  # Telegram keeps it
    assert server.received.empty()
    # No secret at all is refused the same way.
    failures = sandbox.counters.webhook_failures
    assert await tg_bot.set_webhook(server.url)
    await eventually(lambda: sandbox.counters.webhook_failures > failures, "a refused push")
    assert server.received.empty()
    # Once the operator fixes the secret, the kept update arrives: nothing is lost.
    assert await tg_bot.set_webhook(server.url, secret_token=SECRET)
    payload = await asyncio.wait_for(server.received.get(), timeout=5)
    assert payload["message"]["text"] == "hello?"


async def test_python_telegram_bot_application_answers_through_the_webhook(
    sandbox: Sandbox,
) -> None:
    """The wiring bootstrap uses: de_json the payload, put it on the update queue."""

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(f"you said: {update.effective_message.text}")

    application = (
        Application.builder()
        .token(sandbox.token)
        .base_url(sandbox.base_url)
        .base_file_url(sandbox.base_file_url)
        .updater(None)
        .build()
    )
    application.add_handler(MessageHandler(filters.TEXT, echo))

    async def on_update(payload: dict[str, Any]) -> None:
        await application.update_queue.put(Update.de_json(payload, application.bot))

    app = build_web_app(
        webhook_path=PATH, secret_token=SECRET, on_update=on_update, health=_healthy, calendars=None
    )
    async with application:
        await application.start()
        runner = await serve_web(app, "127.0.0.1", 0)
        try:
            url = f"http://127.0.0.1:{bound_port(runner)}{PATH}"
            assert await application.bot.set_webhook(
                url, secret_token=SECRET, allowed_updates=Update.ALL_TYPES
            )
            alice = sandbox.create_user("Alice")
            sandbox.send(alice, "ping")
            reply = await sandbox.wait_for_message(alice.id, timeout=5)
            assert reply.text == "you said: ping"
            assert await application.bot.delete_webhook()
        finally:
            await stop_web(runner)
            await application.stop()
