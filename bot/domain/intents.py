"""Plain questions that are not commands: "when is the paper deadline?", "who do I contact?"."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Intent = Literal[
    "dates", "next", "topics", "scope", "contacts", "cfp", "venue", "news", "subscribe", "help"
]


@dataclass(frozen=True)
class Question:
    """What a plain message asks, and the words it is about (for scope questions)."""

    intent: Intent
    subject: str = ""


_SCOPE = re.compile(
    r"^(?:is|does|would|are|could)\s+(?P<subject>.+?)\s+(?:in\s+scope|in\s+the\s+scope|fit|"
    r"relevant|a\s+good\s+fit|on[- ]topic|within\s+scope|suitable)\b",
    re.IGNORECASE,
)

# Ordered: the first rule whose words appear wins.
_RULES: tuple[tuple[Intent, tuple[str, ...]], ...] = (
    ("next", ("next deadline", "next date", "what's next", "whats next", "coming up", "upcoming")),
    ("dates", ("deadline", "due", "when", "date", "notification", "camera", "final paper")),
    ("scope", ("in scope", "scope", "fit the", "relevant")),
    ("topics", ("topic", "subjects", "call for papers about", "areas")),
    ("contacts", ("contact", "who do i", "whom", "chair", "email", "e-mail", "organi", "ask")),
    ("venue", ("where", "venue", "location", "edinburgh", "co-located", "colocated")),
    ("cfp", ("cfp", "call for papers", "submit", "submission", "publish", "proceedings", "acm")),
    ("news", ("news", "announcement", "update")),
    ("subscribe", ("subscribe", "remind", "notify me")),
    ("help", ("help", "what can you", "how do", "commands")),
)


def classify(text: str) -> Question | None:
    """Return what a plain message asks, or None when it asks nothing the bot knows."""
    cleaned = " ".join(text.strip().split())
    if not cleaned:
        return None
    match = _SCOPE.match(cleaned)
    if match:
        return Question("scope", match.group("subject"))
    lowered = cleaned.lower()
    for intent, keywords in _RULES:
        if any(keyword in lowered for keyword in keywords):
            return Question(intent, cleaned if intent == "scope" else "")
    return None
