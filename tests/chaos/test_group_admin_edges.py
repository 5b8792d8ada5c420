"""Groups under hostile members, and replies while Telegram fails 30% of the time.

* Only a group's admins change its time zone (command and buttons), as with subscriptions.
* An organizer's /stats in a group does not show the numbers to every member.
* While 30% of sendMessage calls fail with HTTP 500, every reply still arrives, once.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram.error import BadRequest, NetworkError, TimedOut

from bot.delivery import PriorityRateLimiter
from bot.delivery.limiter import is_server_error
from bot.domain.clock import FixedClock
from bot.domain.config import load_events
from bot.domain.model import Event
from bot.domain.times import parse_zone
from bot.render import subscribers as subscriber_text
from bot.sandbox.limits import Limits
from bot.sandbox.server import Sandbox
from tests.e2e.conftest import E2E_NOW, Harness

pytestmark = pytest.mark.sandbox(bot_username="deadline_test_bot", limits=Limits.scaled(10))

ORGANIZER_ID = 4242


@pytest.fixture
async def h(sandbox: Sandbox, db_url: str) -> AsyncIterator[Harness]:
    events: tuple[Event, ...] = load_events("config")
    harness = Harness(sandbox, db_url, FixedClock(E2E_NOW), events, frozenset({ORGANIZER_ID}))
    await harness.start()
    try:
        yield harness
    finally:
        if harness.bot is not None:
            await harness.bot.shutdown()


async def test_only_group_admins_change_the_group_time_zone(h: Harness) -> None:
    sandbox = h.sandbox
    chair, member = sandbox.create_user("Chair"), sandbox.create_user("Member")
    group = sandbox.create_group("Authors", members=[member], admins=[chair])
    refused = await h.ask(member, "/timezone Asia/Tokyo", chat=group)
    assert refused.content == subscriber_text.group_zone_admins_only().text
    assert "Tokyo" not in str(await h.service.zone_of(group.id))
    # A zone button pressed by a member is refused too (with an alert), and changes nothing.
    choice = subscriber_text.timezone_choices("Tokyo", ["Asia/Tokyo"])
    data = choice.buttons[0][0].data
    assert data is not None
    answer = await h.press(member, refused, data, check=False)
    assert answer.get("show_alert") and "admins" in str(answer.get("text"))
    assert "Tokyo" not in str(await h.service.zone_of(group.id))
    # The group's admin may; anyone may ask what the zone is.
    accepted = await h.ask(chair, "/timezone Asia/Tokyo", chat=group)
    assert "Asia/Tokyo" in accepted.content or "Tokyo" in accepted.content
    assert await h.service.zone_of(group.id) == parse_zone("Asia/Tokyo")
    shown = await h.ask(member, "/timezone", chat=group)
    assert "Tokyo" in shown.content
    # In a private chat a person still sets their own zone.
    own = await h.ask(member, "/timezone Europe/Paris")
    assert "Paris" in own.content


async def test_admin_stats_in_a_group_points_to_a_private_chat(h: Harness) -> None:
    sandbox = h.sandbox
    organizer = sandbox.create_user("Olivia", user_id=ORGANIZER_ID)
    member = sandbox.create_user("Member")
    group = sandbox.create_group("Authors", members=[member, organizer], admins=[organizer])
    for person in (sandbox.create_user(f"S{i}") for i in range(3)):
        assert "Subscribed" in (await h.ask(person, "/subscribe")).content
    reply = await h.ask(organizer, "/stats", chat=group)
    assert reply.content == subscriber_text.private_only("stats", "deadline_test_bot").text
    assert "Subscribers" not in reply.content
    private = await h.ask(organizer, "/stats")
    assert "Subscribers: 3 active" in private.content


async def test_replies_arrive_once_while_telegram_fails_30_percent(h: Harness) -> None:
    sandbox = h.sandbox
    sandbox.faults.reseed(18)
    rule = sandbox.faults.random(0.3, status=500, method="sendMessage")
    people = [sandbox.create_user(f"P{i}") for i in range(4)]
    asked = 0
    for person in people:
        for words in ("/next", "/dates", "/topics", "/next", "/help"):
            sandbox.send(person, words)
            asked += 1
            await sandbox.wait_for_message(person.id, timeout=30)
    sandbox.faults.clear()
    assert rule.hits > 0  # the faults did fire
    for person in people:
        replies = sandbox.bot_messages(person.id)
        assert len(replies) == 5, [m.content[:30] for m in replies]
        assert not any("Something went wrong" in m.content for m in replies)
    limiter = h.runtime.application.bot.rate_limiter
    assert isinstance(limiter, PriorityRateLimiter)
    assert limiter.stats.server_error_retries == rule.hits  # every failure tried again, once


@pytest.mark.parametrize(
    ("error", "retried"),
    [
        (NetworkError("Internal Server Error"), True),  # HTTP 500
        (NetworkError("Bad Gateway"), True),  # HTTP 502
        (NetworkError("httpx.RemoteProtocolError: closed"), False),  # maybe delivered
        (TimedOut(), False),  # maybe delivered
        (BadRequest("chat not found"), False),
    ],
)
def test_only_server_errors_are_retried(error: Exception, retried: bool) -> None:
    assert is_server_error(error) is retried
