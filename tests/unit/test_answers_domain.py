"""Aliases, keywords and zones: config validation and the pure matching behind answers."""

from __future__ import annotations

import textwrap

import pytest

from bot.domain.aliases import default_aliases, names_of_dates
from bot.domain.config import ConfigError, load_event_text, load_events
from bot.domain.questions import understand
from bot.domain.zones import resolve_zone, zone_at, zones_for_language
from tests.scope_eval import evaluate, table

BASE = """\
id: demo
name: Demo Workshop
short_name: Demo 2026
website: https://example.org
key_dates:
  - id: paper
    title: Paper deadline
    kind: deadline
    at: 2026-02-15 23:59 AoE
  - id: final
    title: Camera-ready due
    kind: deadline
    at: 2026-03-25
"""


def load(extra: str = "", dates: str = BASE) -> object:
    return load_event_text(dates + textwrap.dedent(extra), "demo.yaml")


def test_default_aliases_follow_kind_and_title() -> None:
    event = load_events("config")[0]
    names = names_of_dates(event)
    assert {"camera ready", "final version", "cr"} <= set(names["final-paper"])
    assert {"decision", "notified", "acceptance"} <= set(names["notification"])
    assert {"paper deadline", "submission"} <= set(names["paper"])
    assert "workshop" in names["workshop"]
    assert "paper deadline" in default_aliases(event.key_dates[0])


def test_written_aliases_are_read_and_name_their_date() -> None:
    text = BASE.replace(
        "    at: 2026-03-25\n", "    at: 2026-03-25\n    aliases: [proceedings version, PV]\n"
    )
    event = load_event_text(text, "demo.yaml")
    assert event.key_date("final").aliases == ("proceedings version", "PV")  # type: ignore[union-attr]
    answer = understand(event, "when is the PV due?").answer
    assert answer is not None and answer.key_date == "final"


@pytest.mark.parametrize(
    ("aliases", "message"),
    [
        ("[Paper deadline]", "alias 'Paper deadline' also names key date 'paper'"),
        ("['']", "is not valid: a few words"),
        ("[' ?! ']", "is not valid: a few words"),
        ("camera", "must be a list"),
    ],
)
def test_bad_aliases_are_refused_with_file_field_and_line(aliases: str, message: str) -> None:
    text = BASE.replace("    at: 2026-03-25\n", f"    at: 2026-03-25\n    aliases: {aliases}\n")
    with pytest.raises(ConfigError) as caught:
        load_event_text(text, "demo.yaml")
    report = caught.value.report()
    assert "demo.yaml:" in report and "key_dates[1].aliases" in report and message in report


def test_topic_keywords_are_read_and_checked() -> None:
    good = """\
    topics:
      items: [Graph neural networks, Custom hardware for machine learning]
      keywords:
        Custom hardware for machine learning: [systolic arrays]
    """
    event = load(good)
    assert event.topics.keywords == (  # type: ignore[attr-defined]
        ("Custom hardware for machine learning", ("systolic arrays",)),
    )
    bad = good.replace("Custom hardware for machine learning: [", "Custom hardwar for ML: [")
    with pytest.raises(
        ConfigError, match=r"topics\.keywords\.Custom hardwar for ML: .*did you mean"
    ):
        load(bad)
    empty = good.replace("[systolic arrays]", "[]")
    with pytest.raises(ConfigError, match="must not be empty"):
        load(empty)


def test_keywords_move_a_topic_into_scope() -> None:
    from bot.domain.topics import scope_verdict

    topics = ("Graph neural networks", "Custom hardware for machine learning")
    assert scope_verdict("systolic arrays", topics).verdict != "In scope"
    keywords = [("Custom hardware for machine learning", ["systolic arrays"])]
    assert scope_verdict("systolic arrays", topics, keywords).verdict == "In scope"


