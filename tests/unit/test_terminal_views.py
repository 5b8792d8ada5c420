"""The shell shows organizers the same stats and progress as Telegram, without the markup."""

import datetime as dt

from bot.domain.config import load_events
from bot.domain.plan import plan
from bot.domain.text import plain_text
from bot.domain.views import Progress, Reader, StatsView
from bot.render import organizers as organizer_text
from bot.storage.models import SubscriptionStats

NOW = dt.datetime(2026, 2, 1, tzinfo=dt.UTC)


def test_stats_view_of_counts_and_the_reminders_ahead() -> None:
    (event,) = load_events("config")
    counts = SubscriptionStats(
        active=4, inactive=2, unreachable=1, by_timezone={"Europe/Paris": 3, None: 1},
        by_mode={"all": 3, "off": 1}, by_type={"private": 4},
    )  # fmt: skip
    upcoming = plan([event], NOW)
    view = StatsView.of(counts, upcoming, pending=5)
    assert (view.active, view.inactive, view.unreachable, view.pending) == (4, 2, 1, 5)
    assert view.scheduled == len(upcoming) > 0
    assert view.next_reminder == (upcoming[0].id, upcoming[0].fire_at)
    assert StatsView.of(counts, [], 0).next_reminder is None

    text = organizer_text.stats_plain(event, view, Reader(None, NOW))
    heading, *rest = text.splitlines()
    telegram = plain_text(organizer_text.stats(event, view, Reader(None, NOW)).text).splitlines()
    assert heading == f"{telegram[0]} [{event.id}]" and rest == telegram[1:]
    assert "Reminders: All reminders 3, No reminders (news only) 1" in text
    assert "<" not in text


def test_progress_line_carries_the_status_figures_on_one_line() -> None:
    running = Progress(7, "running", 300, 118, 1, 1, 0, 0, 180, 28.0, 30.0, 4.0, False)
    line = organizer_text.progress_line(running)
    assert "\n" not in line and line.startswith("[") and " 120/300 " in line
    assert organizer_text.progress_counts(running) in line
    assert line.endswith("28.0 messages/s, less than a minute left")
    status = plain_text(organizer_text.broadcast_status(running).text)
    assert organizer_text.progress_counts(running) in status
    assert organizer_text.progress_pace(running) in status

    slow = Progress(7, "running", 300, 118, 1, 1, 0, 0, 180, 0.5, 360.0, 4.0, False)
    assert organizer_text.progress_line(slow).endswith("0.5 messages/s, about 6 minutes left")
    done = Progress(7, "done", 300, 298, 1, 1, 0, 0, 0, 28.0, None, 11.0, True)
    assert organizer_text.progress_line(done).endswith(
        "delivered 298 · blocked 1 · failed 1 · left 0"
    )
