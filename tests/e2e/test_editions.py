"""Series and editions end to end: the 2026 subscribers meet the 2027 edition, once.

The organizer's three commands (``new-edition``, fill in the dates and ``check``, then
``/reload``) run for real; the bot runs over HTTP against the sandbox on SQLite and
PostgreSQL with an injected clock; "nothing more" is checked once delivery is idle.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest

from bot import cli
from bot.domain.clock import FixedClock
from bot.domain.config import load_events
from bot.domain.times import parse_zone
from bot.sandbox.limits import Limits
from bot.sandbox.server import Sandbox
from bot.sandbox.world import User
from bot.services.events import EventBook
from bot.services.subscribers import ChatInfo
from bot.storage import Database
from tests.e2e.conftest import Harness

pytestmark = pytest.mark.sandbox(bot_username="deadline_test_bot", limits=Limits.scaled(10))

AFTER_2026 = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)
ORGANIZER_ID = 4242
DATES_2027 = {
    "paper": "2027-02-14 23:59 AoE",
    "notification": "2027-03-14",
    "final-paper": "2027-03-24",
    "workshop": "2027-04-26",
}


def roll_over(folder: Path) -> Path:
    """What the organizer does: new-edition, fill in each date, check."""
    out, err = io.StringIO(), io.StringIO()
    assert cli.run(["--config", str(folder), "new-edition", "euromlsys"], out, err) == 0, err
    written = folder / "euromlsys2027.yaml"
    assert "Fill in its 4 dates" in out.getvalue()
    assert cli.run(["check", str(written)], io.StringIO(), err := io.StringIO()) == 2
    assert err.getvalue().count("TBD: not filled in yet") == 4  # nothing invented
    text = written.read_text(encoding="utf-8")
    for key_date, when in DATES_2027.items():
        head, sep, tail = text.partition(f"- id: {key_date}\n")
        tail = tail.replace("  at: TBD\n", f"  at: {when}\n", 1)
        text = head + sep + tail
    written.write_text(text, encoding="utf-8")
    assert cli.run(["check", str(folder)], io.StringIO(), io.StringIO()) == 0
    return written


def announcements(sandbox: Sandbox, user: User) -> list[str]:
    return [m.content for m in sandbox.bot_messages(user.id) if "The call for" in m.content]


async def test_the_2026_subscribers_get_the_2027_call_once(
    sandbox: Sandbox, db_url: str, tmp_path: Path
) -> None:
    config = tmp_path / "config"
    config.mkdir()
    shipped = Path("config/euromlsys2026.yaml").read_text(encoding="utf-8")
    (config / "euromlsys2026.yaml").write_text(shipped, encoding="utf-8")
    h = Harness(
        sandbox,
        db_url,
        FixedClock(AFTER_2026),
        load_events(config),
        frozenset({ORGANIZER_ID}),
        config_path=config,
    )
    await h.start()
    try:
        ann, ben, cid = (sandbox.create_user(n) for n in ("Ann", "Ben", "Cid"))
        for person in (ann, ben, cid):
            assert "Subscribed" in (await h.ask(person, "/subscribe")).content
        assert "unsubscribed" in (await h.ask(cid, "/unsubscribe")).content.lower()
        await h.service.set_zone(ChatInfo(ann.id, "private"), parse_zone("Europe/Berlin"))
        await h.service.set_mode(ann.id, "deadlines")
        await h.service.toggle_key_date(ann.id, "final-paper")
        over = await h.ask(ben, "/next")
        assert "EuroMLSys 2026" in over.content and "is over" in over.content

        roll_over(config)
        organizer = sandbox.create_user("Olivia", user_id=ORGANIZER_ID)
        preview = await h.ask(organizer, "/preview")
        assert "Preview" in preview.content and "2 followers" in preview.content
        assert "The call for EuroMLSys 2027 is out" in preview.content
        reply = await h.ask(organizer, "/reload")
        assert "euromlsys2027" in reply.content and "announced" in reply.content
        await h.runtime.engine.wait_idle(timeout=30)
        for person in (ann, ben):  # read them (moves the transcript cursor past them)
            await sandbox.wait_for_message(person.id, predicate=lambda m: "The call" in m.content)
        (to_ann,) = announcements(sandbox, ann)
        (to_ben,) = announcements(sandbox, ben)
        assert announcements(sandbox, cid) == []
        assert "Sun 14 Feb 2027, 23:59 AoE (UTC−12)" in to_ann
        assert "Mon 15 Feb 2027, 12:59 CET (UTC+1)" in to_ann  # each in their own zone
        assert "Mon 15 Feb 2027, 11:59 UTC" in to_ben
        assert "/topics" in to_ann

        dates = await h.ask(ann, "/dates")
        assert "EuroMLSys 2027" in dates.content and "Sun 14 Feb 2027" in dates.content
        old = await h.ask(ann, "/dates 2026")
        assert "EuroMLSys 2026" in old.content and "Sun 15 Feb 2026" in old.content
        assert "not the current edition" in old.content
        missing = await h.ask(ann, "/dates 2019")
        assert "no 2019 edition" in missing.content and "2026, 2027" in missing.content
        assert "Tokyo" not in (await h.ask(ann, "/topics")).content  # answers for 2027
        # Settings and zone carried over to the new edition.
        assert await h.service.reminder_choices(ann.id) == (True, "deadlines", {"final-paper"})
        assert await h.service.zone_of(ann.id) == parse_zone("Europe/Berlin")
        planned = {r.id for r in h.runtime.reminders.upcoming()}
        assert "euromlsys2027:paper:7d" in planned

        audit = await h.ask(organizer, "/audit")
        assert "new edition announced: euromlsys2027" in audit.content
        # A second reload and a restart send nothing again.
        assert "nothing moved" in (await h.ask(organizer, "/reload")).content
        h.events = load_events(config)
        await h.restart()
        await h.runtime.engine.wait_idle(timeout=30)
        assert len(announcements(sandbox, ann)) == 1
        assert len(announcements(sandbox, ben)) == 1
    finally:
        if h.bot is not None:
            await h.bot.shutdown()


async def test_a_file_naming_another_series_adopts_the_old_keys(
    db: Database, tmp_path: Path
) -> None:
    """Rows kept under the edition's id (or the id's rule) move to the series the file names."""
    clock = FixedClock(AFTER_2026)
    for chat, key in ((1, "euromlsys"), (2, "euromlsys2026")):
        await db.chats.upsert_chat(chat, "private")
        await db.subscriptions.subscribe(key, chat)
    shipped = Path("config/euromlsys2026.yaml").read_text(encoding="utf-8")
    renamed = shipped.replace("series: euromlsys\n", "series: mlsys-europe\n")
    (tmp_path / "euromlsys2026.yaml").write_text(renamed, encoding="utf-8")
    book = EventBook(db, clock, tmp_path)
    assert await book.adopt_keys() == 2
    assert await book.adopt_keys() == 0
    assert [r.chat_id for r in await db.subscriptions.active_recipients("mlsys-europe")] == [1, 2]
    assert book.current("mlsys-europe") is not None
