import datetime as dt

from bot.domain.clock import FixedClock
from bot.storage import Database

EVENT = "euromlsys2026"
OTHER = "other-workshop"
BIG = -1001234567890123  # supergroup ids do not fit in 32 bits


async def test_upsert_keeps_first_seen_and_refreshes_names(db: Database, clock: FixedClock) -> None:
    t0 = clock.now()
    first = await db.chats.upsert_chat(7, "private", None, "ada", "Ada", language_code="en")
    assert (first.first_seen, first.updated_at, first.active) == (t0, t0, True)

    clock.advance(dt.timedelta(hours=3))
    second = await db.chats.upsert_chat(7, "private", None, None, "Ada L.")
    assert second.first_seen == t0
    assert second.updated_at == clock.now()
    assert (second.username, second.first_name) == (None, "Ada L.")
    assert second.language_code == "en"  # not given: kept
    assert await db.chats.get_chat(7) == second


async def test_big_chat_ids_and_timezone(db: Database) -> None:
    await db.chats.upsert_chat(BIG, "supergroup", "EuroMLSys")
    assert await db.chats.set_timezone(BIG, "Asia/Kolkata")
    chat = await db.chats.get_chat(BIG)
    assert chat is not None and chat.chat_id == BIG and chat.timezone == "Asia/Kolkata"
    assert await db.chats.set_timezone(BIG, None)
    chat = await db.chats.get_chat(BIG)
    assert chat is not None and chat.timezone is None
    assert not await db.chats.set_timezone(12345, "UTC")
    assert await db.chats.get_chat(12345) is None


async def test_inactive_and_back(db: Database) -> None:
    await db.chats.upsert_chat(7, "private", first_name="Ada")
    assert await db.chats.mark_inactive(7, "blocked")
    assert not await db.chats.mark_inactive(7, "blocked")
    chat = await db.chats.get_chat(7)
    assert chat is not None and (chat.active, chat.inactive_reason) == (False, "blocked")
    assert await db.chats.mark_active(7)
    assert not await db.chats.mark_active(7)

    await db.chats.mark_inactive(7, "blocked")
    chat = await db.chats.upsert_chat(7, "private", first_name="Ada")  # she wrote again
    assert (chat.active, chat.inactive_reason) == (True, None)


async def test_migrate_chat_moves_everything(db: Database, clock: FixedClock) -> None:
    old, new = -4001, BIG
    await db.chats.upsert_chat(old, "group", "ML Sys reading group")
    await db.chats.set_timezone(old, "Europe/Lisbon")
    await db.subscriptions.subscribe(EVENT, old)
    await db.subscriptions.set_reminder_mode(EVENT, old, "deadlines")
    await db.subscriptions.subscribe(OTHER, old)
    await db.subscriptions.unsubscribe(OTHER, old)
    await db.subscriptions.mute_key_date(EVENT, old, "notification")
    await db.chats.upsert_chat(7, "private")
    # An older news item was already delivered to the old id...
    sent = await db.outbox.create_broadcast(
        EVENT, "news", "0", None, [(old, f"news:{EVENT}:0:{old}", {"text": "z"})]
    )
    [delivered] = await db.outbox.claim_due(10)
    await db.outbox.mark_sent(delivered.id, 1)
    # ...and a newer one is still waiting when the group migrates.
    created = await db.outbox.create_broadcast(
        EVENT,
        "news",
        "1",
        None,
        [(old, f"news:{EVENT}:1:{old}", {"text": "a"}), (7, f"news:{EVENT}:1:7", {"text": "a"})],
    )

    clock.advance(dt.timedelta(minutes=5))
    assert await db.chats.migrate_chat(old, new)

    old_chat = await db.chats.get_chat(old)
    new_chat = await db.chats.get_chat(new)
    assert old_chat is not None and new_chat is not None
    assert (old_chat.active, old_chat.inactive_reason, old_chat.migrated_to) == (
        False,
        "migrated",
        new,
    )
    assert (new_chat.type, new_chat.title, new_chat.timezone, new_chat.active) == (
        "supergroup",
        "ML Sys reading group",
        "Europe/Lisbon",
        True,
    )
    sub = await db.subscriptions.get_subscription(EVENT, new)
    assert sub is not None and sub.active and sub.reminders == "deadlines"
    other = await db.subscriptions.get_subscription(OTHER, new)
    assert other is not None and not other.active  # history moves as it was
    old_sub = await db.subscriptions.get_subscription(EVENT, old)
    assert old_sub is not None and not old_sub.active  # kept, never deleted
    assert await db.subscriptions.muted_key_dates(EVENT, new) == {"notification"}
    assert await db.subscriptions.muted_key_dates(EVENT, old) == frozenset()
    assert [r.chat_id for r in await db.subscriptions.active_recipients(EVENT)] == [new]

    by_key = {r.idempotency_key: r for r in await db.outbox.rows_for(created.broadcast_id)}
    assert by_key[f"news:{EVENT}:1:{old}"].chat_id == new  # pending: re-addressed
    [old_sent] = await db.outbox.rows_for(sent.broadcast_id)
    assert (old_sent.chat_id, old_sent.status) == (old, "sent")  # history untouched

    # A migrated chat does not come back to life, and migrating again changes nothing.
    assert not await db.chats.mark_active(old)
    again = await db.chats.upsert_chat(old, "group", "ML Sys reading group")
    assert not again.active
    assert await db.chats.migrate_chat(old, new)
    assert [r.chat_id for r in await db.subscriptions.active_recipients(EVENT)] == [new]
    assert not await db.chats.migrate_chat(999, new)


async def test_migrate_to_existing_chat_keeps_its_settings(db: Database) -> None:
    await db.chats.upsert_chat(-1, "group", "G")
    await db.chats.set_timezone(-1, "Europe/Paris")
    await db.subscriptions.subscribe(EVENT, -1)
    await db.chats.upsert_chat(BIG, "supergroup", "G")
    await db.chats.set_timezone(BIG, "Asia/Tokyo")
    await db.subscriptions.subscribe(EVENT, BIG)
    await db.subscriptions.set_reminder_mode(EVENT, BIG, "off")

    assert await db.chats.migrate_chat(-1, BIG)
    chat = await db.chats.get_chat(BIG)
    assert chat is not None and chat.timezone == "Asia/Tokyo"
    sub = await db.subscriptions.get_subscription(EVENT, BIG)
    assert sub is not None and sub.reminders == "off"
