"""Every message the bot can send is valid Telegram HTML under the limit, whatever the input."""

import dataclasses
import datetime as dt

import pytest

from bot.delivery import DeliveryLimits
from bot.domain.config import load_events
from bot.domain.model import Contact, Event, NewsItem, Topics
from bot.domain.times import parse_zone
from bot.domain.topics import rank_topics
from bot.domain.views import (
    AuditView,
    BroadcastView,
    DeliveryEstimate,
    NewsEntry,
    Progress,
    Reader,
    StatsView,
)
from bot.render import answers
from bot.render import broadcasts as broadcast_text
from bot.render import organizers as organizer_text
from bot.render import subscribers as subscriber_text
from bot.render.html import MESSAGE_LIMIT, esc, split_message, visible_length
from bot.render.reply import Reply
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
    news = [NewsEntry(esc(text), NOW), NewsEntry("<b>bold</b> &amp;", None)]
    return [
        subscriber_text.welcome(event, subscribed=False),
        subscriber_text.welcome(event, subscribed=True),
        subscriber_text.help_text(event, reader),
        subscriber_text.dates(event, reader),
        subscriber_text.next_date(event, reader),
        subscriber_text.next_date(
            event, dataclasses.replace(reader, now=NOW + dt.timedelta(days=400))
        ),
        subscriber_text.topics(event, reader),
        subscriber_text.scope(event, text, matches),
        subscriber_text.scope(event, "", []),
        subscriber_text.contacts(event),
        subscriber_text.cfp(event),
        subscriber_text.venue(event, reader),
        subscriber_text.news(event, news, reader),
        subscriber_text.news(event, [], reader),
        subscriber_text.subscribed(event, was_new=True),
        subscriber_text.subscribed(event, was_new=False),
        subscriber_text.unsubscribed(event, was_subscribed=True),
        subscriber_text.unsubscribed(event, was_subscribed=False),
        subscriber_text.timezone_current(reader.zone, NOW),
        subscriber_text.timezone_current(None, NOW),
        subscriber_text.timezone_set(parse_zone("Asia/Kolkata"), NOW),
        subscriber_text.timezone_choices(text, ["America/New_York", "America/Chicago"]),
        subscriber_text.timezone_unknown(text, ["Europe/Paris"]),
        subscriber_text.settings(
            event, subscribed=True, mode="deadlines", muted=frozenset({"paper"})
        ),
        subscriber_text.settings(event, subscribed=False, mode="all", muted=frozenset()),
        subscriber_text.about(event),
        subscriber_text.calendar_caption(event),
        *(Reply(card.text) for card in subscriber_text.inline_date_cards(event, reader)),
        *(Reply(card.text) for card in subscriber_text.inline_topic_cards(event, text, matches)),
        *(Reply(card.text) for card in subscriber_text.inline_topic_cards(event, text, [])),
        subscriber_text.unknown_command(text),
        organizer_text.post_controls("d1", 3, NOW + dt.timedelta(days=1), reader),
        organizer_text.post_controls(
            "d1", 30_000, None, reader, DeliveryEstimate.of(30_000, DeliveryLimits.telegram())
        ),
        organizer_text.post_scheduled(7, NOW + dt.timedelta(days=1), reader),
        subscriber_text.throttled(),
        subscriber_text.something_went_wrong(),
        subscriber_text.group_admins_only(),
        *organizer_replies(event, reader, text),
        *(broadcast_text.reminder(event, kd, reader) for kd in event.key_dates),
        *(broadcast_text.date_moved(event, kd, NOW, reader) for kd in event.key_dates),
        broadcast_text.news_post(event, esc(text)),
        *several_series_replies(event, reader, text),
    ]


def several_series_replies(event: Event, reader: Reader, text: str) -> list[Reply]:
    """The texts that name the series a chat follows, in a bot of two series."""
    other = dataclasses.replace(event, id="other2026", series=text, short_name=text)
    both = [event, other]
    return [
        subscriber_text.help_text(event, reader, following=both, carried=both),
        subscriber_text.help_text(None, reader, carried=both),
        subscriber_text.help_text(other, reader, following=[other], carried=both),
        subscriber_text.about(event, 2),
        subscriber_text.timezone_set(parse_zone("Asia/Kolkata"), NOW, (other, event.key_dates[0])),
        answers.suggestions(("deadline", "topics"), (other, "other")),
        organizer_text.reloaded([event], []),
        organizer_text.admin_help(other, both),
        organizer_text.admin_help(event, both, default=False),
        organizer_text.reloaded(both, [text]),
        organizer_text.reloaded([other], [], others_left=True),
    ]


