"""The engine when Telegram says no: 429, 403, 5xx, lost answers, timeouts, migration, bad HTML."""

from __future__ import annotations

import pytest

from bot.delivery import DeliveryLimits, PriorityRateLimiter, RetryPolicy
from bot.sandbox.faults import FaultRule
from bot.sandbox.limits import Limits
from tests.delivery.conftest import EVENT, Rig, make_bot

pytestmark = pytest.mark.sandbox(limits=Limits.scaled(10))


@pytest.mark.sandbox(limits=Limits.off())
async def test_429_is_obeyed_and_nothing_is_lost(rig: Rig) -> None:
    # Telegram answers 429 to three sends (whatever the machine's speed): the bot pauses
    # for retry_after, retries, and everyone still gets exactly one message.
    ids = [p.id for p in await rig.users(60)]
    rig.sandbox.faults.add(FaultRule("error", status=429, method="sendMessage", remaining=3))
    bot = await make_bot(rig.sandbox, DeliveryLimits.off())
    try:
        engine = rig.engine(bot=bot, workers=16)
        await engine.start()
        broadcast_id = await engine.enqueue(EVENT, "news", "n1", 42, rig.rows(ids))
        broadcast = await engine.wait_finished(broadcast_id, timeout=60)
        await engine.stop(2)
    finally:
        await bot.shutdown()
    assert rig.sandbox.counters.statuses[429] == 3
    limiter = bot.rate_limiter
    assert isinstance(limiter, PriorityRateLimiter) and limiter.stats.retry_after == 3
    assert rig.received(ids) == {c: 1 for c in ids}
    assert broadcast.report is not None and broadcast.report["delivered"] == 60


async def test_blocked_and_deactivated_are_never_retried(rig: Rig) -> None:
    people = await rig.users(20)
    ids = [p.id for p in people]
    for person in people[:3]:
        rig.sandbox.block(person)
    for person in people[3:5]:
        rig.sandbox.deactivate(person)
    engine = rig.engine()
    await engine.start()
    first = await engine.enqueue(EVENT, "news", "n1", 42, rig.rows(ids))
    broadcast = await engine.wait_finished(first, timeout=20)

    assert rig.sandbox.counters.requests["sendMessage"] == 20  # one try each, no retries
    assert rig.received(ids) == {c: (0 if c in ids[:5] else 1) for c in ids}
    for chat_id, reason in [(ids[0], "blocked"), (ids[3], "deactivated")]:
        chat = await rig.db.chats.get_chat(chat_id)
        assert chat is not None and not chat.active and chat.inactive_reason == reason
    report = broadcast.report
    assert report is not None
    assert (report["delivered"], report["blocked"], report["deactivated"]) == (15, 3, 2)
    statuses = {r.chat_id: r.status for r in await rig.db.outbox.rows_for(first)}
    assert [statuses[c] for c in ids[:5]] == ["blocked"] * 5

    # The next broadcast skips the unreachable chats without asking Telegram.
    second = await engine.enqueue(EVENT, "news", "n2", 42, rig.rows(ids, ref="news-2"))
    report2 = (await engine.wait_finished(second, timeout=20)).report
    assert report2 is not None and (report2["delivered"], report2["skipped"]) == (15, 5)
    assert rig.sandbox.counters.requests["sendMessage"] == 35


async def test_5xx_storm_delivers_everything_exactly_once(rig: Rig) -> None:
    ids = [p.id for p in await rig.users(150)]
    rig.sandbox.faults.random(0.3, status=502, method="sendMessage", phase="before")
    rig.sandbox.faults.reseed(7)
    engine = rig.engine()
    await engine.start()
    broadcast_id = await engine.enqueue(EVENT, "news", "n1", 42, rig.rows(ids))
    broadcast = await engine.wait_finished(broadcast_id, timeout=40)

    assert rig.sandbox.counters.faults["error"] > 20
    assert rig.received(ids) == {c: 1 for c in ids}
    assert broadcast.report is not None and broadcast.report["delivered"] == 150
    rows = await rig.db.outbox.rows_for(broadcast_id)
    assert max(r.attempts for r in rows) > 1


async def test_chat_not_found_fails_at_once(rig: Rig) -> None:
    ids = [p.id for p in await rig.users(2)]
    engine = rig.engine()
    await engine.start()
    broadcast_id = await engine.enqueue(EVENT, "news", "n1", 42, rig.rows([*ids, 999_999_999]))
    report = (await engine.wait_finished(broadcast_id, timeout=20)).report
    assert report is not None
    assert (report["delivered"], report["failed"]) == (2, 1)
    assert report["failed_reasons"] == {"Chat not found": 1}
    rows = {r.chat_id: r for r in await rig.db.outbox.rows_for(broadcast_id)}
    assert rows[999_999_999].status == "failed" and rows[999_999_999].attempts == 1


async def test_transient_failures_give_up_after_k_attempts(rig: Rig) -> None:
    ids = [p.id for p in await rig.users(3)]
    rig.sandbox.faults.add(FaultRule("error", "before", status=500, method="sendMessage"))
    engine = rig.engine(retry=RetryPolicy(max_attempts=4, base_s=0.05, cap_s=0.2))
    await engine.start()
    broadcast_id = await engine.enqueue(EVENT, "news", "n1", 42, rig.rows(ids))
    report = (await engine.wait_finished(broadcast_id, timeout=30)).report
    assert report is not None and report["failed"] == 3
    assert report["failed_reasons"] == {"Internal Server Error": 3}
    rows = await rig.db.outbox.rows_for(broadcast_id)
    assert [r.attempts for r in rows] == [4, 4, 4]
    assert rig.sandbox.counters.requests["sendMessage"] == 12


