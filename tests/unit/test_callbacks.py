"""Callback data: every button fits Telegram's 64 bytes and only what the bot built decodes."""

import datetime as dt
import zoneinfo

import pytest
import pytz
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.config import load_event_text, load_events
from bot.domain.model import Event
from bot.domain.questions import SUGGESTIBLE
from bot.domain.reminding import REMINDER_MODES, reminded
from bot.domain.series import series_of
from bot.domain.times import parse_zone
from bot.domain.views import Reader
from bot.domain.zone_abbreviations import ABBREVIATIONS
from bot.domain.zones import LANGUAGE_ZONES
from bot.render import answers
from bot.render import callbacks as cb
from bot.render import organizers as organizer_text
from bot.render import subscribers as subscriber_text
from bot.render import zones as zone_texts
from bot.render.reply import Reply

SHIPPED = load_events("config")[0]
LONGEST_ID = "a" + "-z9_" * 15 + "end"  # 64 characters, the schema's maximum
assert len(LONGEST_ID) == 64


def long_id_event() -> Event:
    dates = "".join(
        f"""
  - id: {LONGEST_ID[:-1]}{n}
    title: Date {n}
    kind: deadline
    at: 2026-0{n}-15 23:59 AoE"""
        for n in range(1, 4)
    )
    text = f"""\
id: {LONGEST_ID}
name: A workshop with long ids
short_name: Long 2026
website: https://example.org
key_dates:{dates}
"""
    return load_event_text(text, "long.yaml")


def callback_data(reply: Reply) -> list[str]:
    return [b.data for row in reply.buttons for b in row if b.data is not None]


def every_reply(event: Event) -> list[Reply]:
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    all_ids = frozenset(kd.id for kd in event.key_dates)
    longest_zone = max(pytz.all_timezones, key=len)
    return [
        subscriber_text.welcome(event, subscribed=False),
        subscriber_text.welcome(event, subscribed=True),
        subscriber_text.subscribed(event, was_new=True),
        subscriber_text.unsubscribed(event, was_subscribed=True),
        *(
            subscriber_text.settings(event, subscribed=True, mode=mode, muted=muted)
            for mode in REMINDER_MODES
            for muted in (frozenset(), all_ids)
        ),
        subscriber_text.settings(event, subscribed=False, mode="all", muted=frozenset()),
        subscriber_text.timezone_choices(
            "x", [longest_zone, "UTC+05:30", "America/Port-au-Prince"]
        ),
        subscriber_text.timezone_unknown("x", [longest_zone]),
        organizer_text.post_controls("f" * 12, 10, None, Reader(None, now)),
        *(zone_texts.abbreviation_choices(entry) for entry in ABBREVIATIONS.values()),
        *(
            zone_texts.with_onboarding(
                subscriber_text.welcome(event, subscribed=False), zones, private=p
            )
            for zones in LANGUAGE_ZONES.values()
            for p in (True, False)
        ),
        answers.suggestions(SUGGESTIBLE),
        answers.suggestions(SUGGESTIBLE, (event, series_of(event))),
    ]


@pytest.mark.parametrize("event", [SHIPPED, long_id_event()], ids=["shipped", "longest-ids"])
def test_a_suggestion_names_the_series_it_answers_for(event: Event) -> None:
    sid = series_of(event)
    asks = [cb.decode(d) for d in callback_data(answers.suggestions(SUGGESTIBLE, (event, sid)))]
    assert asks and all(isinstance(a, cb.Ask) and a.series_id([sid, "other"]) == sid for a in asks)


@pytest.mark.parametrize("event", [SHIPPED, long_id_event()], ids=["shipped", "longest-ids"])
def test_every_button_fits_64_bytes_and_decodes_to_what_it_means(event: Event) -> None:
    datas = [d for reply in every_reply(event) for d in callback_data(reply)]
    assert datas
    for data in datas:
        assert len(data.encode("utf-8")) <= cb.MAX_BYTES, data
        assert cb.decode(data) is not None, data
    settings = subscriber_text.settings(event, subscribed=True, mode="all", muted=frozenset())
    toggles = [cb.decode(d) for d in callback_data(settings) if d.startswith("mute:")]
    ids = [kd.id for kd in event.key_dates]
    meant = [t.key_date_id(ids) for t in toggles if isinstance(t, cb.ToggleDate)]
    assert sorted(meant) == sorted(ids)  # each button names its own date, no other


def test_a_long_id_travels_as_a_hash_and_a_short_one_as_it_is() -> None:
    assert cb.encode(cb.toggle_date("paper")) == "mute:paper"
    data = cb.encode(cb.toggle_date(LONGEST_ID))
    assert data.startswith("mute:~") and len(data) == len("mute:~") + 16


def test_data_over_the_limit_is_refused_when_built() -> None:
    with pytest.raises(cb.CallbackDataError, match="64"):
        cb.encode(cb.ToggleDate(LONGEST_ID))  # the id itself, not its short reference
    with pytest.raises(cb.CallbackDataError, match="not well-formed"):
        cb.encode(cb.ChooseZone("Europe/Paris ; drop"))


@pytest.mark.parametrize(
    "data",
    [
        "garbage",
        "",
        "post:",
        "post:send",
        "post:launch:abc123",
        "post:send:../../etc",
        "mode:everything",
        "mute:",
        "mute:Paper!",
        "tz:",
        "tz:Europe/Paris;DROP",
        "subscribe ",
        "x" * 65,
        "ask:",
        "ask:banana",
        "ask:key_date",  # a kind, but not one the bot offers as a button
        "ask:deadline:1:2",
        "locate:",
        "type-city ",
        "tz:Europe/Paris<b>",
    ],
)
def test_forged_or_mangled_data_decodes_to_nothing(data: str) -> None:
    assert cb.decode(data) is None


