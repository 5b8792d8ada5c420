"""Several series in one bot: follow, unfollow, defaults, deep links, per-series admins,
and reminders of both series to one chat with no duplicate and no flood-limit breach."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.domain.clock import FixedClock
from bot.domain.config import load_events
from bot.sandbox.limits import Limits
from bot.sandbox.server import Sandbox
from tests.e2e.conftest import E2E_NOW, Harness

pytestmark = pytest.mark.sandbox(bot_username="deadline_test_bot", limits=Limits.scaled(10))

EURO_ADMIN = 4242
MLSYS_ADMIN = 5151
OPERATOR = 9090
"""The bot's operator (``ADMIN_IDS``): administers every series."""


@pytest.fixture
async def two(sandbox: Sandbox, db_url: str, tmp_path: Path) -> AsyncIterator[Harness]:
    """EuroMLSys 2026 (organizer 4242) and MLSys 2026 (organizer 5151); operator 9090."""
    config = tmp_path / "config"
    config.mkdir()
    shipped = Path("config/euromlsys2026.yaml").read_text(encoding="utf-8")
    (config / "euromlsys2026.yaml").write_text(
        shipped + f"\nadmins: [{EURO_ADMIN}]\n", encoding="utf-8"
    )
    mlsys = Path(__file__).with_name("data") / "mlsys2026.yaml"
    (config / "mlsys2026.yaml").write_text(mlsys.read_text(encoding="utf-8"), encoding="utf-8")
    h = Harness(
        sandbox,
        db_url,
        FixedClock(E2E_NOW),
        load_events(config),
        frozenset({OPERATOR}),
        config_path=config,
    )
    await h.start()
    try:
        yield h
    finally:
        if h.bot is not None:
            await h.bot.shutdown()


async def test_follow_unfollow_and_the_default_event(two: Harness) -> None:
    sam = two.sandbox.create_user("Sam")
    listing = await two.ask(sam, "/events")
    assert "EuroMLSys 2026" in listing.content and "MLSys 2026" in listing.content
    assert "Paper submission deadline" in listing.content  # each with its next date
    # No follow, no choice: the bot asks, and remembers the answer.
    ask = await two.ask(sam, "/dates")
    assert "Which event?" in ask.content
    await two.press(sam, ask, "pick:dates:mlsys")
    picked = await two.sandbox.wait_for_message(sam.id, timeout=10)
    assert "MLSys 2026: key dates" in picked.content and "EuroMLSys" not in picked.content
    assert "MLSys 2026: key dates" in (await two.ask(sam, "/dates")).content
    # Following exactly one series makes it the default.
    follow = await two.ask(sam, "/follow euromlsys")
    assert "Following" in follow.content and "EuroMLSys 2026" in follow.content
    assert "EuroMLSys 2026: key dates" in (await two.ask(sam, "/dates")).content
    # An explicit event answers for it, whatever the default.
    assert "MLSys 2026: key dates" in (await two.ask(sam, "/dates mlsys")).content
    topics = await two.ask(sam, "/topics euromlsys")
    assert "Scheduling algorithms" in topics.content
    # Buttons: follow the second one from /events, then /unfollow it.
    listing = await two.ask(sam, "/events")
    await two.press(sam, listing, "follow:mlsys")
    assert "Following" in (await two.sandbox.wait_for_message(sam.id, timeout=10)).content
    assert set(await two.service.following(sam.id)) == {"euromlsys", "mlsys"}
    # Following several: the one it chose last (here: by following it).
    assert "MLSys 2026: key dates" in (await two.ask(sam, "/dates")).content
    assert "EuroMLSys 2026" in (await two.ask(sam, "/next euromlsys")).content
    assert "EuroMLSys 2026: key dates" in (await two.ask(sam, "/dates")).content
    gone = await two.ask(sam, "/unfollow mlsys")
    assert "no longer follow" in gone.content
    assert await two.service.following(sam.id) == ["euromlsys"]
    unknown = await two.ask(sam, "/follow neurips")
    assert "I know:" in unknown.content and "mlsys" in unknown.content


