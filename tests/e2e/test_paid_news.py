"""A paid broadcast end to end: the preview's estimate, the opt-in button, allow_paid_broadcast."""

from __future__ import annotations

import pytest

from bot.sandbox.limits import Limits
from tests.e2e.conftest import Harness
from tests.e2e.test_news import CHAIR, finished_status, news_in, newsroom, preview, subscribers

__all__ = ["newsroom"]  # the fixture, shared with test_news

pytestmark = pytest.mark.sandbox(
    bot_username="deadline_test_bot", limits=Limits.scaled(10, "sliding")
)


async def test_an_organizer_opts_in_to_a_paid_broadcast_per_post(newsroom: Harness) -> None:
    h, sandbox = newsroom, newsroom.sandbox
    readers = await subscribers(h, 6)
    chair = sandbox.create_user("Chair", user_id=CHAIR)

    controls = await preview(h, chair, "/post Free news first")
    assert "at Telegram's free pace" in controls.content
    assert "As a paid broadcast" in controls.content and "Telegram Stars" in controls.content
    labels = [b["text"] for b in controls.buttons()]
    assert labels[0].startswith("✅ Send to 6") and labels[1].startswith("⚡ Paid broadcast")
    send = next(b["callback_data"] for b in controls.buttons() if b["text"].startswith("✅"))
    await h.press(chair, controls, send)  # the default: free
    assert "6 delivered" in await finished_status(h, chair, controls)
    assert sum(sandbox.counters.paid.values()) == 0

    controls = await preview(h, chair, "/post Then a paid one")
    paid = next(b["callback_data"] for b in controls.buttons() if b["text"].startswith("⚡"))
    answer = await h.press(chair, controls, paid)
    assert "Sending to 6" in str(answer.get("text"))
    assert "6 delivered" in await finished_status(h, chair, controls)
    assert {r.id: sandbox.counters.paid[r.id] for r in readers} == {r.id: 1 for r in readers}
    assert all(len(news_in(sandbox, r)) == 2 for r in readers)
    assert sandbox.counters.total_429 == 0
