"""How long the plain-question matcher and the scope verdict take per message.

Loads the shipped config (its topics, keywords and key-date aliases), warms the caches,
then times each question of a mixed set many times and prints p50, p95 and max in
milliseconds. The target: p95 of the matcher alone ≤ 5 ms on the project machine.

    .venv/bin/python bench/bench_matcher.py [--rounds N]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from bot.domain.config import load_events
from bot.domain.questions import understand
from bot.domain.topics import scope_verdict

CONFIG = Path(__file__).resolve().parent.parent / "config"
QUESTIONS = [
    "when is the camera-ready deadline?",
    "when do we get notified?",
    "wen is the dedline",
    "when is the deadline in Berlin?",
    "when is the deadline in PST?",
    "any updates?",
    "where is the workshop?",
    "conatct",
    "topcis?",
    "what is AoE?",
    "will papers be published?",
    "is it co-located with EuroSys?",
    "what's your twitter?",
    "hi",
    "thanks!",
    "where do I submit?",
    "what is the page limit?",
    "quand est la date limite ?",
    "Wann ist die Frist?",
    "¿Cuándo es la fecha límite?",
    "Quando è la scadenza?",
    "Qual é o prazo?",
    "截止日期是什么时候？",
    "is federated learning privacy in scope?",
    "is quantum computing in scope?",
    "banana bread recipe",
    "hello, when is the final version due in CET?",
    "can you tell me who the organisers are and how to reach them?",
]
SCOPE = ["serving LLMs on GPUs", "federated learning privacy", "quantum computing"]


def percentile(samples: list[float], q: float) -> float:
    """Return the q-th percentile (0–100) of ``samples``."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def timed(call: object, rounds: int) -> list[float]:
    """Run ``call`` ``rounds`` times; return each duration in milliseconds."""
    assert callable(call)
    out: list[float] = []
    for _ in range(rounds):
        start = time.perf_counter()
        call()
        out.append((time.perf_counter() - start) * 1000)
    return out


def main() -> None:
    """Print the matcher's and the scope verdict's timings."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    (event,) = load_events(CONFIG)
    assert event.topics is not None
    questions = QUESTIONS
    understand(event, "warm up")
    matcher: list[float] = []
    for question in questions:
        matcher += timed(lambda q=question: understand(event, q), args.rounds)
    scope: list[float] = []
    for words in SCOPE:
        scope += timed(
            lambda w=words: scope_verdict(w, event.topics.items, event.topics.keywords),  # type: ignore[union-attr]
            args.rounds,
        )
    print(f"{len(questions)} questions × {args.rounds} rounds, {len(SCOPE)} scope phrases")
    for name, samples in (("matcher", matcher), ("scope verdict", scope)):
        print(
            f"{name:14} p50 {statistics.median(samples):.3f} ms"
            f"  p95 {percentile(samples, 95):.3f} ms  max {max(samples):.3f} ms"
        )


if __name__ == "__main__":
    main()