async def test_accepted_but_answer_lost_is_the_documented_duplicate_window(rig: Rig) -> None:
    # Telegram recorded the message but the answer never came: the engine cannot know, so
    # it retries. Each lost answer may cost one duplicate, never a lost message.
    ids = [p.id for p in await rig.users(30)]
    rule = rig.sandbox.faults.add(FaultRule("drop", "after", method="sendMessage", remaining=3))
    engine = rig.engine()
    await engine.start()
    broadcast_id = await engine.enqueue(EVENT, "news", "n1", 42, rig.rows(ids))
    report = (await engine.wait_finished(broadcast_id, timeout=20)).report
    got = rig.received(ids)
    assert all(n >= 1 for n in got.values())
    duplicates = sum(n - 1 for n in got.values())
    assert rule.hits == 3 and duplicates == 3
    assert report is not None and report["delivered"] == 30


async def test_timeouts_are_retried(rig: Rig) -> None:
    # Answers slower than the client's read timeout: PTB raises TimedOut, the row is retried.
    # The slow request still went through on the server, so a timeout can be a duplicate.
    ids = [p.id for p in await rig.users(20)]
    bot = await make_bot(rig.sandbox, DeliveryLimits.scaled(10), read_timeout=0.3)
    try:
        rule = rig.sandbox.faults.delay_next(1.0, 3, method="sendMessage", phase="before")
        engine = rig.engine(bot=bot)
        await engine.start()
        broadcast_id = await engine.enqueue(EVENT, "news", "n1", 42, rig.rows(ids))
        report = (await engine.wait_finished(broadcast_id, timeout=20)).report
        await engine.stop(3)
    finally:
        await bot.shutdown()
    assert rule.hits == 3
    got = rig.received(ids)
    assert all(n >= 1 for n in got.values())
    assert sum(n - 1 for n in got.values()) <= 3
    assert report is not None and report["delivered"] == 20
    rows = await rig.db.outbox.rows_for(broadcast_id)
    assert sorted(r.attempts for r in rows)[-3:] == [2, 2, 2]


async def test_dropped_connections_before_recording_cost_nothing(rig: Rig) -> None:
    ids = [p.id for p in await rig.users(20)]
    rig.sandbox.faults.drop_next(5, method="sendMessage", phase="before")
    engine = rig.engine()
    await engine.start()
    broadcast_id = await engine.enqueue(EVENT, "news", "n1", 42, rig.rows(ids))
    await engine.wait_finished(broadcast_id, timeout=20)
    assert rig.received(ids) == {c: 1 for c in ids}


async def test_group_upgraded_to_supergroup_is_followed(rig: Rig) -> None:
    admin = rig.sandbox.create_user("Org")
    group = rig.sandbox.create_group("Workshop", members=[admin], creator=admin)
    await rig.db.chats.upsert_chat(group.id, "group", title="Workshop")
    await rig.db.subscriptions.subscribe(EVENT, group.id)
    supergroup = rig.sandbox.upgrade_group(group)
    engine = rig.engine()
    await engine.start()
    broadcast_id = await engine.enqueue(EVENT, "news", "n1", 42, rig.rows([group.id]))
    report = (await engine.wait_finished(broadcast_id, timeout=20)).report

    assert len(rig.sandbox.bot_messages(supergroup.id)) == 1
    assert report is not None and report["delivered"] == 1
    old = await rig.db.chats.get_chat(group.id)
    assert old is not None and not old.active and old.migrated_to == supergroup.id
    new = await rig.db.chats.get_chat(supergroup.id)
    assert new is not None and new.active
    # The next broadcast goes to the new id straight away.
    second = await engine.enqueue(EVENT, "news", "n2", 42, rig.rows([supergroup.id], "n2"))
    await engine.wait_finished(second, timeout=20)
    assert len(rig.sandbox.bot_messages(supergroup.id)) == 2


async def test_bad_html_is_sent_as_plain_text_and_admins_hear_of_it(rig: Rig) -> None:
    ids = [p.id for p in await rig.users(3)]
    engine = rig.engine()
    await engine.start()
    rows = rig.rows(ids, text="<b>Deadline &amp; <i>news</b> for {chat}")
    broadcast_id = await engine.enqueue(EVENT, "news", "n1", 42, rows)
    report = (await engine.wait_finished(broadcast_id, timeout=20)).report

    assert rig.received(ids) == {c: 1 for c in ids}
    message = rig.sandbox.bot_messages(ids[0])[0]
    assert message.text == f"Deadline & news for {ids[0]}" and not message.entities
    assert report is not None and report["delivered"] == 3
    assert report["plain_text_fallbacks"] == 3
    assert len(rig.alerts) == 1
    assert f"Broadcast {broadcast_id}" in rig.alerts[0] and "plain text" in rig.alerts[0]
    assert "parse entities" in rig.alerts[0].lower()