def test_texts_of_several_series_name_them(event: Event) -> None:
    mlsys = dataclasses.replace(event, id="mlsys2026", series="mlsys", short_name="MLSys 2026")
    both = [event, mlsys]
    reader = READERS[0]
    followed = parse_html(
        subscriber_text.help_text(mlsys, reader, following=both, carried=both).text
    )[0]
    assert followed.startswith("You follow EuroMLSys 2026, MLSys 2026.")
    assert "Commands answer for MLSys 2026" in followed and "/dates euromlsys" in followed
    assert "/events" in followed
    none = parse_html(subscriber_text.help_text(None, reader, carried=both).text)[0]
    assert "You follow none of the 2 events" in none and "I will ask which one" in none
    group = subscriber_text.help_text(
        event, Reader(None, NOW, in_group=True), following=[event], carried=both
    ).text
    assert "Commands answer for <b>EuroMLSys 2026</b>" in group and "/dates mlsys" in group
    assert "\n/dates · /next" in group and group.endswith("/events")
    single = parse_html(subscriber_text.help_text(event, reader).text)[0]
    assert single.startswith("EuroMLSys 2026: what I can do") and "/events" not in single
    partial = organizer_text.reloaded([mlsys], [], others_left=True).text
    assert "the files of <b>MLSys 2026</b> only" in partial and "ADMIN_IDS" in partial
    whole = organizer_text.reloaded(both, []).text
    assert "every event's files (<b>EuroMLSys 2026</b>, <b>MLSys 2026</b>)" in whole


def organizer_replies(event: Event, reader: Reader, text: str) -> list[Reply]:
    """The organizers' messages, from the data the services return."""
    stats = StatsView(
        active=3,
        inactive=1,
        unreachable=1,
        by_mode={"all": 2, "deadlines": 1, text: 1},
        by_timezone={text: 2, None: 1},
        scheduled=4,
        next_reminder=(text, NOW),
        pending=7,
    )
    audit = [
        AuditView(NOW, 7, "extend", '{"key_date": "paper"}', "ok", text, text),
        AuditView(NOW, 8, "post", text, text, None, "olivia"),
        AuditView(NOW, None, "reload", "{}", "ok"),
    ]
    listed = [BroadcastView(1, "news", text, "done", 3, 2, NOW, True)]
    progress = Progress(
        1, "done", 3, 2, 1, 0, 0, 0, 0, 1.5, None, 2.0, True, {"failed_reasons": {text: 1}}
    )
    return [
        organizer_text.stats(event, stats, reader),
        organizer_text.audit_log(audit, reader),
        organizer_text.broadcasts_list(listed, reader),
        organizer_text.broadcast_status(progress),
        organizer_text.broadcast_status(dataclasses.replace(progress, finished=False, left=1)),
        organizer_text.no_such_key_date(text, [kd.id for kd in event.key_dates]),
        organizer_text.cancel_usage(),
    ]


def test_organizers_read_the_services_data(event: Event) -> None:
    (stats, audit, *_) = organizer_replies(event, READERS[0], "x")
    stats_text = parse_html(stats.text)[0]
    assert "Next reminder: x at 2026-02-12T07:59:00Z" in stats_text
    assert "All reminders 2, Deadlines only 1, x 1" in stats_text
    audit_text = parse_html(audit.text)[0]
    assert "x (@x) extended paper" in audit_text and "@olivia posted news" in audit_text
    assert "the bot reloaded the config" in audit_text


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
    reply = subscriber_text.contacts(hostile)
    visible = "".join(parse_html(part)[0] for part in split_message(reply.text))
    assert "</b>role" in visible and "<i>name" in visible and "&aff" in visible


def test_dates_show_aoe_as_written_the_readers_time_and_a_date_time_entity(event: Event) -> None:
    reply = subscriber_text.dates(event, Reader(parse_zone("Europe/Berlin"), NOW))
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
        subscriber_text.next_date(
            event, Reader(None, dt.datetime(2026, 11, 28, tzinfo=dt.UTC))
        ).text
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