async def test_a_deep_link_follows_and_opens_the_series(two: Harness) -> None:
    tia = two.sandbox.create_user("Tia")
    hello = await two.ask(tia, "/start")
    assert "The events I know" in hello.content and "MLSys 2026" in hello.content
    followed = await two.ask(tia, "/start mlsys")
    assert "Following" in followed.content and "MLSys 2026" in followed.content
    opened = await two.sandbox.wait_for_message(tia.id, timeout=10)
    assert "MLSys 2026: key dates" in opened.content
    assert await two.service.following(tia.id) == ["mlsys"]


async def test_admins_act_on_their_own_series_only(two: Harness) -> None:
    sandbox = two.sandbox
    fan, other = sandbox.create_user("Fan"), sandbox.create_user("Other")
    assert "Following" in (await two.ask(fan, "/follow mlsys")).content
    assert "Following" in (await two.ask(other, "/follow euromlsys")).content
    olivia = sandbox.create_user("Olivia", user_id=EURO_ADMIN)
    mark = sandbox.create_user("Mark", user_id=MLSYS_ADMIN)
    refused = await two.ask(olivia, "/post mlsys Our program is online")
    assert "not an organizer of" in refused.content and "MLSys 2026" in refused.content
    assert "not an organizer" in (await two.ask(mark, "/stats euromlsys")).content
    stats = await two.ask(olivia, "/stats")
    assert "EuroMLSys 2026" in stats.content
    preview = await two.ask(mark, "/post The MLSys program is online")
    assert "The MLSys program is online" in preview.content
    controls = await sandbox.wait_for_message(mark.id, timeout=10)
    send = next(
        b["callback_data"]
        for row in controls.reply_markup["inline_keyboard"]
        for b in row
        if str(b.get("callback_data", "")).startswith("post:send:")
    )
    await two.press(mark, controls, send)
    await two.runtime.engine.wait_idle(timeout=30)
    got = [m.content for m in sandbox.bot_messages(fan.id) if "program is online" in m.content]
    assert len(got) == 1 and "MLSys 2026" in got[0]
    assert not [m for m in sandbox.bot_messages(other.id) if "program is online" in m.content]
    found = await two.runtime.db.outbox.list_broadcasts(event_id="mlsys2026")
    (news,) = [b for b in found if b.kind == "news"]
    assert "not an organizer" in (await two.ask(olivia, f"/cancel {news.id}")).content
    listed = await two.ask(mark, "/broadcasts")
    assert f"#{news.id}" in listed.content
    assert f"#{news.id}" not in (await two.ask(olivia, "/broadcasts")).content
    audit = await two.ask(olivia, "/audit")
    assert "tried /post: refused (not an organizer of mlsys)" in audit.content


async def test_reminders_of_two_series_reach_one_chat_once_each_within_limits(
    two: Harness,
) -> None:
    sandbox = two.sandbox
    uma = sandbox.create_user("Uma")
    for series in ("euromlsys", "mlsys"):
        assert "Following" in (await two.ask(uma, f"/follow {series}")).content
    group = sandbox.create_group("Reading group", members=[uma], admins=[uma])
    for series in ("euromlsys", "mlsys"):
        reply = await two.ask(uma, f"/follow {series}", chat=group)
        assert "Following" in reply.content
    reminders = two.runtime.reminders
    before = sandbox.counters.total_429
    for _ in range(2):  # a repeated firing (a restart, a catch-up) adds nothing
        await reminders.fire("euromlsys2026:paper:3h")
        await reminders.fire("mlsys2026:paper:3h")
        await reminders.fire("euromlsys2026:paper:1d")
        await reminders.fire("mlsys2026:paper:1d")
    await two.runtime.engine.wait_idle(timeout=60)
    for chat in (uma.id, group.id):
        texts = [m.content for m in sandbox.bot_messages(chat) if m.content.startswith("⏰")]
        assert len(texts) == 4, texts
        assert sum("(EuroMLSys 2026)" in t for t in texts) == 2
        assert sum("(MLSys 2026)" in t for t in texts) == 2
    assert sandbox.counters.total_429 == before  # paced under every per-chat limit
    assert dt.datetime(2026, 2, 16, 11, 59, tzinfo=dt.UTC) > two.clock.now()


async def test_inline_cards_name_their_series(two: Harness) -> None:
    sandbox = two.sandbox
    kim = sandbox.create_user("Kim")
    answer = await sandbox.wait_for_answer(sandbox.inline_query(kim, "mlsys"), timeout=10)
    assert answer["results"][0]["title"] == "MLSys 2026: key dates"
    link = answer["results"][0]["reply_markup"]["inline_keyboard"][0][0]["url"]
    assert link.endswith("?start=mlsys")  # the card's button follows that series
    answer = await sandbox.wait_for_answer(
        sandbox.inline_query(kim, "euromlsys graph neural nets"), timeout=10
    )
    assert answer["results"][0]["title"] == "Graph neural networks"


