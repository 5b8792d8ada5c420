"""The subscriber bot end to end: real PTB over HTTP to the sandbox, real database."""

from __future__ import annotations

import asyncio

import pytest

from bot.sandbox.limits import Limits
from bot.sandbox.server import Sandbox
from bot.telegram.app import update_processor
from bot.telegram.flood import FloodGuard
from tests.e2e.conftest import Harness

# Telegram's limits scaled ×10 (10 messages/s per chat): fast tests, limits still enforced.
pytestmark = pytest.mark.sandbox(bot_username="deadline_test_bot", limits=Limits.scaled(10))


async def test_every_command_answers(harness: Harness) -> None:
    sandbox = harness.sandbox
    sam = sandbox.create_user("Sam")
    expectations = {
        "/start": ["I keep you on time for EuroMLSys 2026", "/dates"],
        "/help": ["/scope", "/timezone", "/settings"],
        "/dates": [
            "Sun 15 Feb 2026, 23:59 AoE (UTC−12)",
            "Mon 16 Feb 2026, 11:59 UTC",
            "4 days 4 hours left",
        ],
        "/next": ["Paper submission deadline", "4 days 4 hours left"],
        "/topics": ["not limited to", "Agentic Systems", "Graph neural networks"],
        "/scope graph neural networks": ["✅ In scope", "Graph neural networks"],
        "/scope": ["Tell me your topic"],
        "/contacts": ["Eiko Yoneki", "Paul Patras", "Alexis Duque, Net AI", "@euromlsys"],
        "/cfp": ["ACM Digital Library", "opt out", "Paper submission deadline"],
        "/venue": ["Edinburgh, United Kingdom", "EuroSys '26", "Monday 27 April 2026"],
        "/news": ["The workshop website is up!"],
        "/timezone": ["You have not set a time zone"],
        "/settings": ["not subscribed"],
        "/about": ["AoE"],
        "/unsubscribe": ["were not subscribed"],
    }
    for command, pieces in expectations.items():
        reply = await harness.ask(sam, command)
        for piece in pieces:
            assert piece in reply.content, (command, piece, reply.content)
    # A fresh person (Sam has just sent 15 commands in a fraction of a second).
    welcome = (await harness.ask(sandbox.create_user("Kim"), "/start")).buttons()
    assert welcome[0]["callback_data"] == "subscribe"


async def test_dates_carry_html_formatting_and_the_date_time_entity(harness: Harness) -> None:
    sam = harness.sandbox.create_user("Sam")
    await harness.ask(sam, "/timezone Asia/Kolkata")
    reply = await harness.ask(sam, "/dates")
    assert "Paper submission deadline" in reply.entity_texts("bold")
    stamps = [e for e in reply.entities if e["type"] == "date_time"]
    assert stamps and stamps[0]["unix_time"] == 1771243140  # 2026-02-16T11:59:00Z
    assert "Mon 16 Feb 2026, 17:29 IST (UTC+5:30)" in reply.content


async def test_plain_questions_get_the_right_answer(harness: Harness) -> None:
    sam = harness.sandbox.create_user("Sam")
    cases = {
        "when is the paper deadline?": "Paper submission deadline",
        "what topics?": "Topics of interest include",
        "who do I contact?": "Eiko Yoneki",
        "is serving LLMs in scope?": "Optimisation in Large Language Model (LLM)",
        "where is it?": "Edinburgh",
        "good morning": "Hello! I answer questions about",
    }
    for question, expected in cases.items():
        assert expected in (await harness.ask(sam, question)).content, question


async def test_deep_links_open_that_answer(harness: Harness) -> None:
    sam = harness.sandbox.create_user("Sam")
    assert "key dates" in (await harness.ask(sam, "/start dates")).content
    assert "Eiko Yoneki" in (await harness.ask(sam, "/start contacts")).content
    assert "Subscribed to EuroMLSys 2026" in (await harness.ask(sam, "/start subscribe")).content


async def test_unknown_commands_get_help_never_silence(harness: Harness) -> None:
    sam = harness.sandbox.create_user("Sam")
    reply = await harness.ask(sam, "/frobnicate")
    assert "I don't know /frobnicate" in reply.content and "/help" in reply.content


async def test_subscribe_settings_and_timezone_with_buttons(harness: Harness) -> None:
    sandbox = harness.sandbox
    sam = sandbox.create_user("Sam")
    welcome = await harness.ask(sam, "/start")
    answer = await harness.press(sam, welcome, "subscribe")
    assert answer.get("text") == "Subscribed"
    confirmation = await sandbox.wait_for_message(sam.id, timeout=10)
    assert "Subscribed to EuroMLSys 2026" in confirmation.content
    assert await harness.service.is_subscribed(sam.id)

    settings = await harness.ask(sam, "/settings")
    await harness.press(sam, settings, "mode:deadlines")
    await harness.press(sam, settings, "mute:paper")
    subscribed, mode, muted = await harness.service.reminder_choices(sam.id)
    assert (subscribed, mode, muted) == (True, "deadlines", frozenset({"paper"}))
    edited = sandbox.world.conversation(sandbox.bot, sam.id).by_id[settings.message_id]
    assert "● Deadlines only" in [b["text"] for b in edited.buttons()]

    choices = await harness.ask(sam, "/timezone US")
    assert "could mean several zones" in choices.content
    assert "tz:America/Chicago" in [b["callback_data"] for b in choices.buttons()]
    await harness.press(sam, choices, "tz:America/Chicago")
    confirmation = await sandbox.wait_for_message(sam.id, timeout=10)
    assert "America/Chicago" in confirmation.content
    assert "CST (UTC−6)" in (await harness.ask(sam, "/next")).content

    unknown = await harness.ask(sam, "/timezone Pariss")
    assert "Europe/Paris" in [b["text"] for b in unknown.buttons()]