ACTIONS = st.one_of(
    st.just(cb.Subscribe()),
    st.just(cb.OpenSettings()),
    st.sampled_from(["all", "deadlines", "off"]).map(cb.SetMode),  # type: ignore[arg-type]
    st.from_regex(r"\A[a-z0-9][a-z0-9_-]{0,63}\Z").map(cb.toggle_date),
    st.sampled_from(sorted(pytz.all_timezones)).map(cb.ChooseZone),
    st.just(cb.UseLocation()),
    st.just(cb.TypeCity()),
    st.sampled_from(SUGGESTIBLE).map(cb.Ask),
    st.builds(
        cb.PostAction,
        st.sampled_from(["send", "edit", "cancel"]),
        st.from_regex(r"\A[0-9a-f]{12}\Z"),
    ),
)


@given(ACTIONS)
def test_every_action_round_trips_within_the_limit(action: cb.Callback) -> None:
    data = cb.encode(action)
    assert len(data.encode("utf-8")) <= cb.MAX_BYTES
    assert cb.decode(data) == action


@given(st.text(max_size=80))
def test_decoding_anything_never_raises_and_only_accepts_what_encodes_back(data: str) -> None:
    action = cb.decode(data)
    if action is not None:
        assert cb.encode(action) == data


def test_the_settings_buttons_say_what_will_happen_in_every_mode() -> None:
    paper = SHIPPED.key_date("paper")
    notification = SHIPPED.key_date("notification")
    assert paper is not None and notification is not None
    muted = frozenset({"paper"})

    def labels(mode: str, muted: frozenset[str]) -> dict[str, str]:
        reply = subscriber_text.settings(SHIPPED, subscribed=True, mode=mode, muted=muted)
        return {
            cb.decode(b.data).ref: b.label  # type: ignore[union-attr]
            for row in reply.buttons[1:]
            for b in row
            if b.data
        }

    # In "news only", muting a date changes its button (the trap of issue 12 item 7).
    assert labels("off", frozenset())["paper"] == "💤 Paper submission deadline (paused: news only)"
    assert labels("off", muted)["paper"] == "🔕 Paper submission deadline"
    # Back in "all", the muted date says so, and the others are on.
    assert labels("all", muted)["paper"] == "🔕 Paper submission deadline"
    assert labels("all", muted)["notification"] == "🔔 Acceptance notification"
    assert labels("deadlines", frozenset())["notification"].startswith("💤")
    # The label agrees with the rule the sender applies.
    for mode in REMINDER_MODES:
        for chosen in (frozenset(), muted):
            for kd in SHIPPED.key_dates:
                on = reminded(kd, mode, chosen)
                assert labels(mode, chosen)[kd.id].startswith("🔔") == on


def _offset_label(minutes: int) -> str:
    sign = "-" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{rest:02d}"


ZONE_LABELS = sorted(
    set(pytz.all_timezones)
    | zoneinfo.available_timezones()
    | {_offset_label(m) for m in range(-12 * 60, 14 * 60 + 1, 15)}
    | {"UTC", "AoE"}
)


@pytest.mark.parametrize("label", ["UTC+05:30", "UTC-08:00", "America/Argentina/Buenos_Aires"])
def test_zone_labels_the_chat_offers_travel_as_they_are(label: str) -> None:
    assert cb.encode(cb.ChooseZone(label)) == f"tz:{label}"
    assert cb.decode(f"tz:{label}") == cb.ChooseZone(label)


def test_every_zone_label_a_button_can_carry_fits_and_names_that_zone() -> None:
    """Every IANA name, every offset label (15-minute steps) and the fixed zones."""
    for label in ZONE_LABELS:
        data = cb.encode(cb.ChooseZone(label))
        assert len(data.encode("utf-8")) <= cb.MAX_BYTES, label
        action = cb.decode(data)
        assert isinstance(action, cb.ChooseZone) and action.zone == label
    for minutes in range(-12 * 60, 14 * 60 + 1, 15):  # what the handler makes of an offset
        label = _offset_label(minutes)
        assert parse_zone(label).label == (label if minutes else "UTC")


def test_the_time_zone_onboarding_and_suggestions_decode_to_their_actions() -> None:
    welcome = subscriber_text.welcome(SHIPPED, subscribed=False)
    onboarded = zone_texts.with_onboarding(welcome, ("America/Sao_Paulo",), private=True)
    actions = [cb.decode(d) for d in callback_data(onboarded)]
    assert actions == [
        cb.Subscribe(),
        cb.ChooseZone("America/Sao_Paulo"),
        cb.UseLocation(),
        cb.TypeCity(),
    ]
    in_group = zone_texts.with_onboarding(welcome, (), private=False)
    assert cb.UseLocation() not in [cb.decode(d) for d in callback_data(in_group)]
    suggested = answers.suggestions(("deadline", "topics"))
    assert [cb.decode(d) for d in callback_data(suggested)] == [
        cb.Ask("deadline"),
        cb.Ask("topics"),
    ]
    cet = zone_texts.abbreviation_choices(ABBREVIATIONS["CET"])
    assert cb.ChooseZone("UTC+01:00") in [cb.decode(d) for d in callback_data(cet)]