async def test_settings_buttons_act_on_the_series_they_show(two: Harness) -> None:
    ray = two.sandbox.create_user("Ray")
    for series in ("euromlsys", "mlsys"):
        assert "Following" in (await two.ask(ray, f"/follow {series}")).content
    shown = await two.ask(ray, "/settings mlsys")
    assert "MLSys 2026: your reminders" in shown.content
    assert "EuroMLSys 2026" in (await two.ask(ray, "/dates euromlsys")).content  # now the default
    await two.press(ray, shown, "mode:deadlines:mlsys")  # the older message still says mlsys
    await two.press(ray, shown, "mute:paper:mlsys")
    assert await two.service.reminder_choices(ray.id, "mlsys") == (True, "deadlines", {"paper"})
    assert await two.service.reminder_choices(ray.id, "euromlsys") == (True, "all", set())


async def test_a_plain_question_names_its_series_or_gets_the_default(two: Harness) -> None:
    zoe = two.sandbox.create_user("Zoe")
    assert "Following" in (await two.ask(zoe, "/follow euromlsys")).content
    named = await two.ask(zoe, "When is the MLSys deadline?")
    assert "MLSys 2026" in named.content and "EuroMLSys" not in named.content
    default = await two.ask(zoe, "when is the paper deadline?")
    assert "EuroMLSys 2026" in default.content


async def test_help_about_and_timezone_speak_of_what_the_chat_follows(two: Harness) -> None:
    sam = two.sandbox.create_user("Sam")
    helped = await two.ask(sam, "/help")
    assert "You follow none of the 2 events" in helped.content and "/events" in helped.content
    ask = await two.ask(sam, "/about")  # no default yet: which one?
    assert "Which event?" in ask.content
    await two.press(sam, ask, "pick:about:mlsys")
    about = await two.sandbox.wait_for_message(sam.id, timeout=10)
    assert "deadline-bot for MLSys 2026" in about.content and "/events" in about.content
    for series in ("euromlsys", "mlsys"):
        assert "Following" in (await two.ask(sam, f"/follow {series}")).content
    helped = await two.ask(sam, "/help")
    assert "You follow EuroMLSys 2026, MLSys 2026." in helped.content
    assert "Commands answer for MLSys 2026" in helped.content  # followed last: the default
    assert "/dates euromlsys" in helped.content and "/settings" in helped.content
    assert "deadline-bot for MLSys 2026" in (await two.ask(sam, "/about")).content
    named = await two.ask(sam, "/about euromlsys")  # names it: the default from now on
    assert "deadline-bot for EuroMLSys 2026" in named.content
    zone = await two.ask(sam, "/timezone Europe/Berlin")
    assert "Time zone set to Europe/Berlin" in zone.content
    assert "Next for EuroMLSys 2026: Paper submission deadline" in zone.content
    assert "Mon 16 Feb 2026, 12:59" in zone.content  # 23:59 AoE in Berlin
    lea = two.sandbox.create_user("Lea")
    assert "Following" in (await two.ask(lea, "/follow mlsys")).content
    zone = await two.ask(lea, "/timezone Asia/Tokyo")
    assert "Next for MLSys 2026" in zone.content and "EuroMLSys" not in zone.content
    kai = two.sandbox.create_user("Kai")  # follows nothing: no series is named
    zone = await two.ask(kai, "/timezone Asia/Tokyo")
    assert "Time zone set to Asia/Tokyo" in zone.content and "Next for" not in zone.content


