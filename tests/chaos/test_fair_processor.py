"""The fair update processor on its own: per-chat order, chats concurrently, flood at arrival.

Updates are handed over exactly as python-telegram-bot does (one task per update, in
arrival order, through ``process_update``). Handlers block on events, not on time, so
nothing here depends on the machine's speed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from telegram import Update

from bot.telegram.flood import FloodGuard
from bot.telegram.updates import FairUpdateProcessor

_ids = iter(range(1, 1_000_000))


def message_update(chat_id: int, user_id: int | None = None, text: str = "/next") -> Update:
    """A text message update from ``user_id`` (default: the private chat's person)."""
    user = user_id if user_id is not None else chat_id
    data = {
        "update_id": next(_ids),
        "message": {
            "message_id": next(_ids),
            "date": 0,
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
            "from": {"id": user, "is_bot": False, "first_name": f"u{user}"},
            "text": text,
        },
    }
    return Update.de_json(data, None)


class Feed:
    """Hands updates to the processor the way PTB's update fetcher does."""

    def __init__(self, processor: FairUpdateProcessor) -> None:
        self.processor = processor
        self.tasks: list[asyncio.Task[None]] = []

    def arrive(self, update: Update, handler: Callable[[], Awaitable[None]]) -> None:
        self.tasks.append(asyncio.create_task(self.processor.process_update(update, handler())))

    async def settle(self) -> None:
        """Let every task run up to its first real wait."""
        for _ in range(5):
            await asyncio.sleep(0)

    def backlog(self) -> int:
        """Updates handed over and not finished (PTB's update queue counts the same)."""
        return sum(not task.done() for task in self.tasks)

    async def finish(self) -> None:
        """Wait for every task (those cancelled at a stop deadline included)."""
        await asyncio.wait_for(asyncio.gather(*self.tasks, return_exceptions=True), timeout=30)


async def test_one_chat_in_order_while_other_chats_run_alongside() -> None:
    processor = FairUpdateProcessor(FloodGuard(burst=100))
    feed = Feed(processor)
    order: dict[int, list[int]] = {1: [], 2: [], 3: []}
    release_chat_1 = asyncio.Event()

    def handler(chat: int, n: int) -> Callable[[], Awaitable[None]]:
        async def handle() -> None:
            if chat == 1 and n == 0:
                await release_chat_1.wait()  # chat 1 waits for a paced reply...
            await asyncio.sleep(0)
            order[chat].append(n)
            if chat == 3 and n == 9:
                release_chat_1.set()  # ...which only comes once chat 3 is done

        return handle

    for n in range(10):
        for chat in (1, 2, 3):
            feed.arrive(message_update(chat), handler(chat, n))
    await feed.finish()
    assert order == {chat: list(range(10)) for chat in (1, 2, 3)}
    assert processor.stats.handled == 30 and processor.pending == 0


async def test_flood_is_counted_at_arrival_and_warned_once() -> None:
    warnings: list[int] = []

    async def warn(update: Update) -> None:
        assert update.effective_chat is not None
        warnings.append(update.effective_chat.id)

    processor = FairUpdateProcessor(FloodGuard(burst=15, rate=3.0), warn=warn)
    feed = Feed(processor)
    reply_leaves = asyncio.Event()  # the flooder's replies are stuck behind the pace
    flooder_done: list[int] = []
    others_done: list[int] = []
    both_others = asyncio.Event()

    def flooder(n: int) -> Callable[[], Awaitable[None]]:
        async def handle() -> None:
            await reply_leaves.wait()
            flooder_done.append(n)

        return handle

    def other(chat: int) -> Callable[[], Awaitable[None]]:
        async def handle() -> None:
            others_done.append(chat)
            if len(others_done) == 2:
                both_others.set()

        return handle

    for n in range(500):
        feed.arrive(message_update(7), flooder(n))
    feed.arrive(message_update(8), other(8))
    feed.arrive(message_update(9), other(9))
    await feed.settle()
    # Counted at arrival: before a single reply of the flooder could leave.
    assert processor.stats.arrived == 502
    assert processor.stats.flood_dropped == 485  # 500 - burst of 15
    assert processor.stats.warned == 1
    # Others are not behind the flooder.
    await asyncio.wait_for(both_others.wait(), 30)
    assert others_done == [8, 9] and flooder_done == []
    reply_leaves.set()
    await feed.finish()
    assert flooder_done == list(range(15)) and warnings == [7]


async def test_a_flood_continuing_across_batches_is_warned_once() -> None:
    now = [0.0]
    warnings: list[int] = []

    async def warn(update: Update) -> None:
        warnings.append(update.update_id)

    processor = FairUpdateProcessor(
        FloodGuard(burst=15, rate=3.0, monotonic=lambda: now[0]), warn=warn
    )
    feed = Feed(processor)

    async def nothing() -> None:
        return None

    for _batch in range(5):  # 5 polls of 100 updates, half a second apart
        for _ in range(100):
            feed.arrive(message_update(7), nothing)
        await feed.settle()
        now[0] += 0.5
    await feed.finish()
    assert len(warnings) == 1
    assert processor.stats.handled == 15 + 6  # the burst, then 3/s over 2 s
    now[0] += 60  # quiet long enough: a new flood is warned again
    for _ in range(100):
        feed.arrive(message_update(7), nothing)
    await feed.finish()
    assert len(warnings) == 2


async def test_drain_drops_flooders_queue_finishes_others_and_cancels_at_the_deadline() -> None:
    async def warn(update: Update) -> None:
        return None

    processor = FairUpdateProcessor(FloodGuard(burst=15, rate=3.0), warn=warn)
    feed = Feed(processor)
    stuck = asyncio.Event()  # never set: the flooder's first reply hangs
    ran: list[tuple[int, int]] = []

    def handler(chat: int, n: int) -> Callable[[], Awaitable[None]]:
        async def handle() -> None:
            if chat == 7 and n == 0:
                await stuck.wait()
            ran.append((chat, n))

        return handle

    for n in range(200):
        feed.arrive(message_update(7), handler(7, n))
    gate = asyncio.Event()

    def patient(n: int) -> Callable[[], Awaitable[None]]:
        async def handle() -> None:
            await gate.wait()
            ran.append((8, n))

        return handle

    for n in range(3):
        feed.arrive(message_update(8), patient(n))
    await feed.settle()
    assert processor.pending == 15 + 3  # the flooder's burst (warned at once), the patient's 3
    draining = asyncio.create_task(processor.drain(0.5, feed.backlog))
    await feed.settle()
    gate.set()  # the patient's updates can finish during the drain
    report = await asyncio.wait_for(draining, 30)
    await feed.finish()
    assert [r for r in ran if r[0] == 8] == [(8, 0), (8, 1), (8, 2)]
    assert [r for r in ran if r[0] == 7] == []
    assert report.dropped == 14  # the flooder's waiting updates
    assert len(report.cancelled) == 1  # the flooder's hung first reply (kept for later)
    assert report.deferred == 1
    assert not report.finished
    # After the deadline nothing more runs.
    feed.arrive(message_update(9), handler(9, 0))
    await feed.finish()
    assert (9, 0) not in ran


async def test_drain_without_flood_finishes_everything() -> None:
    processor = FairUpdateProcessor(FloodGuard())
    feed = Feed(processor)
    ran: list[int] = []

    def handler(n: int) -> Callable[[], Awaitable[None]]:
        async def handle() -> None:
            await asyncio.sleep(0)
            ran.append(n)

        return handle

    for n in range(10):
        feed.arrive(message_update(100 + n), handler(n))
    report = await processor.drain(60, feed.backlog)
    await feed.finish()
    assert report.finished and report.dropped == 0 and report.cancelled == []
    assert sorted(ran) == list(range(10))


async def test_updates_not_started_by_the_deadline_are_deferred_in_order() -> None:
    processor = FairUpdateProcessor(FloodGuard())
    feed = Feed(processor)
    stuck = asyncio.Event()  # never set: the chat's first reply hangs
    ran: list[int] = []

    def handler(n: int) -> Callable[[], Awaitable[None]]:
        async def handle() -> None:
            if n == 0:
                await stuck.wait()
            ran.append(n)

        return handle

    updates = [message_update(8) for _ in range(4)]
    for n, update in enumerate(updates):
        feed.arrive(update, handler(n))
    await feed.settle()
    report = await processor.drain(0.2, feed.backlog)
    await feed.finish()
    assert ran == []
    assert report.cancelled == [updates[0].update_id]
    assert report.deferred == 4 and report.dropped == 0  # 3 not started, 1 cut short
    assert sorted(u.update_id for u in processor.deferred) == [u.update_id for u in updates]
    # An update handed over after the deadline is deferred too, not run.
    late = message_update(9)
    feed.arrive(late, handler(9))
    await feed.finish()
    assert late in processor.deferred and 9 not in ran