@pytest.mark.parametrize(
    ("typed", "zone"),
    [
        ("São Paulo", "America/Sao_Paulo"),
        ("sao paulo", "America/Sao_Paulo"),
        ("Zürich", "Europe/Zurich"),
        ("Berlin, Germany", "Europe/Berlin"),
        ("New York, USA", "America/New_York"),
        ("Lyon, France", "Europe/Paris"),
        ("Edinburgh, UK", "Europe/London"),
        ("Deutschland", "Europe/Berlin"),
        ("Germny", "Europe/Berlin"),
        ("India", "Asia/Kolkata"),
        ("Austin, Texas", "America/Chicago"),
        ("Paris, Texas", "America/Chicago"),
        ("Tbilisi, Georgia", "Asia/Tbilisi"),
        ("Atlanta, Georgia", "America/New_York"),
        ("Toronto, Ontario", "America/Toronto"),
        ("California", "America/Los_Angeles"),
    ],
)
def test_cities_countries_with_and_without_accents(typed: str, zone: str) -> None:
    choice = resolve_zone(typed)
    assert choice.zone is not None and choice.zone.label == zone


def test_abbreviations_offer_the_zones_people_mean() -> None:
    cet = resolve_zone("CET")
    assert cet.zone is None and cet.abbreviation is not None
    assert cet.candidates[:2] == ("Europe/Berlin", "Europe/Paris")
    assert "UTC+01:00" in cet.candidates
    assert not any("Ceuta" in name for name in cet.candidates)
    assert resolve_zone("pst").candidates[0] == "America/Los_Angeles"
    assert resolve_zone("EST").candidates[0] == "America/New_York"
    ist = resolve_zone("IST")
    assert ist.candidates[:2] == ("Asia/Kolkata", "Europe/Dublin")
    assert not any(name.startswith("UTC") for name in ist.candidates)  # IST has no one offset


def test_brazil_offers_sao_paulo_not_only_small_towns() -> None:
    assert "America/Sao_Paulo" in resolve_zone("Brazil").candidates


def test_language_guesses_and_location() -> None:
    assert zones_for_language("pt-br") == ("America/Sao_Paulo",)
    assert zones_for_language("de")[0] == "Europe/Berlin"
    assert zones_for_language("en-US")[0] == "America/New_York"
    assert zones_for_language(None) == () and zones_for_language("xx") == ()
    assert zone_at(55.95, -3.19).label == "Europe/London"  # type: ignore[union-attr]
    assert zone_at(-23.55, -46.63).label == "America/Sao_Paulo"  # type: ignore[union-attr]
    assert zone_at(0.0, -30.0).label == "UTC-02:00"  # type: ignore[union-attr]  # at sea
    assert zone_at(91.0, 0.0) is None


def test_scope_verdicts_meet_their_targets_on_the_labelled_set() -> None:
    scores, misses = evaluate()
    print("\n" + table(scores))  # shown with pytest -s; the README quotes it
    by_verdict = {s.verdict: s for s in scores}
    assert sum(s.labelled for s in scores) >= 60
    assert {s.labelled > 0 for s in scores} == {True}
    assert by_verdict["In scope"].precision >= 0.9, misses
    assert by_verdict["Probably out of scope"].recall >= 0.8, misses


def test_a_name_that_is_a_country_and_a_state_offers_both() -> None:
    assert resolve_zone("Georgia").candidates == ("Asia/Tbilisi", "America/New_York")


@pytest.mark.parametrize(
    "typed",
    ["", ",", ",,,", "/", "+", "Europe/", "UTC+99", "👍", "a" * 500, ", Germany", "Berlin,"],
)
def test_odd_zone_input_never_raises(typed: str) -> None:
    choice = resolve_zone(typed)
    assert choice.zone is not None or choice.error is not None or choice.candidates


@pytest.mark.parametrize(
    ("words", "topic"),
    [
        ("LLM", "Optimisation in Large Language Model (LLM)"),
        ("GNNs", "Graph neural networks"),
        ("RL", "Systems for model-free and model-based Reinforcement Learning"),
        ("DNN pruning", "Neural network compression and pruning in systems"),
        ("GPU", "Custom hardware for machine learning"),
        ("FL at scale", "Large scale distributed learning algorithms in practice"),
        ("reinforcment learning", "Systems for model-free and model-based Reinforcement Learning"),
        ("optimizing compilers for DNNs", "ML Compiler Optimisation"),
    ],
)
def test_field_abbreviations_stems_and_typos_reach_their_topic(words: str, topic: str) -> None:
    from bot.domain.topics import scope_verdict

    event = load_events("config")[0]
    assert event.topics is not None
    verdict = scope_verdict(words, event.topics.items, event.topics.keywords)
    assert verdict.verdict == "In scope" and verdict.matches[0].topic == topic
