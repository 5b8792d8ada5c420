"""Every message the bot can send is valid Telegram HTML under the limit, whatever the input."""

import dataclasses
import datetime as dt

import pytest

from bot.delivery import DeliveryLimits
from bot.delivery.limits import DeliveryEstimate
from bot.domain.config import load_events
from bot.domain.model import Contact, Event, NewsItem, Topics
from bot.domain.times import parse_zone
from bot.domain.topics import rank_topics
from bot.render import messages
from bot.render.html import MESSAGE_LIMIT, split_message, visible_length
from bot.render.messages import NewsEntry, Reader, Reply
from bot.sandbox.entities import parse_html, utf16_len

NOW = dt.datetime(2026, 2, 12, 7, 59, tzinfo=dt.UTC)
HOSTILE = '<b>&amp; </b> "quoted" <script>x</script> & < > '
LONG = ("ünïcödé 🎓 " + HOSTILE) * 120  # ~8,000 characters


@pytest.fixture(scope="module")
def event() -> Event:
    (shipped,) = load_events("config")
    return shipped


@pytest.fixture(scope="module")
def hostile(event: Event) -> Event:
    key_dates = tuple(
        dataclasses.replace(kd, title=HOSTILE + kd.title, note=LONG) for kd in event.key_dates
    )
    return dataclasses.replace(
        event,
        name=HOSTILE + LONG,
        short_name=HOSTILE,
        summary=LONG,
        key_dates=key_dates,
        topics=Topics(tuple(HOSTILE + str(i) for i in range(60)), intro=HOSTILE, open_ended=True),
        contacts=(Contact("</b>role", "<i>name", "&aff", "a@b.co", "https://x.y/?a=1&b=<2>"),) * 40,
        contact_note=LONG,
        news=(NewsItem("n", LONG),),
    )


def every_reply(event: Event, reader: Reader, text: str) -> list[Reply]:
    matches = rank_topics(text, event.topics.items if event.topics else ())
    news = [NewsEntry(messages.esc(text), NOW), NewsEntry("<b>bold</b> &amp;", None)]
    return [
        messages.welcome(event, subscribed=False),
        messages.welcome(event, subscribed=True),
        messages.help_text(event, reader),
        messages.dates(event, reader),
        messages.next_date(event, reader),
        messages.next_date(event, dataclasses.replace(reader, now=NOW + dt.timedelta(days=400))),
        messages.topics(event, reader),
        messages.scope(event, text, matches),
        messages.scope(event, "", []),
        messages.contacts(event),
        messages.cfp(event),
        messages.venue(event, reader),
        messages.news(event, news, reader),
        messages.news(event, [], reader),
        messages.subscribed(event, was_new=True),
        messages.subscribed(event, was_new=False),
        messages.unsubscribed(event, was_subscribed=True),
        messages.unsubscribed(event, was_subscribed=False),
        messages.timezone_current(reader.zone, NOW),
        messages.timezone_current(None, NOW),
        messages.timezone_set(parse_zone("Asia/Kolkata"), NOW),
        messages.timezone_choices(text, ["America/New_York", "America/Chicago"]),
        messages.timezone_unknown(text, ["Europe/Paris"]),
        messages.settings(event, subscribed=True, mode="deadlines", muted=frozenset({"paper"})),
        messages.settings(event, subscribed=False, mode="all", muted=frozenset()),
        messages.about(event),
        messages.calendar_caption(event),
        *(Reply(card.text) for card in messages.inline_date_cards(event, reader)),
        *(Reply(card.text) for card in messages.inline_topic_cards(event, text, matches)),
        *(Reply(card.text) for card in messages.inline_topic_cards(event, text, [])),
        messages.unknown_command(text),
        messages.post_controls("d1", 3, NOW + dt.timedelta(days=1), reader),
        messages.post_controls(
            "d1", 30_000, None, reader, DeliveryEstimate.of(30_000, DeliveryLimits.telegram())
        ),
        messages.post_scheduled(7, NOW + dt.timedelta(days=1), reader),
        messages.throttled(),
        messages.something_went_wrong(),
        messages.group_admins_only(),
    ]


READERS = [
    Reader(None, NOW),
    Reader(parse_zone("Pacific/Kiritimati"), NOW),
    Reader(parse_zone("UTC-05:30"), NOW, in_group=True),
]


@pytest.mark.parametrize("reader", READERS, ids=["no-zone", "kiritimati", "group"])
@pytest.mark.parametrize("which", ["shipped", "hostile"])
def test_every_message_is_valid_html_under_the_limit(
    event: Event, hostile: Event, reader: Reader, which: str
) -> None:
    source = event if which == "shipped" else hostile
    for reply in every_reply(source, reader, HOSTILE + LONG):
        parts = split_message(reply.text)
        assert parts, reply
        for part in parts:
            text, _entities = parse_html(part)  # raises exactly as Telegram would
            assert 0 < utf16_len(text) <= MESSAGE_LIMIT
        for row in reply.buttons:
            for button in row:
                assert button.data is None or len(button.data.encode()) <= 64


def test_hostile_text_arrives_intact(hostile: Event) -> None:
    reply = messages.contacts(hostile)
    visible = "".join(parse_html(part)[0] for part in split_message(reply.text))
    assert "</b>role" in visible and "<i>name" in visible and "&aff" in visible


def test_dates_show_aoe_as_written_the_readers_time_and_a_date_time_entity(event: Event) -> None:
    reply = messages.dates(event, Reader(parse_zone("Europe/Berlin"), NOW))
    text, entities = parse_html(reply.text)
    assert "Sun 15 Feb 2026, 23:59 AoE (UTC−12)" in text
    assert "Mon 16 Feb 2026, 12:59 CET (UTC+1)" in text
    assert "4 days 4 hours left" in text
    stamps = [e for e in entities if e["type"] == "date_time"]
    assert stamps and stamps[0]["unix_time"] == int(
        dt.datetime(2026, 2, 16, 11, 59, tzinfo=dt.UTC).timestamp()
    )


def test_next_after_the_edition_says_it_is_over(event: Event) -> None:
    text, _ = parse_html(
        messages.next_date(event, Reader(None, dt.datetime(2026, 11, 28, tzinfo=dt.UTC))).text
    )
    assert "is over" in text and "27 Apr 2026" in text and "news" in text


def test_split_keeps_tags_balanced_across_parts() -> None:
    markup = "<b>" + "\n".join(f"line {i} &lt;" for i in range(700)) + "</b>"
    parts = split_message(markup)
    assert len(parts) == 2
    for part in parts:
        text, entities = parse_html(part)
        assert entities[0]["type"] == "bold" and entities[0]["length"] == utf16_len(text)
    assert sum(visible_length(p) for p in parts) == visible_length(markup) - 1  # one newline cut


def test_a_single_huge_line_is_cut_between_words() -> None:
    markup = " ".join(["word&amp;"] * 2000)
    parts = split_message(markup)
    assert len(parts) == 4  # 11,999 visible characters, cut at most ~3,900 per part
    assert all(parse_html(p)[0].endswith("word&") for p in parts)
    assert all(visible_length(p) <= MESSAGE_LIMIT for p in parts)
