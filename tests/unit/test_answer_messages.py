"""Answers to plain questions and time-zone texts are valid Telegram HTML, whatever the input."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.domain.model import Event
from bot.domain.times import parse_zone
from bot.domain.topics import scope_verdict
from bot.domain.views import Reader
from bot.domain.zone_abbreviations import ABBREVIATIONS
from bot.render import answers
from bot.render import zones as zone_texts
from bot.render.html import MESSAGE_LIMIT, esc, split_message
from bot.render.reply import Reply
from bot.sandbox.entities import parse_html, utf16_len
from tests.unit.test_messages import HOSTILE, LONG, NOW, READERS, event, hostile

__all__ = ["event", "hostile"]  # the fixtures, shared with test_messages


def every_answer(event: Event, reader: Reader, text: str) -> list[Reply]:
    items = event.topics.items if event.topics else ()
    zones = (parse_zone("Europe/Berlin"), parse_zone("AoE"), parse_zone("UTC+05:30"))
    replies = [answers.key_date(event, kd, reader, zones) for kd in event.key_dates]
    replies += [answers.key_date(event, kd, reader) for kd in event.key_dates]
    replies += [
        answers.no_deadline(event),
        answers.aoe(event, reader),
        answers.publication(event),
        answers.colocation(event, reader),
        answers.social(event),
        answers.website(event),
        answers.greeting(event),
        answers.thanks(),
        answers.submission(event, reader),
        answers.not_in_call(event, text),
        answers.suggestions(["deadline", "topics", "contacts"]),
        answers.scope_verdict(event, scope_verdict(text, items)),
        answers.scope_verdict(event, scope_verdict("graph neural networks", items)),
        answers.scope_verdict(event, scope_verdict("", items)),
        zone_texts.with_onboarding(
            Reply(esc(text)), ["America/Argentina/Buenos_Aires"], private=True
        ),
        zone_texts.location_request(),
        zone_texts.type_city(),
        zone_texts.zone_from_location(parse_zone("Asia/Kolkata"), NOW),
        zone_texts.location_unknown(),
    ]
    replies += [zone_texts.abbreviation_choices(entry) for entry in ABBREVIATIONS.values()]
    return replies


@pytest.mark.parametrize("reader", READERS, ids=["no-zone", "kiritimati", "group"])
@pytest.mark.parametrize("which", ["shipped", "hostile"])
def test_every_answer_is_valid_html_under_the_limit(
    event: Event, hostile: Event, reader: Reader, which: str
) -> None:
    source = event if which == "shipped" else hostile
    for index, reply in enumerate(every_answer(source, reader, HOSTILE + LONG)):
        for part in split_message(reply.text):
            try:
                text, _ = parse_html(part)  # raises exactly as Telegram would
            except Exception as exc:
                raise AssertionError(f"reply {index}: {reply.text[:300]}") from exc
            assert 0 < utf16_len(text) <= MESSAGE_LIMIT
        for row in reply.buttons:
            for button in row:
                assert button.data is None or len(button.data.encode()) <= 64


def test_one_key_date_answer_is_as_written_in_the_readers_zone_and_counts_down(
    event: Event,
) -> None:
    paper = event.key_date("paper")
    assert paper is not None
    reply = answers.key_date(event, paper, Reader(parse_zone("Europe/Berlin"), NOW))
    text, _ = parse_html(reply.text)
    assert "Sun 15 Feb 2026, 23:59 AoE (UTC−12)" in text
    assert "Mon 16 Feb 2026, 12:59 CET (UTC+1)" in text
    assert "4 days 4 hours left" in text and "/dates" in text
    assert "Final paper due" not in text


def test_the_deadline_after_the_last_one_is_the_last_one(event: Event) -> None:
    late = Reader(None, NOW + dt.timedelta(days=300))
    deadline = answers.next_deadline(event, late)
    assert deadline is not None and deadline.id == "final-paper"
