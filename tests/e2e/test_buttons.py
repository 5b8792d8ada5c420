"""Inline buttons end to end: forged data is answered, long ids fit, settings tell the truth."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest

from bot.domain.clock import FixedClock
from bot.domain.config import load_events
from bot.render import callbacks as cb
from bot.render.subscribers import STALE_BUTTON
from bot.sandbox.limits import Limits
from bot.sandbox.server import Sandbox
from tests.e2e.conftest import E2E_NOW, Harness

pytestmark = pytest.mark.sandbox(bot_username="deadline_test_bot", limits=Limits.scaled(10))

LONGEST_ID = "a" + "-z9_" * 15 + "end"  # 64 characters, the schema's maximum


@pytest.mark.parametrize(
    ("data", "toast"),
    [
        ("garbage", STALE_BUTTON),
        ("post:", STALE_BUTTON),
        ("post:launch:abc", STALE_BUTTON),
        ("mode:everything", STALE_BUTTON),
        ("mute:", STALE_BUTTON),
        ("mute:not-a-date", "That date is no longer in the call."),
        ("tz:Mars/Base", "Unknown zone; try /timezone again."),
        ("ask:", STALE_BUTTON),
        ("ask:banana", STALE_BUTTON),
        ("locate:now", STALE_BUTTON),
    ],
)
async def test_a_forged_or_stale_press_gets_a_toast_and_the_bot_carries_on(
    harness: Harness, data: str, toast: str
) -> None:
    sam = harness.sandbox.create_user("Sam")
    await harness.ask(sam, "/subscribe")
    settings = await harness.ask(sam, "/settings")
    answer = await harness.press(sam, settings, data, check=False)
    assert answer.get("text") == toast
    assert "Paper submission deadline" in (await harness.ask(sam, "/next")).content


async def _shows(harness: Harness, user_id: int, message_id: int, label: str) -> list[str]:
    """Wait until the message's buttons show ``label`` (the edit follows the toast)."""
    sandbox = harness.sandbox

    def labels() -> list[str] | None:
        edited = sandbox.world.conversation(sandbox.bot, user_id).by_id[message_id]
        texts = [b["text"] for b in edited.buttons()]
        return texts if label in texts else None

    return await sandbox.wait_until(labels, 10, f"a button {label!r}")


async def test_a_date_toggled_in_news_only_mode_shows_it_and_stays_true_after(
    harness: Harness,
) -> None:
    sam = harness.sandbox.create_user("Sam")
    await harness.ask(sam, "/subscribe")
    settings = await harness.ask(sam, "/settings")
    await harness.press(sam, settings, "mode:off")
    await _shows(harness, sam.id, settings.message_id, "● No reminders (news only)")
    await _shows(
        harness, sam.id, settings.message_id, "💤 Paper submission deadline (paused: news only)"
    )
    answer = await harness.press(sam, settings, "mute:paper")
    assert answer.get("text") == "Reminders off for this date"
    await _shows(harness, sam.id, settings.message_id, "🔕 Paper submission deadline")
    await harness.press(sam, settings, "mode:all")
    labels = await _shows(harness, sam.id, settings.message_id, "● All reminders")
    assert "🔕 Paper submission deadline" in labels
    assert "🔔 Acceptance notification" in labels
    # Turning it back on in news-only mode says that nothing comes in this mode.
    await harness.press(sam, settings, "mode:off")
    answer = await harness.press(sam, settings, "mute:paper")
    assert "no reminders" in str(answer.get("text"))


async def test_an_old_settings_message_after_unsubscribing_changes_nothing(
    harness: Harness,
) -> None:
    sam = harness.sandbox.create_user("Sam")
    await harness.ask(sam, "/subscribe")
    settings = await harness.ask(sam, "/settings")
    await harness.ask(sam, "/unsubscribe")
    answer = await harness.press(sam, settings, "mute:paper")
    assert answer.get("text") == "You are not subscribed; /subscribe first."
    await harness.ask(sam, "/subscribe")
    assert await harness.service.reminder_choices(sam.id) == (True, "all", frozenset())


async def test_settings_work_with_the_longest_key_date_id_the_schema_allows(
    sandbox: Sandbox, db_url: str, tmp_path: Path
) -> None:
    config = tmp_path / "long.yaml"
    config.write_text(
        f"""\
id: {LONGEST_ID}
name: A workshop with long ids
short_name: Long 2026
website: https://example.org
key_dates:
  - id: {LONGEST_ID}
    title: Paper deadline
    kind: deadline
    at: 2026-03-15 23:59 AoE
""",
        encoding="utf-8",
    )
    h = Harness(sandbox, db_url, FixedClock(E2E_NOW), load_events(config), config_path=config)
    await h.start()
    try:
        sam = sandbox.create_user("Sam")
        await h.ask(sam, "/subscribe")
        settings = await h.ask(sam, "/settings")
        datas = [b["callback_data"] for b in settings.buttons()]
        toggle = cb.encode(cb.toggle_date(LONGEST_ID))
        assert toggle in datas and all(len(d.encode()) <= 64 for d in datas)
        answer = await h.press(sam, settings, toggle)
        assert answer.get("text") == "Reminders off for this date"
        _subscribed, _mode, muted = await h.service.reminder_choices(sam.id)
        assert muted == frozenset({LONGEST_ID})
    finally:
        if h.bot is not None:
            with contextlib.suppress(Exception):
                await h.bot.shutdown()
