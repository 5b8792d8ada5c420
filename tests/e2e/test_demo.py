"""The demo from a pipe: the transcript shows every edit and every toast."""

from __future__ import annotations

import io

from bot.demo import run_demo
from bot.domain.clock import FixedClock
from bot.settings import Settings
from tests.e2e.conftest import E2E_NOW


async def test_the_demo_shows_toasts_and_every_edit() -> None:
    script = "/start\n:press 1\n/settings\n:press 2\n:press 1\n"
    out = io.StringIO()
    settings = Settings.from_env({"BOT_CONFIG": "config"})
    await run_demo(settings, FixedClock(E2E_NOW), io.StringIO(script), out, interactive=False)
    transcript = out.getvalue()
    assert "(toast: Subscribed)" in transcript
    assert "(toast: Deadlines only)" in transcript and "(toast: All reminders)" in transcript
    # Two presses, two edits of the settings message, however close together they came.
    assert transcript.count("[bot → Sam (edited)]") == 2
    last = transcript.rsplit("[bot → Sam (edited)]", 1)[1]
    assert "● All reminders" in last and "○ Deadlines only" in last
