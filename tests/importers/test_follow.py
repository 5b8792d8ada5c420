"""Following tracker URLs: conditional reads against a local server, changes trigger a reload."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest

from bot.domain.config import load_events
from bot.importers.emit import notation_reads_seconds
from bot.importers.sources import TrackerSource, parse_tracker_sources
from bot.services.trackers import MAX_BYTES, TrackedEvents, TrackerFollower
from bot.settings import Settings, SettingsError
from tests.importers.tracker_server import TrackerServer, serving

MOVED_FROM = b"deadline: '2026-05-14 23:59:59'"
MOVED_TO = b"deadline: '2026-05-21 23:59:59'"


class Reloads:
    """Counts the reloads the follower asks for (the bot's reload, recorded)."""

    def __init__(self) -> None:
        self.count = 0

    async def __call__(self) -> None:
        self.count += 1


def follower_for(*sources: TrackerSource) -> tuple[TrackerFollower, TrackedEvents, Reloads]:
    tracked = TrackedEvents(sources)
    reloads = Reloads()
    return TrackerFollower(tracked, reloads, timeout=10), tracked, reloads


def in_config(exact: dt.datetime) -> dt.datetime:
    """The instant an event file says for ``exact`` (to the minute until it reads seconds)."""
    return exact if notation_reads_seconds() else exact.replace(second=0)


def paper_1(tracked: TrackedEvents) -> dt.datetime:
    event = next(e for e in tracked.events() if e.id == "eurosys2027")
    kd = event.key_date("paper-1")
    assert kd is not None
    return kd.at


async def test_read_then_304_then_an_edited_copy(trackers_dir: Path) -> None:
    original = (trackers_dir / "ccf-deadlines" / "eurosys.yml").read_bytes()
    assert original.count(MOVED_FROM) == 1
    async with serving(TrackerServer()) as server:
        server.put("eurosys.yml", original)
        follower, tracked, reloads = follower_for(TrackerSource(server.url("eurosys.yml")))

        first = await follower.poll()
        assert [r.outcome for r in first] == ["updated"]
        assert reloads.count == 1
        assert [e.id for e in tracked.events()] == [f"eurosys{y}" for y in range(2021, 2028)]
        assert paper_1(tracked) == in_config(dt.datetime(2026, 5, 15, 11, 59, 59, tzinfo=dt.UTC))

        second = await follower.poll()  # nothing changed: 304, no reload, same events
        assert [r.outcome for r in second] == ["unchanged"]
        assert server.responses("eurosys.yml") == ["200", "304"]
        assert "If-None-Match" not in server.requests[0]
        assert server.requests[1]["If-None-Match"] == server.etag("eurosys.yml")
        assert server.requests[1]["If-Modified-Since"] == "Mon, 01 Nov 2026 10:00:00 GMT"
        assert reloads.count == 1

        server.put("eurosys.yml", original.replace(MOVED_FROM, MOVED_TO))
        third = await follower.poll()
        assert [r.outcome for r in third] == ["updated"]
        assert reloads.count == 2
        assert paper_1(tracked) == in_config(dt.datetime(2026, 5, 22, 11, 59, 59, tzinfo=dt.UTC))

        server.put("eurosys.yml", original.replace(MOVED_FROM, MOVED_TO) + b"\n# a comment\n")
        fourth = await follower.poll()  # a new ETag, but the same events: no reload
        assert [r.outcome for r in fourth] == ["same"]
        assert reloads.count == 2

        padded = original.replace(MOVED_FROM, MOVED_TO) + b"# padding\n" * 12_000  # 120 kB
        server.put("eurosys.yml", padded)
        assert [r.outcome for r in await follower.poll()] == ["same"]  # read whole, not cut
        assert reloads.count == 2


async def test_every_shared_file_is_followed(trackers_dir: Path) -> None:
    files = sorted(
        f"{folder.name}/{file.name}"
        for folder in (trackers_dir / "ccf-deadlines", trackers_dir / "ai-deadlines")
        for file in folder.glob("*.yml")
        if file.name != "conference-yaml-schema.yml"
    )
    assert len(files) == 5
    async with serving(TrackerServer()) as server:
        for name in files:
            server.put(name, (trackers_dir / name).read_bytes())
        follower, tracked, reloads = follower_for(*(TrackerSource(server.url(n)) for n in files))
        assert [r.outcome for r in await follower.poll()] == ["updated"] * 5
        ids = [event.id for event in tracked.events()]
        # ai-deadlines' cvpr2025 and cvpr2026 are also in ccf-deadlines' file: listed once
        assert len(ids) == len(set(ids)) == 2 + 2 + 5 + 7 + 6 - 2
        assert [r.outcome for r in await follower.poll()] == ["unchanged"] * 5
        assert reloads.count == 1


async def test_a_failing_source_keeps_its_last_events(trackers_dir: Path) -> None:
    original = (trackers_dir / "ai-deadlines" / "neurips.yml").read_bytes()
    async with serving(TrackerServer()) as server:
        server.put("neurips.yml", original)
        follower, tracked, reloads = follower_for(
            TrackerSource(server.url("neurips.yml"), "ai-deadlines"),
            TrackerSource(server.url("missing.yml")),
        )
        results = await follower.poll()
        assert [r.outcome for r in results] == ["updated", "failed"]
        assert results[1].detail == "HTTP 404"
        before = tracked.events()
        assert [e.id for e in before] == ["neurips2025", "neurips2026"]

        server.status = 500
        assert [r.outcome for r in await follower.poll()] == ["failed", "failed"]
        server.status = 200
        server.put("neurips.yml", b"- [not, a, tracker: file")
        results = await follower.poll()
        assert results[0].outcome == "failed" and "not valid YAML" in results[0].detail
        server.put("neurips.yml", (trackers_dir / "ccf-deadlines" / "mlsys.yml").read_bytes())
        results = await follower.poll()  # the other tracker's file, for an ai-deadlines source
        assert results[0].outcome == "failed" and "ccf-deadlines file" in results[0].detail
        big = original + b"\n" + b"# padding\n" * (MAX_BYTES // 10)  # valid, but too large
        server.put("neurips.yml", big)
        results = await follower.poll()
        assert results[0].outcome == "failed" and results[0].detail == (
            f"larger than {MAX_BYTES} bytes"
        )
        server.put("neurips.yml", b"just: a mapping\n")
        results = await follower.poll()
        assert results[0].outcome == "failed"
        assert results[0].detail.endswith("not a ai-deadlines file (that is a list of mappings)")
        assert tracked.events() == before
        assert reloads.count == 1


async def test_stop_abandons_a_read_in_flight(trackers_dir: Path) -> None:
    async with serving(TrackerServer(stall=asyncio.Event())) as server:
        server.put("eurosys.yml", (trackers_dir / "ccf-deadlines" / "eurosys.yml").read_bytes())
        follower, tracked, reloads = follower_for(TrackerSource(server.url("eurosys.yml")))
        polling = asyncio.create_task(follower.poll())
        await server.received.wait()  # the read is in flight, stuck on the server
        follower.stop()
        assert await polling == []
        assert tracked.events() == () and reloads.count == 0
        assert await follower.poll() == []  # stopped: reads nothing more
        assert len(server.requests) == 1
        assert server.stall is not None
        server.stall.set()


async def test_an_unreachable_source_fails_and_is_retried() -> None:
    follower, tracked, reloads = follower_for(TrackerSource("http://127.0.0.1:9/none.yml"))
    results = await follower.poll()
    assert results[0].outcome == "failed"
    assert tracked.events() == () and reloads.count == 0


async def test_followed_events_join_the_config_without_replacing_it(
    trackers_dir: Path, tmp_path: Path
) -> None:
    async with serving(TrackerServer()) as server:
        server.put("cvpr.yml", (trackers_dir / "ccf-deadlines" / "cvpr.yml").read_bytes())
        follower, tracked, _ = follower_for(TrackerSource(server.url("cvpr.yml")))
        await follower.poll()
    config = tmp_path / "cvpr2026.yaml"
    config.write_text(
        "id: cvpr2026\nname: Mine\nshort_name: Mine\nwebsite: https://x.example.org\n"
        "key_dates:\n  - {id: paper, title: Paper, kind: deadline, at: 2026-01-01}\n",
        encoding="utf-8",
    )
    events = tracked.loader(load_events)(config)
    assert [e.id for e in events] == ["cvpr2026", "cvpr2022", "cvpr2023", "cvpr2024", "cvpr2025"]
    assert events[0].name == "Mine"  # the config's own file wins over a followed edition


def test_tracker_sources_setting() -> None:
    assert Settings.from_env({}).tracker_sources == ()
    settings = Settings.from_env(
        {
            "TRACKER_SOURCES": "ccf-deadlines=https://a.example.org/eurosys.yml,"
            " https://b.example.org/neurips.yml",
            "TRACKER_INTERVAL": "900",
        }
    )
    assert settings.tracker_sources == (
        TrackerSource("https://a.example.org/eurosys.yml", "ccf-deadlines"),
        TrackerSource("https://b.example.org/neurips.yml", None),
    )
    assert settings.tracker_interval == 900
    assert Settings.from_env({}).tracker_interval == 3600


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"TRACKER_SOURCES": "ftp://x.example.org/a.yml"}, "not an http:// or https://"),
        ({"TRACKER_SOURCES": "dblp=https://x.example.org/a.yml"}, "write ccf-deadlines or"),
        ({"TRACKER_SOURCES": "https://x.example.org/a https://x.example.org/a"}, "listed twice"),
        ({"TRACKER_INTERVAL": "10"}, "at most once a minute"),
        ({"TRACKER_INTERVAL": "hourly"}, "TRACKER_INTERVAL=.hourly.: write a number of seconds"),
    ],
)
def test_tracker_settings_errors_name_the_variable(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        Settings.from_env(env)
    assert parse_tracker_sources("") == ()
