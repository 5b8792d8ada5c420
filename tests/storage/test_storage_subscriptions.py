import datetime as dt

import pytest

from bot.domain.clock import FixedClock
from bot.storage import Database, UnknownChatError

EVENT = "euromlsys2026"
OTHER = "other-workshop"


async def test_unsubscribe_keeps_the_row(db: Database, clock: FixedClock) -> None:
    await db.chats.upsert_chat(1, "private")
    assert await db.subscriptions.subscribe(EVENT, 1)
    assert not await db.subscriptions.subscribe(EVENT, 1)
    await db.subscriptions.set_reminder_mode(EVENT, 1, "deadlines")
    assert await db.subscriptions.is_subscribed(EVENT, 1)

    clock.advance(dt.timedelta(days=1))
    assert await db.subscriptions.unsubscribe(EVENT, 1)
    assert not await db.subscriptions.unsubscribe(EVENT, 1)
    assert not await db.subscriptions.is_subscribed(EVENT, 1)
    sub = await db.subscriptions.get_subscription(EVENT, 1)
    assert sub is not None
    assert (sub.active, sub.unsubscribed_at, sub.reminders) == (False, clock.now(), "deadlines")

    clock.advance(dt.timedelta(days=1))
    assert await db.subscriptions.subscribe(EVENT, 1)  # reactivated
    sub = await db.subscriptions.get_subscription(EVENT, 1)
    assert sub is not None
    assert (sub.active, sub.subscribed_at, sub.unsubscribed_at) == (True, clock.now(), None)
    assert sub.reminders == "deadlines"  # preferences survive
    assert not await db.subscriptions.is_subscribed(OTHER, 1)


async def test_subscribe_needs_a_known_chat(db: Database) -> None:
    with pytest.raises(UnknownChatError):
        await db.subscriptions.subscribe(EVENT, 404)
    assert not await db.subscriptions.unsubscribe(EVENT, 404)
    assert not await db.subscriptions.set_reminder_mode(EVENT, 404, "off")


async def test_mode_validation_and_mutes(db: Database) -> None:
    await db.chats.upsert_chat(1, "private")
    await db.subscriptions.subscribe(EVENT, 1)
    with pytest.raises(ValueError, match="reminder mode"):
        await db.subscriptions.set_reminder_mode(EVENT, 1, "sometimes")  # type: ignore[arg-type]
    assert await db.subscriptions.mute_key_date(EVENT, 1, "submission")
    assert not await db.subscriptions.mute_key_date(EVENT, 1, "submission")
    assert await db.subscriptions.mute_key_date(EVENT, 1, "notification")
    assert await db.subscriptions.muted_key_dates(EVENT, 1) == {"submission", "notification"}
    assert await db.subscriptions.unmute_key_date(EVENT, 1, "submission")
    assert not await db.subscriptions.unmute_key_date(EVENT, 1, "submission")
    assert await db.subscriptions.muted_key_dates(EVENT, 1) == {"notification"}
    assert await db.subscriptions.muted_key_dates(OTHER, 1) == frozenset()


async def _population(db: Database) -> None:
    """A: all, B: deadlines, C: off, D: all but muted 'submission', E: blocked chat,
    F: unsubscribed, G: another event only."""
    chats = {
        1: ("private", "Europe/Berlin"),
        2: ("private", "Asia/Kolkata"),
        3: ("group", None),
        4: ("private", "Europe/Berlin"),
        5: ("private", None),
        6: ("private", None),
        7: ("private", None),
    }
    for chat_id, (kind, tz) in chats.items():
        await db.chats.upsert_chat(chat_id, kind)
        if tz:
            await db.chats.set_timezone(chat_id, tz)
        await db.subscriptions.subscribe(OTHER if chat_id == 7 else EVENT, chat_id)
    await db.subscriptions.set_reminder_mode(EVENT, 2, "deadlines")
    await db.subscriptions.set_reminder_mode(EVENT, 3, "off")
    await db.subscriptions.mute_key_date(EVENT, 4, "submission")
    await db.chats.mark_inactive(5, "blocked")
    await db.subscriptions.unsubscribe(EVENT, 6)


async def test_recipients_honour_modes_mutes_and_inactive_chats(db: Database) -> None:
    await _population(db)
    subs = db.subscriptions

    async def ids(**kwargs: str) -> list[int]:
        return [r.chat_id for r in await subs.active_recipients(EVENT, **kwargs)]

    # News ignores reminder modes and mutes; inactive chats and unsubscribers never get it.
    assert await ids() == [1, 2, 3, 4]
    assert await ids(key_date_id="submission", kind="deadline") == [1, 2]
    assert await ids(key_date_id="notification", kind="deadline") == [1, 2, 4]
    assert await ids(key_date_id="notification", kind="notification") == [1, 4]
    assert await ids(key_date_id="workshop", kind="event") == [1, 4]
    assert [r.chat_id for r in await subs.active_recipients(OTHER)] == [7]

    recipients = await subs.active_recipients(EVENT)
    assert recipients[1].timezone == "Asia/Kolkata" and recipients[2].timezone is None

    # Coming back restores reminders.
    await db.chats.mark_active(5)
    assert await ids(key_date_id="submission", kind="deadline") == [1, 2, 5]


async def test_stats(db: Database) -> None:
    await _population(db)
    stats = await db.subscriptions.stats(EVENT)
    assert (stats.active, stats.inactive, stats.unreachable) == (4, 2, 1)
    assert dict(stats.by_mode) == {"all": 2, "deadlines": 1, "off": 1}
    assert dict(stats.by_timezone) == {"Asia/Kolkata": 1, "Europe/Berlin": 2, None: 1}
    assert dict(stats.by_type) == {"group": 1, "private": 3}
    empty = await db.subscriptions.stats("nobody")
    assert (empty.active, empty.inactive, dict(empty.by_mode)) == (0, 0, {})
