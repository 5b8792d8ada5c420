"""Pure answers: topic scope, plain questions, zones, flood control, settings, redaction."""

import logging

import pytest

from bot.domain.config import load_events
from bot.domain.questions import understand
from bot.domain.topics import STRONG_MATCH, rank_topics
from bot.domain.zones import resolve_zone
from bot.logs import RedactingFilter
from bot.settings import Settings, SettingsError
from bot.telegram.flood import FloodGuard

EVENT = load_events("config")[0]
TOPICS = EVENT.topics.items  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("query", "best"),
    [
        ("LLM inference optimization", "Optimisation in Large Language Model (LLM)"),
        ("graph neural networks", "Graph neural networks"),
        ("GNNs", "Graph neural networks"),
        (
            "quantization and pruning of networks",
            "Neural network compression and pruning in systems",
        ),
        ("agents", "Agentic Systems"),
        (
            "reinforcment learning systems",
            "Systems for model-free and model-based Reinforcement Learning",
        ),
        ("bayesian optimisation of systems", "System optimisation using Bayesian Optimisation"),
    ],
)
def test_scope_ranks_the_closest_topic_first(query: str, best: str) -> None:
    matches = rank_topics(query, TOPICS)
    assert matches and matches[0].topic == best
    assert matches[0].score >= STRONG_MATCH


def test_scope_finds_nothing_for_unrelated_words() -> None:
    assert rank_topics("protein folding wet lab", TOPICS) == []
    assert rank_topics("", TOPICS) == []


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("When is the paper deadline?", "key_date"),
        ("what's next?", "next"),
        ("What topics?", "topics"),
        ("who do I contact?", "contacts"),
        ("Where is the workshop?", "venue"),
        ("how do I submit", "submission"),
        ("any news?", "news"),
        ("please remind me", "subscribe"),
    ],
)
def test_plain_questions(text: str, kind: str) -> None:
    answer = understand(EVENT, text).answer
    assert answer is not None and answer.kind == kind


def test_scope_questions_carry_their_subject() -> None:
    answer = understand(EVENT, "Is federated learning in scope?").answer
    assert answer is not None
    assert (answer.kind, answer.subject) == ("scope", "federated learning")
    assert understand(EVENT, "banana bread").answer is None


@pytest.mark.parametrize(
    ("text", "zone"),
    [
        ("Europe/Berlin", "Europe/Berlin"),
        ("berlin", "Europe/Berlin"),
        ("New York", "America/New_York"),
        ("IN", "Asia/Kolkata"),
        ("india", "Asia/Kolkata"),
        ("+5:30", "UTC+05:30"),
        ("UTC-3", "UTC-03:00"),
        ("aoe", "AoE"),
        ("Edinburgh", "Europe/London"),
    ],
)
def test_zone_input_resolves(text: str, zone: str) -> None:
    choice = resolve_zone(text)
    assert choice.zone is not None and choice.zone.label == zone


def test_ambiguous_and_unknown_zone_input_offers_choices() -> None:
    us = resolve_zone("US")
    assert us.zone is None and "America/New_York" in us.candidates and us.error is None
    typo = resolve_zone("Pariss")
    assert typo.zone is None and typo.candidates == ("Europe/Paris",) and typo.error
    assert resolve_zone("xyzzy").candidates == ()


def test_flood_guard_throttles_one_user_with_one_warning_and_spares_others() -> None:
    now = [0.0]
    guard = FloodGuard(burst=5, rate=1.0, monotonic=lambda: now[0])
    results = [guard.check(1) for _ in range(30)]
    assert [allowed for allowed, _ in results].count(True) == 5
    assert [warn for _, warn in results].count(True) == 1
    assert guard.check(2) == (True, False)
    now[0] += 2.0
    assert guard.check(1) == (True, False)


def test_settings_from_environment() -> None:
    settings = Settings.from_env(
        {"TELEGRAM_BOT_TOKEN": "123:abc", "ADMIN_IDS": "1, 2 3", "LOG_LEVEL": "debug"}
    )
    assert settings.admin_ids == frozenset({1, 2, 3})
    assert settings.log_level == "DEBUG"
    assert "123:abc" not in repr(settings)
    with pytest.raises(SettingsError, match="ADMIN_IDS"):
        Settings.from_env({"ADMIN_IDS": "alice"})
    with pytest.raises(SettingsError, match="TELEGRAM_API_BASE_URL"):
        Settings.from_env({"TELEGRAM_API_BASE_URL": "127.0.0.1:8081"})


def test_redaction_hides_the_token_and_token_shaped_strings() -> None:
    token = "123456789:" + "FAKE-" * 8  # built at run time: no token-shaped literal in the repo
    record = logging.LogRecord(
        "httpx", logging.INFO, __file__, 1, "POST https://api/bot%s/getMe", (token,), None
    )
    RedactingFilter([token]).filter(record)
    assert token not in record.getMessage() and "[REDACTED]" in record.getMessage()
    other = logging.LogRecord("x", logging.INFO, __file__, 1, "987654321:" + "x" * 35, None, None)
    RedactingFilter().filter(other)
    assert "xxxxx" not in other.getMessage()
