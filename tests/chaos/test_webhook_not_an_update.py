"""A webhook body with the right secret that is not an update: 200 and one log line.

A 500 would make Telegram deliver the same body again, forever. Driven against a real
``deadline-bot run --webhook`` process.
"""

from __future__ import annotations

import signal

import aiohttp
import pytest

from bot.sandbox.server import Sandbox
from tests.chaos.bombs import private_token
from tests.deploy.botproc import free_port, iso
from tests.deploy.test_deploy_process import (  # noqa: F401 (spawn is a fixture)
    BEFORE_DEADLINE,
    Spawn,
    ask,
    spawn,
)

TOKEN = private_token()
pytestmark = pytest.mark.sandbox(tokens=[TOKEN], webhook_retry_delay=0.2)

BODIES: list[object] = [
    {"hello": "world"},  # no update_id
    {"update_id": "seven"},  # not an integer
    {"update_id": 9001, "message": "garbage"},  # not a message
    {"update_id": 9002, "message": {"text": "no chat, no date"}},
]


async def test_a_body_that_is_not_an_update_is_acknowledged_and_logged(
    sandbox: Sandbox,
    spawn: Spawn,  # noqa: F811
    sqlite_url: str,
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram/webhook"
    bot = await spawn(
        "webhook",
        ["--webhook", "--now", iso(BEFORE_DEADLINE)],
        database_url=sqlite_url,
        token=TOKEN,
        extra={"WEBHOOK_URL": url, "PORT": str(port)},
    )
    await bot.wait_ready()
    hook = sandbox.bot.webhook
    assert hook is not None and hook.secret_token
    headers = {"X-Telegram-Bot-Api-Secret-Token": hook.secret_token}
    async with aiohttp.ClientSession() as http:
        for body in BODIES:
            async with http.post(url, json=body, headers=headers) as response:
                assert response.status == 200, (body, await response.text())
    await bot.wait_for_line(r"webhook: ignored a body that is not an update .*9002")
    ignored = [line for line in bot.lines if "ignored a body that is not an update" in line]
    assert len(ignored) == len(BODIES)
    assert "Traceback" not in bot.output
    # Real updates still flow.
    alice = sandbox.create_user("Alice")
    assert "Paper submission deadline" in (await ask(sandbox, alice, "/next")).content
    bot.signal(signal.SIGTERM)
    assert await bot.wait(60) == 0