async def test_suggestions_answer_for_the_series_the_question_named(two: Harness) -> None:
    zoe = two.sandbox.create_user("Zoe")
    for series in ("mlsys", "euromlsys"):
        assert "Following" in (await two.ask(zoe, f"/follow {series}")).content
    unsure = await two.ask(zoe, "tell me about the MLSys thing")
    assert "not sure what you are asking about MLSys 2026" in unsure.content
    data = [b["callback_data"] for b in unsure.buttons()]
    assert "ask:deadline:mlsys" in data and all(d.endswith(":mlsys") for d in data)
    await two.press(zoe, unsure, "ask:deadline:mlsys")
    answer = await two.sandbox.wait_for_message(zoe.id, timeout=10)
    assert "MLSys 2026" in answer.content and "EuroMLSys" not in answer.content
    assert "Paper submission deadline" in answer.content
    unsure = await two.ask(zoe, "tell me about the thing")  # names none: the default's
    assert "ask:topics:euromlsys" in [b["callback_data"] for b in unsure.buttons()]
    await two.press(zoe, unsure, "ask:topics:euromlsys")
    topics = await two.sandbox.wait_for_message(zoe.id, timeout=10)
    assert "EuroMLSys 2026" in topics.content and "Scheduling algorithms" in topics.content


def _move_paper(config: Path, name: str, to: str) -> None:
    path = config / name
    text = path.read_text(encoding="utf-8")
    moved = text.replace(
        "    at: 2026-02-15 23:59 AoE\n",
        f"    at: {to}\n    extended_from: [2026-02-15 23:59 AoE]\n",
        1,
    )
    assert moved != text
    path.write_text(moved, encoding="utf-8")


async def test_reload_reads_the_organizers_own_series_and_the_operator_reads_all(
    two: Harness,
) -> None:
    sandbox = two.sandbox
    config = two.config_path
    fan, other = sandbox.create_user("Fan"), sandbox.create_user("Other")
    assert "Following" in (await two.ask(fan, "/follow mlsys")).content
    assert "Following" in (await two.ask(other, "/follow euromlsys")).content
    _move_paper(config, "mlsys2026.yaml", "2026-02-20 23:59 AoE")
    _move_paper(config, "euromlsys2026.yaml", "2026-02-22 23:59 AoE")
    olivia = sandbox.create_user("Olivia", user_id=EURO_ADMIN)
    mark = sandbox.create_user("Mark", user_id=MLSYS_ADMIN)
    operator = sandbox.create_user("Opal", user_id=OPERATOR)

    menu = await two.ask(mark, "/admin")  # the organizer's own series, not the bot's first
    assert "MLSys 2026: organizer commands" in menu.content and "EuroMLSys" not in menu.content
    menu = await two.ask(operator, "/admin")
    assert "Yours: EuroMLSys 2026, MLSys 2026" in menu.content and "I ask which" in menu.content
    refused = await two.ask(olivia, "/reload mlsys")
    assert "not an organizer of" in refused.content and "MLSys 2026" in refused.content
    mine = await two.ask(mark, "/reload")
    assert "the files of MLSys 2026 only" in mine.content
    assert "Moved: mlsys2026:paper" in mine.content and "euromlsys2026" not in mine.content
    assert "ADMIN_IDS" in mine.content  # who reloads every event
    notice = await sandbox.wait_for_message(
        fan.id, timeout=15, predicate=lambda m: m.content.startswith("📣")
    )
    assert "MLSys 2026" in notice.content and "Fri 20 Feb 2026" in notice.content
    # EuroMLSys's edited file is not taken up by MLSys's organizer.
    assert "Sun 15 Feb 2026" in (await two.ask(other, "/next")).content
    assert "Sun 15 Feb 2026" in (await two.ask(olivia, "/next euromlsys")).content

    everything = await two.ask(operator, "/reload")
    assert "every event's files (EuroMLSys 2026, MLSys 2026)" in everything.content
    assert "Moved: euromlsys2026:paper" in everything.content
    assert "mlsys2026:paper" not in everything.content.replace("euromlsys2026:paper", "")
    assert "ADMIN_IDS" not in everything.content
    await sandbox.wait_for_message(
        other.id, timeout=15, predicate=lambda m: m.content.startswith("📣")
    )
    assert "Sun 22 Feb 2026" in (await two.ask(other, "/next")).content
    again = await two.ask(olivia, "/reload")
    assert "the files of EuroMLSys 2026 only, nothing moved, nothing sent" in again.content
    await two.idle()
    for person in (fan, other):  # each notice once, to its series' followers only
        notices = [m for m in sandbox.bot_messages(person.id) if m.content.startswith("📣")]
        assert len(notices) == 1
    audit = await two.ask(operator, "/audit")
    assert "reloaded the files of mlsys; moved: mlsys2026:paper" in audit.content
    assert "reloaded the config; moved: euromlsys2026:paper" in audit.content
