"""The Application's defaults reach Telegram: HTML, no link preview, with no per-call argument."""

from __future__ import annotations

import pytest

from bot.sandbox.limits import Limits
from tests.e2e.conftest import Harness

pytestmark = pytest.mark.sandbox(bot_username="deadline_test_bot", limits=Limits.scaled(10))


async def test_replies_captions_and_inline_cards_are_html_without_previews(
    harness: Harness,
) -> None:
    sandbox = harness.sandbox
    sam = sandbox.create_user("Sam")

    dates = await harness.ask(sam, "/dates")
    assert "<b>" not in dates.content and any(e["type"] == "bold" for e in dates.entities)
    assert dates.link_preview_options == {"is_disabled": True}

    calendar = await harness.ask(sam, "/calendar")
    assert calendar.document is not None
    assert calendar.caption_entities and "<" not in calendar.content

    answer = await sandbox.wait_for_answer(sandbox.inline_query(sam, ""), timeout=10)
    content = answer["results"][0]["input_message_content"]
    assert content["parse_mode"] == "HTML"
    assert content["link_preview_options"] == {"is_disabled": True}
