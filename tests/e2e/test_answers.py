"""Plain questions answered end to end: the real bot over HTTP against the sandbox.

One question per answer kind, with typos and in French, German, Spanish, Italian,
Portuguese and Chinese; scope verdicts; time zones in one tap.
"""

from __future__ import annotations

import pytest

from bot.render import callbacks as cb
from bot.sandbox.limits import Limits
from tests.e2e.conftest import Harness

pytestmark = pytest.mark.sandbox(bot_username="deadline_test_bot", limits=Limits.scaled(10))

USE_LOCATION = cb.encode(cb.UseLocation())
TYPE_CITY = cb.encode(cb.TypeCity())

# (question, pieces the answer must hold, pieces it must not hold)
ANSWERS: list[tuple[str, list[str], list[str]]] = [
    (
        "when is the camera-ready deadline?",
        ["Final paper due", "Wed 25 Mar 2026, 23:59 AoE", "/dates"],
        ["Paper submission deadline"],
    ),
    (
        "when do we get notified?",
        ["Acceptance notification", "Sun 15 Mar 2026"],
        ["Final paper due"],
    ),
    (
        "when is the paper deadline?",
        ["Paper submission deadline", "Sun 15 Feb 2026, 23:59 AoE", "4 days 4 hours left"],
        ["Final paper due"],
    ),
    ("wen is the dedline", ["Paper submission deadline", "4 days 4 hours left"], []),
    (
        "when is the deadline in Berlin?",
        ["Paper submission deadline", "Mon 16 Feb 2026, 12:59 CET (UTC+1)"],
        [],
    ),
    ("when is the deadline in India?", ["Mon 16 Feb 2026, 17:29 IST (UTC+5:30)"], []),
    ("when is the deadline in PST?", ["Mon 16 Feb 2026, 03:59 PST (UTC−8)"], []),
    (
        "what's next in Tokyo?",
        ["Paper submission deadline", "Asia/Tokyo: Mon 16 Feb 2026, 20:59"],
        [],
    ),
    ("any updates?", ["The workshop website is up!"], ["key dates"]),
    ("where is the workshop?", ["Edinburgh, United Kingdom"], []),
    ("conatct", ["Eiko Yoneki", "Paul Patras"], []),
    ("topcis?", ["Graph neural networks", "not limited to"], []),
    ("what is AoE?", ["Anywhere on Earth", "UTC−12"], []),
    ("will papers be published?", ["ACM Digital Library", "opt out"], []),
    ("is it co-located with EuroSys?", ["co-located with EuroSys '26"], []),
    ("what's your twitter?", ["@euromlsys"], []),
    ("what is the website?", ["https://www.euromlsys.eu"], []),
    ("hi", ["Hello!"], []),
    ("thanks!", ["You're welcome"], []),
    (
        "where do I submit?",
        ["does not give a submission link", "https://www.euromlsys.eu"],
        ["Edinburgh"],
    ),
    ("what is the page limit?", ["does not give the page limit", "/contacts"], []),
    # The listed languages: the answer may be in English.
    ("quand est la date limite ?", ["Paper submission deadline"], []),
    ("Wann ist die Frist?", ["Paper submission deadline"], []),
    ("¿Cuándo es la fecha límite?", ["Paper submission deadline"], []),
    ("Quando è la scadenza?", ["Paper submission deadline"], []),
    ("Qual é o prazo?", ["Paper submission deadline"], []),
    ("截止日期是什么时候？", ["Paper submission deadline"], []),
    ("Quels sont les thèmes ?", ["Graph neural networks"], []),
    ("Wo findet der Workshop statt?", ["Edinburgh"], []),
]


async def test_every_answer_kind(harness: Harness) -> None:
    for index, (question, present, absent) in enumerate(ANSWERS):
        if index % 10 == 0:  # a new person every ten questions: below the flood guard's burst
            sam = harness.sandbox.create_user(f"Sam{index}")
        reply = await harness.ask(sam, question)
        for piece in present:
            assert piece in reply.content, (question, piece, reply.content)
        for piece in absent:
            assert piece not in reply.content, (question, piece, reply.content)


async def test_scope_command_and_question_give_the_same_verdict(harness: Harness) -> None:
    sam = harness.sandbox.create_user("Sam")
    for words, verdict in [
        ("federated learning privacy", "Borderline"),
        ("serving LLMs on GPUs", "In scope"),
        ("quantum computing", "Probably out of scope"),
    ]:
        command = await harness.ask(sam, f"/scope {words}")
        question = await harness.ask(sam, f"is {words} in scope?")
        assert command.content.split("\n")[0].endswith(words)
        assert f"{verdict}</b>" not in command.content  # rendered, not raw HTML
        assert verdict in command.entity_texts("bold"), command.content
        assert verdict in question.entity_texts("bold"), question.content
        assert ("/contacts" in command.content) == (verdict != "In scope")
        assert "include, but are not limited to" in question.content


async def test_a_question_not_understood_gets_likely_answers_as_buttons(harness: Harness) -> None:
    sam = harness.sandbox.create_user("Sam")
    reply = await harness.ask(sam, "banana bread recipe")
    data = [b["callback_data"] for b in reply.buttons()]
    assert 2 <= len(data) <= 3 and all(d.startswith("ask:") for d in data)
    reply = await harness.ask(sam, "tell me about the thing")
    assert "ask:deadline" in [b["callback_data"] for b in reply.buttons()]
    await harness.press(sam, reply, "ask:deadline")
    answer = await harness.sandbox.wait_for_message(sam.id, timeout=10)
    assert "Paper submission deadline" in answer.content


