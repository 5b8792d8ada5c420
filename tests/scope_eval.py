"""Measure the scope verdicts on the labelled phrases: precision and recall per verdict.

Run ``python -m tests.scope_eval`` to print the table (the README quotes it); the test
``tests/unit/test_answers_domain.py`` holds the targets.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.domain.config import load_events
from bot.domain.topics import VERDICTS, Verdict, scope_verdict

LABELS = Path(__file__).with_name("data") / "scope_labels.tsv"
CONFIG = Path(__file__).resolve().parent.parent / "config"


@dataclass(frozen=True)
class Score:
    """Precision and recall of one verdict."""

    verdict: Verdict
    labelled: int
    predicted: int
    correct: int

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.correct / self.labelled if self.labelled else 1.0


def labelled_phrases() -> list[tuple[str, Verdict]]:
    """Return the (phrase, label) pairs of the labelled set."""
    pairs: list[tuple[str, Verdict]] = []
    for line in LABELS.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        phrase, label = line.split("\t")
        assert label in VERDICTS, f"unknown label {label!r} for {phrase!r}"
        pairs.append((phrase, label))  # type: ignore[arg-type]
    return pairs


def evaluate() -> tuple[list[Score], list[tuple[str, Verdict, Verdict]]]:
    """Score the shipped config's verdicts; return per-verdict scores and the misses."""
    (event,) = load_events(CONFIG)
    assert event.topics is not None
    pairs = labelled_phrases()
    predicted = [
        scope_verdict(phrase, event.topics.items, event.topics.keywords).verdict
        for phrase, _ in pairs
    ]
    scores = [
        Score(
            verdict,
            labelled=sum(label == verdict for _, label in pairs),
            predicted=sum(p == verdict for p in predicted),
            correct=sum(
                p == verdict and label == verdict
                for (_, label), p in zip(pairs, predicted, strict=True)
            ),
        )
        for verdict in VERDICTS
    ]
    misses = [
        (phrase, label, p)
        for (phrase, label), p in zip(pairs, predicted, strict=True)
        if p != label
    ]
    return scores, misses


def table(scores: list[Score]) -> str:
    """Return the scores as a Markdown table."""
    lines = [
        "| verdict | labelled | predicted | correct | precision | recall |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for s in scores:
        lines.append(
            f"| {s.verdict} | {s.labelled} | {s.predicted} | {s.correct}"
            f" | {s.precision:.2f} | {s.recall:.2f} |"
        )
    return "\n".join(lines)


def main() -> None:
    """Print the table and every phrase whose verdict differs from its label."""
    scores, misses = evaluate()
    print(f"{sum(s.labelled for s in scores)} labelled phrases\n")
    print(table(scores))
    if misses:
        print("\nDisagreements (phrase: labelled → predicted):")
        for phrase, label, predicted in misses:
            print(f"  {phrase}: {label} → {predicted}")


if __name__ == "__main__":
    main()