async def test_restart_keeps_subscribers_and_their_time_zones(harness: Harness) -> None:
    sam = harness.sandbox.create_user("Sam")
    await harness.ask(sam, "/subscribe")
    await harness.ask(sam, "/timezone Pacific/Kiritimati")
    await harness.restart()
    assert await harness.service.is_subscribed(sam.id)
    reply = await harness.ask(sam, "/next")
    assert "Tue 17 Feb 2026, 01:59 Pacific/Kiritimati (UTC+14)" in reply.content
    assert "already subscribed" in (await harness.ask(sam, "/subscribe")).content


async def test_blocking_marks_inactive_and_unblocking_reactivates(harness: Harness) -> None:
    sandbox = harness.sandbox
    sam = sandbox.create_user("Sam")
    await harness.ask(sam, "/subscribe")
    sandbox.block(sam)
    db = harness.service.db

    async def active() -> bool | None:
        chat = await db.chats.get_chat(sam.id)
        return chat.active if chat else None

    await harness.idle()  # the my_chat_member update has been handled
    chat = await db.chats.get_chat(sam.id)
    assert chat is not None and (chat.active, chat.inactive_reason) == (False, "blocked")
    assert await db.subscriptions.active_recipients(harness.service.event.id) == []
    sandbox.unblock(sam)
    await harness.idle()
    assert await active()
    assert [r.chat_id for r in await db.subscriptions.active_recipients("euromlsys")] == [sam.id]


async def test_groups_short_replies_botname_commands_and_admin_only_subscription(
    harness: Harness,
) -> None:
    sandbox = harness.sandbox
    chair, member = sandbox.create_user("Chair"), sandbox.create_user("Member")
    group = sandbox.create_group("EuroMLSys authors", members=[member], admins=[chair])
    reply = await harness.ask(member, "/dates@deadline_test_bot", chat=group)
    assert reply.content.count("\n") <= 6 and "AoE" in reply.content
    refused = await harness.ask(member, "/subscribe", chat=group)
    assert "Only this group's admins" in refused.content
    assert not await harness.service.is_subscribed(group.id)
    accepted = await harness.ask(chair, "/subscribe@deadline_test_bot", chat=group)
    assert "Subscribed" in accepted.content
    assert await harness.service.is_subscribed(group.id)
    sandbox.send(member, "/dates@some_other_bot", chat=group)
    sandbox.send(member, "/nonsense@some_other_bot", chat=group)
    assert await harness.quiet(group) == []


async def test_a_flooding_user_is_throttled_once_and_others_are_not_slowed(
    harness: Harness,
) -> None:
    sandbox = harness.sandbox
    # The guard's clock stands still: its bucket never refills during the test, so the
    # count does not depend on how fast this machine handles the burst.
    processor = update_processor(harness.runtime.application)
    assert processor is not None  # the guard counts at arrival, in the fair processor
    processor.guard = FloodGuard(monotonic=lambda: 0.0)
    flooder, patient = sandbox.create_user("Flood"), sandbox.create_user("Patient")
    for _ in range(40):
        sandbox.send(flooder, "/next")
    started = asyncio.get_running_loop().time()
    reply = await harness.ask(patient, "/next", within=15)
    assert "Paper submission deadline" in reply.content
    waited = asyncio.get_running_loop().time() - started
    received = await harness.quiet(flooder)
    everything = sandbox.bot_messages(flooder.id)
    throttles = [m for m in everything if "a lot of messages" in m.content]
    assert len(throttles) == 1
    assert len(everything) == 16  # a burst of 15 answered, the rest dropped, politely
    assert waited < 10, f"another user waited {waited:.1f} s"
    del received


async def test_the_public_command_menu_is_published(harness: Harness, sandbox: Sandbox) -> None:
    sam = sandbox.create_user("Sam")
    names = [c["command"] for c in sandbox.effective_commands(sam.id, sam)]
    assert names[:4] == ["dates", "next", "topics", "scope"]
    assert "settings" in names and "timezone" in names


async def test_calendar_sends_an_ics_document(harness: Harness) -> None:
    sam = harness.sandbox.create_user("Sam")
    harness.sandbox.send(sam, "/calendar")
    message = await harness.sandbox.wait_for_message(sam.id, timeout=10)
    assert message.document is not None
    assert message.document.file_name == "euromlsys2026.ics"
    assert message.document.data.startswith(b"BEGIN:VCALENDAR\r\n")
    assert b"DTSTART:20260216T115900Z" in message.document.data
    assert "calendar" in message.content


async def test_inline_mode_offers_dates_and_topics(harness: Harness) -> None:
    sandbox = harness.sandbox
    sam = sandbox.create_user("Sam")
    answer = await sandbox.wait_for_answer(sandbox.inline_query(sam, ""), timeout=10)
    titles = [r["title"] for r in answer["results"]]
    assert titles == ["EuroMLSys 2026: key dates", "Next: Paper submission deadline"]
    card = answer["results"][0]
    assert "Sun 15 Feb 2026, 23:59 AoE" in card["input_message_content"]["message_text"]
    assert card["reply_markup"]["inline_keyboard"][0][0]["url"].endswith("?start=subscribe")
    answer = await sandbox.wait_for_answer(
        sandbox.inline_query(sam, "graph neural nets"), timeout=10
    )
    assert answer["results"][0]["title"] == "Graph neural networks"
