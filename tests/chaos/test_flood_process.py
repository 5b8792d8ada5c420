"""A flood against a real ``deadline-bot run`` process, then SIGTERM.

Behaviour only: others are answered, in order, while one chat floods; the flooder is
warned exactly once; SIGTERM with the flooder's queue still full ends the process
cleanly, and every update the bot acknowledged from anyone else was answered. How
fast (reply p95, exit time) is measured by bench/chaos_flood.py.
"""

from __future__ import annotations

import signal

import pytest

from bot.sandbox.server import Sandbox
from bot.sandbox.world import User
from tests.chaos.bombs import private_token
from tests.deploy.botproc import iso
from tests.deploy.test_deploy_process import (  # noqa: F401 (spawn is a fixture)
    BEFORE_DEADLINE,
    Spawn,
    spawn,
    until,
)

TOKEN = private_token()
NOW = ["--now", iso(BEFORE_DEADLINE)]
pytestmark = pytest.mark.sandbox(tokens=[TOKEN])

WARNING = "a lot of messages"
#: Far beyond any honest run; the old bot needed minutes here (bench/ measures the time).
GENEROUS = 90.0


def warnings_to(sandbox: Sandbox, user: User) -> int:
    return sum(WARNING in m.content for m in sandbox.bot_messages(user.id))


async def test_flood_then_sigterm(sandbox: Sandbox, spawn: Spawn, sqlite_url: str) -> None:  # noqa: F811
    bot = await spawn("flood", NOW, database_url=sqlite_url, token=TOKEN)
    await bot.wait_ready()
    flooder, patient = sandbox.create_user("Flood"), sandbox.create_user("Patient")
    for _ in range(500):
        sandbox.send(flooder, "/next")
    for words in ("/dates", "/next", "/topics"):
        sandbox.send(patient, words)

    # The patient is answered, in order, while the flooder's replies are still paced out.
    replies = [await sandbox.wait_for_message(patient.id, timeout=GENEROUS) for _ in range(3)]
    assert replies[0].content.startswith("📅") and "key dates" in replies[0].content
    assert "Paper submission deadline" in replies[1].content
    assert replies[2].content.startswith("🧭")

    # Others write, the bot is told to stop with the flooder's line still full.
    late = [sandbox.create_user(f"Late{i}") for i in range(5)]
    for person in late:
        sandbox.send(person, "/next")
    bot.signal(signal.SIGTERM)
    assert await bot.wait(GENEROUS) == 0, bot.tail()

    # The flooder was warned once; most of its flood was dropped at arrival, and what
    # still waited in its line at SIGTERM was dropped too.
    assert warnings_to(sandbox, flooder) == 1
    answered_flood = len(sandbox.bot_messages(flooder.id)) - 1
    assert 1 <= answered_flood < 100
    # Nothing acknowledged was lost: each late update was answered, or is still unconfirmed
    # at the sandbox (Telegram would deliver it again to the next start).
    unconfirmed = {u["message"]["from"]["id"] for u in sandbox.bot.updates if "message" in u}
    for person in late:
        got = sandbox.bot_messages(person.id)
        assert got or person.id in unconfirmed, f"{person.first_name}'s update was lost"
        assert all(WARNING not in m.content for m in got)
    if answered_flood < 15:  # its burst was not all answered by SIGTERM: the rest was dropped
        assert "waiting update(s) of flooding chats" in bot.output, bot.tail()


async def test_updates_left_at_the_stop_deadline_are_answered_after_the_restart(
    sandbox: Sandbox,
    spawn: Spawn,  # noqa: F811
    db_url: str,
) -> None:
    """12 commands at once (within the flood guard's burst) need 9 s or more at Telegram's
    1 message/s per chat, longer than the stop waits: the rest is kept, answered later."""
    first = await spawn("first", NOW, database_url=db_url, token=TOKEN)
    await first.wait_ready()
    sam = sandbox.create_user("Sam")
    commands = ["/next", "/dates", "/topics", "/help"] * 3
    for words in commands:
        sandbox.send(sam, words)
    # Stop once the bot has fetched (acknowledged) all twelve and started answering.
    await until(
        lambda: not sandbox.bot.updates and sandbox.bot_messages(sam.id), GENEROUS, "a reply"
    )
    first.signal(signal.SIGTERM)
    assert await first.wait(GENEROUS) == 0, first.tail()
    assert "kept for the next start" in first.output, first.tail()
    assert len(sandbox.bot_messages(sam.id)) < len(commands)

    second = await spawn("second", NOW, database_url=db_url, token=TOKEN)
    await second.wait_ready()
    await until(lambda: len(sandbox.bot_messages(sam.id)) >= len(commands), GENEROUS, "every reply")
    second.signal(signal.SIGTERM)
    assert await second.wait(GENEROUS) == 0
    kinds = {"/next": "⏭", "/dates": "📅", "/topics": "🧭", "/help": ""}
    got = [m.content for m in sandbox.bot_messages(sam.id)]
    # In order, none lost. A handler cut at the deadline runs again (at least once): its
    # reply may appear twice in a row, never out of order.
    deduped = [text for i, text in enumerate(got) if i == 0 or text != got[i - 1]]
    assert len(deduped) == len(commands), got
    for words, text in zip(commands, deduped, strict=True):
        if kinds[words]:
            assert text.startswith(kinds[words]), (words, text)