async def test_timezone_understands_cities_countries_and_abbreviations(harness: Harness) -> None:
    sam = harness.sandbox.create_user("Sam")
    for typed, zone in [
        ("São Paulo", "America/Sao_Paulo"),
        ("Sao Paulo", "America/Sao_Paulo"),
        ("Berlin, Germany", "Europe/Berlin"),
        ("Lyon, France", "Europe/Paris"),
        ("Germany", "Europe/Berlin"),
        ("+5:30", "UTC+05:30"),
    ]:
        reply = await harness.ask(sam, f"/timezone {typed}")
        assert f"Time zone set to {zone}" in reply.content, (typed, reply.content)
    cet = await harness.ask(sam, "/timezone CET")
    data = [b["callback_data"] for b in cet.buttons()]
    assert data[:2] == ["tz:Europe/Berlin", "tz:Europe/Paris"]
    assert "tz:UTC+01:00" in data and not any("Ceuta" in d for d in data)
    pst = await harness.ask(sam, "/timezone pst")
    assert pst.buttons()[0]["callback_data"] == "tz:America/Los_Angeles"
    await harness.press(sam, pst, "tz:UTC-08:00")
    confirmation = await harness.sandbox.wait_for_message(sam.id, timeout=10)
    assert "UTC-08:00" in confirmation.content
    ist = await harness.ask(sam, "/timezone IST")
    assert {"tz:Asia/Kolkata", "tz:Europe/Dublin"} <= {b["callback_data"] for b in ist.buttons()}


async def test_onboarding_offers_zones_location_and_a_typed_city(harness: Harness) -> None:
    sandbox = harness.sandbox
    ana = sandbox.create_user("Ana", language_code="pt-br")
    welcome = await harness.ask(ana, "/start")
    data = [b["callback_data"] for b in welcome.buttons()]
    assert data[0] == "subscribe"
    assert "tz:America/Sao_Paulo" in data and USE_LOCATION in data and TYPE_CITY in data

    await harness.press(ana, welcome, USE_LOCATION)
    request = await sandbox.wait_for_message(ana.id, timeout=10)
    button = request.reply_markup["keyboard"][0][0]  # type: ignore[index]
    assert button["request_location"] is True
    sandbox.send_location(ana, -23.55, -46.63)  # São Paulo
    done = await sandbox.wait_for_message(ana.id, timeout=10)
    assert "America/Sao_Paulo" in done.content
    assert done.reply_markup == {"remove_keyboard": True}
    assert (await harness.service.zone_of(ana.id)).label == "America/Sao_Paulo"  # type: ignore[union-attr]
    # With a zone, no more offers.
    assert USE_LOCATION not in [
        b.get("callback_data") for b in (await harness.ask(ana, "/start")).buttons()
    ]

    kim = sandbox.create_user("Kim", language_code="de")
    subscribed = await harness.ask(kim, "/subscribe")
    assert "tz:Europe/Berlin" in [b["callback_data"] for b in subscribed.buttons()]
    await harness.press(kim, subscribed, TYPE_CITY)
    prompt = await sandbox.wait_for_message(kim.id, timeout=10)
    assert prompt.reply_markup is not None and prompt.reply_markup.get("force_reply") is True
    sandbox.send(kim, "Zürich", reply_to=prompt)
    confirmation = await sandbox.wait_for_message(kim.id, timeout=10)
    assert "Time zone set to Europe/Zurich" in confirmation.content


async def test_first_dates_offers_the_zone_once(harness: Harness) -> None:
    lee = harness.sandbox.create_user("Lee", language_code="zh-hans")
    first = await harness.ask(lee, "/dates")
    assert "tz:Asia/Shanghai" in [b["callback_data"] for b in first.buttons()]
    second = await harness.ask(lee, "/dates")
    assert second.buttons() == []


async def test_in_a_group_only_admins_set_the_zone_by_typing_a_city(harness: Harness) -> None:
    sandbox = harness.sandbox
    chair, member = sandbox.create_user("Chair"), sandbox.create_user("Member")
    group = sandbox.create_group("Authors", members=[member], admins=[chair])
    shown = await harness.ask(member, "/timezone", chat=group)
    data = [b["callback_data"] for b in shown.buttons()]
    assert TYPE_CITY in data and USE_LOCATION not in data  # no location button in a group
    refused = await harness.press(member, shown, TYPE_CITY, check=False)
    assert refused.get("show_alert") and "admins" in str(refused.get("text"))
    forged = await harness.press(member, shown, USE_LOCATION, check=False)
    assert forged.get("text") == "This button is no longer valid"
    await harness.press(chair, shown, TYPE_CITY)
    prompt = await sandbox.wait_for_message(group.id, timeout=10)
    sandbox.send(member, "Tokyo", chat=group, reply_to=prompt)
    answer = await sandbox.wait_for_message(group.id, timeout=10)
    assert "admins" in answer.content
    assert await harness.service.zone_of(group.id) is None
    sandbox.send(chair, "Tokyo", chat=group, reply_to=prompt)
    confirmation = await sandbox.wait_for_message(group.id, timeout=10)
    assert "Time zone set to Asia/Tokyo" in confirmation.content
