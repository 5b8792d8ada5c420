"""The plain-question matcher on its own: what each question is understood to ask."""

from __future__ import annotations

import pytest

from bot.domain.config import load_events
from bot.domain.questions import understand

EVENT = load_events("config")[0]

# (question, kind, key date or subject, zone labels)
CASES: list[tuple[str, str, str, tuple[str, ...]]] = [
    ("when is the camera-ready deadline?", "key_date", "final-paper", ()),
    ("When is the CR due?", "key_date", "final-paper", ()),
    ("when do we get notified?", "key_date", "notification", ()),
    ("when are decisions out?", "key_date", "notification", ()),
    ("when is the paper deadline?", "key_date", "paper", ()),
    ("when is the workshop?", "key_date", "workshop", ()),
    ("wen is the dedline", "deadline", "", ()),
    ("WHEN IS THE DEADLINE!!!", "deadline", "", ()),
    ("when is the deadline in Berlin?", "deadline", "", ("Europe/Berlin",)),
    ("when is the deadline in India?", "deadline", "", ("Asia/Kolkata",)),
    ("when is the deadline in PST?", "deadline", "", ("America/Los_Angeles",)),
    (
        "when is the final version due in São Paulo?",
        "key_date",
        "final-paper",
        ("America/Sao_Paulo",),
    ),
    ("when is the next deadline?", "next", "", ()),
    ("what are the deadlines?", "dates", "", ()),
    ("any updates?", "news", "", ()),
    ("where is the workshop?", "venue", "", ()),
    ("is the workshop online?", "venue", "", ()),
    ("where do I submit?", "submission", "", ()),
    ("camera-ready submission link?", "submission", "", ()),
    ("conatct", "contacts", "", ()),
    ("who are the TPC chairs?", "contacts", "", ()),
    ("topcis", "topics", "", ()),
    ("what is AoE?", "aoe", "", ()),
    ("will papers be published?", "publication", "", ()),
    ("can I opt out of the proceedings?", "publication", "", ()),
    ("is the workshop co-located with EuroSys?", "colocation", "", ()),
    ("what's your twitter?", "twitter", "", ()),
    ("what is the website?", "website", "", ()),
    ("hi", "greeting", "", ()),
    ("thank you so much", "thanks", "", ()),
    ("what is the page limit?", "not_in_call", "page limit", ()),
    ("how many pages for the final paper?", "not_in_call", "page limit", ()),
    ("is there a LaTeX template?", "not_in_call", "template", ()),
    ("when is the abstract deadline?", "not_in_call", "abstract deadline", ()),
    ("is federated learning in scope?", "scope", "federated learning", ()),
    ("can I submit a paper on LLM serving?", "scope", "LLM serving", ()),
    ("how do I set my time zone?", "timezone", "", ()),
    ("please remind me", "subscribe", "", ()),
    # French, German, Spanish, Italian, Portuguese, Chinese
    ("Quand est la date limite ?", "deadline", "", ()),
    ("Où se tient l'atelier ?", "venue", "", ()),
    ("Wann ist die Einreichungsfrist?", "key_date", "paper", ()),
    ("Wen kann ich kontaktieren?", "contacts", "", ()),
    ("¿Cuáles son los temas?", "topics", "", ()),
    ("Quando è la scadenza della versione finale?", "key_date", "final-paper", ()),
    ("Quais são as novidades?", "news", "", ()),
    ("论文截止日期是什么时候？", "key_date", "paper", ()),  # "paper deadline"
    ("截止日期是什么时候？", "deadline", "", ()),
    ("录用通知什么时候发？", "key_date", "notification", ()),
]


@pytest.mark.parametrize(("text", "kind", "about", "zones"), CASES)
def test_each_question_is_understood(
    text: str, kind: str, about: str, zones: tuple[str, ...]
) -> None:
    answer = understand(EVENT, text).answer
    assert answer is not None, text
    assert answer.kind == kind, (text, answer)
    if kind == "key_date":
        assert answer.key_date == about
    elif about:
        assert answer.subject == about
    assert tuple(z.label for z in answer.zones) == zones


@pytest.mark.parametrize("text", ["banana bread recipe", "tell me something", "???", "ok"])
def test_what_is_not_understood_gets_two_or_three_suggestions(text: str) -> None:
    understanding = understand(EVENT, text)
    assert understanding.answer is None
    assert 2 <= len(understanding.suggestions) <= 3


def test_a_greeting_before_a_question_does_not_hide_it() -> None:
    answer = understand(EVENT, "hi, when is the deadline?").answer
    assert answer is not None and answer.kind == "deadline"


def test_an_abstract_deadline_is_found_when_the_call_has_one() -> None:
    import dataclasses

    paper = EVENT.key_date("paper")
    assert paper is not None
    abstract = dataclasses.replace(paper, id="abstract", title="Abstract registration")
    event = dataclasses.replace(EVENT, key_dates=(abstract, *EVENT.key_dates))
    answer = understand(event, "when is the abstract deadline?").answer
    assert answer is not None and (answer.kind, answer.key_date) == ("key_date", "abstract")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "👍",
        "?!?!",
        "in",
        "in in in in",
        "when is the deadline in",
        "<b>hi</b> & <script>",
        "x" * 5000,
        "when is the deadline " * 300,
        "مرحبا متى الموعد النهائي",
        "is  in scope?",
        "scope",
        "/start",
        "12345",
        "when is the deadline in UTC+99?",
    ],
)
def test_odd_input_never_raises_and_always_gets_an_answer_or_suggestions(text: str) -> None:
    understanding = understand(EVENT, text)
    assert understanding.answer is not None or 2 <= len(understanding.suggestions) <= 3
