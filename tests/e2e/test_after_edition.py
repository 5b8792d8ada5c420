"""Issue 12 item 9: after the edition, /start, ``check`` and the run log tell the truth."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import logging

import pytest

from bot.cli import run
from bot.domain.clock import FixedClock
from bot.domain.model import Event
from bot.sandbox.limits import Limits
from bot.sandbox.server import Sandbox
from tests.e2e.conftest import Harness

pytestmark = pytest.mark.sandbox(bot_username="deadline_test_bot", limits=Limits.scaled(10))

AFTER = dt.datetime(2026, 11, 28, tzinfo=dt.UTC)


async def test_start_and_the_run_log_say_the_edition_is_over(
    sandbox: Sandbox,
    db_url: str,
    shipped_events: tuple[Event, ...],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="bot.services.reminders")
    h = Harness(sandbox, db_url, FixedClock(AFTER), shipped_events)
    await h.start()
    try:
        sam = sandbox.create_user("Sam")
        welcome = await h.ask(sam, "/start")
        assert "I keep you on time" not in welcome.content
        assert "EuroMLSys 2026 is over: its last date, Workshop, was Mon 27 Apr 2026" in (
            welcome.content
        )
        assert "No reminder is left to send" in welcome.content
        assert welcome.reply_markup is not None
        first_row = welcome.reply_markup["inline_keyboard"][0]
        assert [b["text"] for b in first_row] == ["🔔 Subscribe to news"]
        assert not any("reminder" in b["text"].lower() for b in welcome.buttons())
        # A chat without a zone still gets the one-tap zone choice under it (issue 16).
        assert "until you choose your time zone" in welcome.content
        subscribed = await h.ask(sam, "/subscribe")
        assert "Every date of this edition has passed" in subscribed.content
        assert "reminders before each deadline" not in subscribed.content
    finally:
        if h.bot is not None:
            with contextlib.suppress(Exception):
                await h.bot.shutdown()
    logged = [r.getMessage() for r in caplog.records if r.name == "bot.services.reminders"]
    assert "scheduled 0 reminder(s)" in logged
    assert any(
        "euromlsys2026 is over: every key date has passed (the last, workshop" in line
        for line in logged
    ), logged


def test_check_says_what_is_over_and_what_is_left() -> None:
    out, err = io.StringIO(), io.StringIO()
    assert run(["check", "--now", "2026-11-28T00:00:00Z"], out, err) == 0, err.getvalue()
    text = out.getvalue()
    assert "reminders ahead: none" in text
    assert "edition over: all key dates passed (the last, workshop" in text
    assert "subscribers get only the organizers' news" in text
    assert "(1 over: no key date ahead)" in text
    out = io.StringIO()
    assert run(["check", "--now", "2026-03-20T00:00:00Z"], out, err) == 0
    # final paper 3d, 1d, 3h; workshop 7d, 1d
    assert "reminders ahead: 5 (next euromlsys2026:final-paper:3d at 2026-03-23T11:59:00Z)" in (
        out.getvalue()
    )
    assert "edition over" not in out.getvalue()
