"""Organizer news end to end: preview, one confirmation, delivery with formatting, report."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import pytest

from bot.domain.clock import FixedClock
from bot.domain.model import Event
from bot.sandbox.limits import Limits
from bot.sandbox.server import Sandbox
from bot.sandbox.world import TranscriptMessage, User
from bot.services.subscribers import ChatInfo
from tests.e2e.conftest import E2E_NOW, Harness

pytestmark = pytest.mark.sandbox(bot_username="deadline_test_bot", limits=Limits.scaled(10))

CHAIR, WEB_CHAIR = 5001, 5002


@pytest.fixture
async def newsroom(
    sandbox: Sandbox, db_url: str, shipped_events: tuple[Event, ...]
) -> AsyncIterator[Harness]:
    h = Harness(
        sandbox,
        db_url,
        FixedClock(E2E_NOW),
        shipped_events,
        admin_ids=frozenset({CHAIR, WEB_CHAIR}),
    )
    await h.start()
    try:
        yield h
    finally:
        if h.bot is not None:
            await h.bot.shutdown()


async def subscribers(h: Harness, count: int) -> list[User]:
    people = [h.sandbox.create_user(f"Reader{i}") for i in range(count)]
    for person in people:
        await h.runtime.subscribers.subscribe(ChatInfo(person.id, "private"))
    return people


def news_in(sandbox: Sandbox, user: User) -> list[TranscriptMessage]:
    return [m for m in sandbox.bot_messages(user.id) if m.content.startswith("📣")]


async def preview(
    h: Harness, admin: User, text: str, entities: list[dict] | None = None
) -> TranscriptMessage:
    """Send /post as ``admin``; return the message with the Send button."""
    h.sandbox.send(admin, text, entities=entities)
    await h.sandbox.wait_for_message(admin.id, timeout=10)  # the preview itself
    return await h.sandbox.wait_for_message(
        admin.id,
        timeout=10,
        predicate=lambda m: any("post:send" in b.get("callback_data", "") for b in m.buttons()),
    )


def send_button(message: TranscriptMessage) -> str:
    return next(
        b["callback_data"] for b in message.buttons() if b["callback_data"].startswith("post:send")
    )


async def finished_status(h: Harness, admin: User, status: TranscriptMessage) -> str:
    conv = h.sandbox.world.conversation(h.sandbox.bot, admin.id)

    def finished() -> str | None:
        current = conv.by_id[status.message_id].content
        return current if "finished" in current else None

    return await h.sandbox.wait_until(finished, within=60, what="the status to finish")


async def test_an_admin_posts_formatted_news_once_to_every_active_subscriber(
    newsroom: Harness,
) -> None:
    h, sandbox = newsroom, newsroom.sandbox
    readers = await subscribers(h, 12)
    blocked = readers[-1]
    sandbox.block(blocked)
    await h.idle()
    chair = sandbox.create_user("Chair", user_id=CHAIR)
    text = "/post The program is online! Details here"
    entities = [
        {"type": "bot_command", "offset": 0, "length": 5},
        {"type": "bold", "offset": 6, "length": 22},
        {"type": "text_link", "offset": 37, "length": 4, "url": "https://www.euromlsys.eu/program"},
    ]
    controls = await preview(h, chair, text, entities)
    previewed = sandbox.bot_messages(chair.id)[-2]
    assert previewed.entity_texts("bold")[-1] == "The program is online!"
    assert "Send to 11 subscribers" in controls.buttons()[0]["text"]
    send = send_button(controls)
    answer = await h.press(chair, controls, send)
    assert "Sending to 11" in str(answer.get("text"))
    report = await finished_status(h, chair, controls)
    assert "11 delivered" in report and "0 failed" in report
    for reader in readers[:-1]:
        (received,) = news_in(sandbox, reader)
        assert "The program is online!" in received.entity_texts("bold")
        assert any(e.get("url") == "https://www.euromlsys.eu/program" for e in received.entities)
    assert news_in(sandbox, blocked) == []
    again = await h.press(chair, controls, send, check=False)  # a double tap
    assert "nothing more was sent" in str(again.get("text"))
    await h.idle()
    assert all(len(news_in(sandbox, r)) == 1 for r in readers[:-1])
    latest = await h.ask(readers[0], "/news")
    assert "The program is online!" in latest.content


async def test_a_non_admin_post_is_refused_and_audited(newsroom: Harness) -> None:
    mallory = newsroom.sandbox.create_user("Mallory")
    reply = await newsroom.ask(mallory, "/post Free pizza")
    assert "for the organizers" in reply.content
    entries = await newsroom.runtime.db.audit.latest(5)
    assert (entries[0].user_id, entries[0].action, entries[0].outcome) == (
        mallory.id,
        "post",
        "refused",
    )
    news = await newsroom.ask(mallory, "/news Free pizza")  # /news with text is not a post for them
    assert "The workshop website is up!" in news.content


async def test_two_admins_drafts_do_not_mix(newsroom: Harness) -> None:
    h, sandbox = newsroom, newsroom.sandbox
    (reader,) = await subscribers(h, 1)
    chair = sandbox.create_user("Chair", user_id=CHAIR)
    web = sandbox.create_user("Web", user_id=WEB_CHAIR)
    chair_controls = await preview(h, chair, "/post From the chair")
    web_controls = await preview(h, web, "/news From the web chair")
    # The web chair cannot send the chair's draft.
    refused = await h.press(web, chair_controls, send_button(chair_controls))
    assert "nothing more was sent" in str(refused.get("text"))
    await h.press(web, web_controls, send_button(web_controls))
    await finished_status(h, web, web_controls)
    await h.press(chair, chair_controls, send_button(chair_controls))
    await finished_status(h, chair, chair_controls)
    texts = [m.content for m in news_in(sandbox, reader)]
    assert sorted(t.split("\n")[-1] for t in texts) == ["From the chair", "From the web chair"]


async def test_hostile_and_long_news_is_delivered_intact_and_split(newsroom: Harness) -> None:
    h, sandbox = newsroom, newsroom.sandbox
    (reader,) = await subscribers(h, 1)
    chair = sandbox.create_user("Chair", user_id=CHAIR)
    body = "Tags <b> & </b> stay text. " + "z" * 5000
    controls = await preview(h, chair, f"/post {body}")
    await h.press(chair, controls, send_button(controls))
    await finished_status(h, chair, controls)
    parts = [m.content for m in sandbox.bot_messages(reader.id)]
    assert len(parts) == 2
    joined = parts[0] + parts[1]
    assert "Tags <b> & </b> stay text." in joined
    assert joined.count("z") == 5000


async def test_replying_post_to_a_formatted_message_announces_it(newsroom: Harness) -> None:
    h, sandbox = newsroom, newsroom.sandbox
    (reader,) = await subscribers(h, 1)
    chair = sandbox.create_user("Chair", user_id=CHAIR)
    draft = sandbox.send(
        chair,
        "Deadline extended to 22 Feb",
        entities=[{"type": "italic", "offset": 0, "length": 17}],
    )
    sandbox.send(chair, "/post", reply_to=draft)
    controls = await sandbox.wait_for_message(
        chair.id,
        timeout=10,
        predicate=lambda m: any("post:send" in b.get("callback_data", "") for b in m.buttons()),
    )
    await h.press(chair, controls, send_button(controls))
    await finished_status(h, chair, controls)
    (received,) = news_in(sandbox, reader)
    assert received.entity_texts("italic") == ["Deadline extended"]


async def test_a_scheduled_post_waits_survives_a_restart_and_goes_out_once(
    newsroom: Harness,
) -> None:
    h, sandbox = newsroom, newsroom.sandbox
    readers = await subscribers(h, 3)
    chair = sandbox.create_user("Chair", user_id=CHAIR)
    controls = await preview(h, chair, "/post at 2026-02-13 09:00 UTC\nSubmission site opens today")
    assert "Schedule for 3 subscribers" in controls.buttons()[0]["text"]
    assert "Fri 13 Feb 2026, 09:00 UTC" in controls.content
    await h.press(chair, controls, send_button(controls))
    await h.idle()  # its rows wait in the outbox, not due yet
    assert all(news_in(sandbox, r) == [] for r in readers)
    latest = await h.ask(readers[0], "/news")
    assert "Submission site opens" not in latest.content  # not published before its time
    await h.restart()
    assert isinstance(h.clock, FixedClock)
    h.clock.set(h.clock.now() + dt.timedelta(days=2))
    await sandbox.wait_until(
        lambda: all(news_in(sandbox, r) for r in readers) or None, within=60, what="the post"
    )
    await h.idle()
    assert all(len(news_in(sandbox, r)) == 1 for r in readers)


async def test_a_past_or_malformed_schedule_is_refused(newsroom: Harness) -> None:
    chair = newsroom.sandbox.create_user("Chair", user_id=CHAIR)
    one_line = "/post at 2026-02-20 09:00 Europe/Berlin The program is online"
    for text in (one_line, "/post at 2026-02-20 09:00 UTC"):  # text on the time's line; none
        reply = await newsroom.ask(chair, text)
        assert "put the time alone on the first line" in reply.content, reply.content
        assert "/post at 2026-02-20 09:00 Europe/Berlin\nThe program is online!" in reply.content
    past = await newsroom.ask(chair, "/post at 2026-01-01 09:00 UTC\nToo late")
    assert "has passed" in past.content
    wrong = await newsroom.ask(chair, "/post at 2026-02-31 09:00 UTC\nNo such day")
    assert "not a calendar date" in wrong.content


async def test_audit_names_people_and_says_what_they_did_in_words(newsroom: Harness) -> None:
    h, sandbox = newsroom, newsroom.sandbox
    await subscribers(h, 2)
    chair = sandbox.create_user("Chair", username="the_chair", user_id=CHAIR)
    await h.ask(chair, "/start")  # the bot now knows the chair's name
    controls = await preview(h, chair, "/post Camera-ready instructions are online")
    await h.press(chair, controls, send_button(controls))
    await finished_status(h, chair, controls)
    mallory, stranger = sandbox.create_user("Mallory"), sandbox.create_user("Stranger")
    await h.ask(mallory, "/start")
    await h.ask(mallory, "/reload")
    await h.ask(stranger, "/extend paper 2026-03-01")  # never met: known by id only
    log = (await h.ask(chair, "/audit")).content
    assert "Chair (@the_chair) posted news #" in log and "to 2 chats (broadcast #" in log
    assert "Mallory tried /reload: refused (not an admin)" in log
    assert f"user {stranger.id} tried /extend: refused" in log
    assert "{" not in log and str(CHAIR) not in log  # no JSON, no raw id where a name is known
