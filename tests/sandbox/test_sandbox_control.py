"""The control API, the threaded sandbox, multiple bots, the CLI and the parsers directly."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import urllib.request
from typing import Any

import aiohttp
import pytest
from telegram import Bot

from bot.sandbox import Limits, Sandbox
from bot.sandbox.cli import main
from bot.sandbox.entities import (
    EntityParseError,
    UnsupportedParseMode,
    parse_html,
    parse_text,
    utf16_len,
)
from bot.sandbox.testing import SandboxThread

pytestmark = pytest.mark.sandbox(limits=Limits.off())


async def test_control_api_drives_people(sandbox: Sandbox, tg_bot: Bot) -> None:
    async with aiohttp.ClientSession(base_url=sandbox.url) as http:

        async def call(method: str, path: str, body: Any = None) -> Any:
            async with http.request(method, path, json=body) as resp:
                data = await resp.json()
                assert data["ok"], data
                return data["result"]

        user = await call("POST", "/sandbox/users", {"first_name": "Ada", "username": "ada"})
        sent = await call("POST", "/sandbox/send", {"user_id": user["id"], "text": "/start"})
        assert sent["entities"][0]["type"] == "bot_command"
        (update,) = await tg_bot.get_updates()
        assert update.message.from_user.username == "ada"
        from telegram import InlineKeyboardButton, InlineKeyboardMarkup

        markup = InlineKeyboardMarkup([[InlineKeyboardButton("ok", callback_data="ok")]])
        msg = await tg_bot.send_message(user["id"], "hi", reply_markup=markup)
        waited = await call("GET", f"/sandbox/wait?chat_id={user['id']}&timeout=2")
        assert waited["message_id"] == msg.message_id
        pressed = await call(
            "POST",
            "/sandbox/press",
            {
                "user_id": user["id"],
                "chat_id": user["id"],
                "message_id": msg.message_id,
                "data": "ok",
            },
        )
        updates = await tg_bot.get_updates(offset=update.update_id + 1)
        await tg_bot.answer_callback_query(updates[-1].callback_query.id, text="fine")
        answer = await call("GET", f"/sandbox/answer?query_id={pressed['id']}")
        assert answer["answer"]["text"] == "fine"
        transcript = await call("GET", f"/sandbox/transcript?chat_id={user['id']}")
        assert [m["from_bot"] for m in transcript] == [False, True]
        counters = await call("GET", "/sandbox/counters")
        assert counters["requests"]["sendMessage"] == 1
        await call("POST", "/sandbox/faults", {"kind": "error", "status": 502, "remaining": 1})
        assert len(await call("GET", "/sandbox/faults")) == 1
        await call("DELETE", "/sandbox/faults")
        limits = await call("POST", "/sandbox/limits", {"preset": "x10"})
        assert limits["per_chat_per_s"] == 10
        await call("POST", "/sandbox/block", {"user_id": user["id"]})
        state = await call("GET", "/sandbox/state")
        assert state["bots"][0]["username"] == "sandbox_bot"
        async with http.get("/sandbox/transcript?chat_id=-5") as resp:
            assert resp.status == 404


def test_sandbox_thread_for_sync_callers(sandbox_thread: SandboxThread) -> None:
    sandbox = sandbox_thread.sandbox
    user = sandbox_thread.call(sandbox.create_user, "Bob")
    with urllib.request.urlopen(
        f"{sandbox.base_url}{sandbox.token}/sendMessage?chat_id={user.id}&text=hi"
    ) as resp:
        assert json.loads(resp.read())["result"]["text"] == "hi"
    msg = sandbox_thread.run(sandbox.wait_for_message(user.id, timeout=2))
    assert msg.text == "hi"
    sandbox_thread.call(sandbox.send, user, "/help")
    assert len(sandbox.transcript(user.id)) == 2


@pytest.mark.sandbox(tokens=["111:first-bot-token", "222:second-bot-token"], limits=Limits.off())
async def test_several_bots(sandbox: Sandbox) -> None:
    alice = sandbox.create_user("Alice")
    second = sandbox.world.bots[222]
    async with (
        Bot("111:first-bot-token", base_url=sandbox.base_url) as one,
        Bot("222:second-bot-token", base_url=sandbox.base_url) as two,
    ):
        assert (one.id, two.id) == (111, 222)
        sandbox.send(alice, "to two", bot=second)
        assert await one.get_updates() == ()
        assert [u.message.text for u in await two.get_updates()] == ["to two"]
        await one.send_message(alice.id, "from one")
        assert sandbox.bot_messages(alice.id, bot=second) == []
        assert [m.text for m in sandbox.bot_messages(alice.id)] == ["from one"]


def test_cli_rejects_bad_limits() -> None:
    assert main(["--limits", "fast"]) == 2


def test_cli_serves_until_interrupted(tmp_path: Any) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.sandbox", "--port", "0", "--limits", "x10", "--user", "Ada"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(5)]
        base = next(line for line in lines if "base_url " in line).split("= ")[1].strip()
        token = next(line for line in lines if "token" in line).rsplit(" ", 1)[1].strip()
        with urllib.request.urlopen(f"{base}{token}/getMe") as resp:
            assert json.loads(resp.read())["result"]["is_bot"] is True
    finally:
        proc.terminate()
        proc.wait(timeout=10)


async def test_wait_for_message_cursor_and_timeout(sandbox: Sandbox, tg_bot: Bot) -> None:
    alice = sandbox.create_user("Alice")
    await tg_bot.send_message(alice.id, "one")
    await tg_bot.send_message(alice.id, "two")
    assert (await sandbox.wait_for_message(alice.id)).text == "one"
    assert (await sandbox.wait_for_message(alice.id)).text == "two"
    with pytest.raises(TimeoutError, match="no new bot message"):
        await sandbox.wait_for_message(alice.id, timeout=0.1)
    waiter = asyncio.create_task(
        sandbox.wait_for_message(alice.id, predicate=lambda m: m.text == "four")
    )
    await tg_bot.send_message(alice.id, "three")
    await tg_bot.send_message(alice.id, "four")
    assert (await waiter).text == "four"


def test_parsers_directly() -> None:
    assert parse_html("a &amp; b &#x1F600;") == ("a & b 😀", [])
    assert parse_html("a & b") == ("a & b", [])
    assert parse_html("😀<b>x</b>") == ("😀x", [{"type": "bold", "offset": 2, "length": 1}])
    assert utf16_len("😀x") == 3
    with pytest.raises(EntityParseError, match='Unsupported start tag "br"'):
        parse_html("a<br>b")
    _, entities = parse_html('<tg-time unix="5" format="r">t</tg-time>')
    assert entities == [
        {"type": "date_time", "offset": 0, "length": 1, "unix_time": 5, "date_time_format": "r"}
    ]
    with pytest.raises(UnsupportedParseMode):
        parse_text("*b*", "MarkdownV2")
    assert parse_text("<b>plain</b>", None) == ("<b>plain</b>", [])
    _, entities = parse_html('<a href="tg://user?id=5">x</a>', lambda uid: {"id": uid})
    assert entities[0]["type"] == "text_mention" and entities[0]["user"] == {"id": 5}
