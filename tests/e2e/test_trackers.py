"""A followed tracker file end to end: a moved deadline reaches its subscribers once.

The real bot runs against the sandbox on SQLite and PostgreSQL, following a tracker file
served by a local HTTP server (the real ccf-deadlines file, then an edited copy).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.domain.clock import FixedClock
from bot.domain.config import load_events
from bot.importers.sources import TrackerSource
from bot.runtime import TRACKER_JOB
from bot.sandbox.limits import Limits
from bot.sandbox.server import Sandbox
from bot.settings import Settings
from tests.e2e.conftest import Harness
from tests.importers.conftest import trackers_dir  # noqa: F401 (a fixture)
from tests.importers.test_follow import in_config
from tests.importers.tracker_server import TrackerServer, serving

pytestmark = pytest.mark.sandbox(bot_username="deadline_test_bot", limits=Limits.scaled(10))

NOW = dt.datetime(2026, 2, 12, 7, 59, tzinfo=dt.UTC)
MOVED_FROM = b"deadline: '2026-05-14 23:59:59'"
MOVED_TO = b"deadline: '2026-05-21 23:59:59'"


@dataclass
class FollowingHarness(Harness):
    """The harness, with the bot following tracker URLs."""

    tracker_sources: tuple[TrackerSource, ...] = ()

    def settings(self) -> Settings:
        return super().settings().replace(tracker_sources=self.tracker_sources)


@pytest.fixture
async def server(trackers_dir: Path) -> AsyncIterator[TrackerServer]:  # noqa: F811
    async with serving(TrackerServer()) as running:
        running.put("eurosys.yml", (trackers_dir / "ccf-deadlines" / "eurosys.yml").read_bytes())
        yield running


async def idle(h: Harness) -> None:
    """Wait until the outbox has nothing left to send."""
    for _ in range(300):
        if await h.runtime.db.outbox.pending_count() == 0:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the outbox did not drain")


async def test_a_moved_tracker_deadline_is_announced_once(
    sandbox: Sandbox, db_url: str, tmp_path: Path, server: TrackerServer
) -> None:
    config = tmp_path / "euromlsys2026.yaml"
    config.write_text(Path("config/euromlsys2026.yaml").read_text(encoding="utf-8"))
    source = TrackerSource(server.url("eurosys.yml"), "ccf-deadlines")
    h = FollowingHarness(
        sandbox, db_url, FixedClock(NOW), load_events(config), config_path=config,
        tracker_sources=(source,),
    )  # fmt: skip
    await h.start()
    try:
        follower = h.runtime.trackers
        assert follower is not None
        job_queue = h.runtime.application.job_queue
        assert job_queue is not None
        (job,) = job_queue.get_jobs_by_name(TRACKER_JOB)  # read at start, then every hour
        assert job.job.trigger.interval == dt.timedelta(hours=1)
        await follower.poll()  # the start's own read may still be running; this waits for it
        event = h.runtime.book.event("eurosys2027")
        assert event is not None and event.series == "eurosys"
        sam = sandbox.create_user("Sam")
        # Two series in the bot now: /subscribe names one; a subscription is to the series.
        assert "Subscribed" in (await h.ask(sam, "/subscribe euromlsys")).content
        assert await h.runtime.db.subscriptions.subscribe("eurosys", sam.id)

        server.put("eurosys.yml", server.files["eurosys.yml"].replace(MOVED_FROM, MOVED_TO))
        results = await follower.poll()
        assert [r.outcome for r in results] == ["updated"]
        notice = await sandbox.wait_for_message(
            sam.id, timeout=15, predicate=lambda m: m.content.startswith("📣")
        )
        assert "EuroSys 2027" in notice.content
        assert "Submission deadline (Spring Submission Deadline)" in notice.content
        assert "extended" in notice.content
        assert "New: Thu 21 May 2026, 23:59 AoE (UTC−12)" in notice.content
        assert "Was: Thu 14 May 2026, 23:59" in notice.content

        assert [r.outcome for r in await follower.poll()] == ["unchanged"]  # 304
        assert server.responses("eurosys.yml")[-1] == "304"
        await idle(h)
        extensions = [
            b
            for b in await h.runtime.db.outbox.list_broadcasts(50, event_id="eurosys2027")
            if b.kind == "extension"
        ]
        assert len(extensions) == 1 and extensions[0].total == 1
        kd = h.runtime.book.event("eurosys2027").key_date("paper-1")  # type: ignore[union-attr]
        assert kd is not None and kd.at == in_config(
            dt.datetime(2026, 5, 22, 11, 59, 59, tzinfo=dt.UTC)
        )

        await h.restart()  # a fresh read after a restart announces nothing again
        follower = h.runtime.trackers
        assert follower is not None
        await follower.poll()
        await idle(h)
        announced = [m for m in sandbox.bot_messages(sam.id) if m.content.startswith("📣")]
        assert len(announced) == 1
        eurosys = await h.runtime.db.outbox.list_broadcasts(50, event_id="eurosys2027")
        assert len([b for b in eurosys if b.kind == "extension"]) == 1
    finally:
        if h.bot is not None:
            await h.bot.shutdown()
