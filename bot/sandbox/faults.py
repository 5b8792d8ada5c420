"""Faults on demand: 5xx answers, slow answers and dropped connections.

A :class:`FaultRule` says *what* happens (``kind``), *when* relative to the method's work
(``phase``) and *to which requests* (``method``, ``probability``, ``remaining``):

``kind``
    ``"error"`` answers HTTP ``status`` (500 → ``Internal Server Error``, 502 → ``Bad Gateway``…)
    with a Bot API error body (429 carries ``retry_after``: ``delay`` rounded up, at least 1);
    ``"delay"`` waits ``delay`` seconds and then answers normally;
    ``"drop"`` closes the connection without any answer.
``phase``
    ``"before"``: the fault replaces the request, nothing is done (the message is *not* recorded);
    ``"after"``: the method runs first (the message *is* recorded, counted and delivered) and only
    the answer is lost or late — Telegram's "accepted but response lost" case, which a client must
    not turn into a duplicate by blind retries.
``method``
    apply only to this Bot API method (case-insensitive); None means every method.
``probability``
    share of matching requests hit, drawn from the injector's seeded RNG (reproducible).
``remaining``
    hit only the next N matching requests (None = until cleared).

Rules are checked in the order added; the first that fires wins.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, Literal

__all__ = ["FaultInjector", "FaultKind", "FaultPhase", "FaultRule"]

FaultKind = Literal["error", "delay", "drop"]
FaultPhase = Literal["before", "after"]


@dataclass
class FaultRule:
    """One fault to inject; see the module docstring."""

    kind: FaultKind = "error"
    phase: FaultPhase = "before"
    status: int = 500
    delay: float = 0.0
    method: str | None = None
    probability: float = 1.0
    remaining: int | None = None
    description: str | None = None
    hits: int = 0

    def matches(self, method: str) -> bool:
        """True if the rule applies to ``method`` (before the probability draw)."""
        return self.method is None or self.method.lower() == method.lower()

    @property
    def error_description(self) -> str:
        """The description sent with an "error" fault."""
        if self.description is not None:
            return self.description
        try:
            return HTTPStatus(self.status).phrase
        except ValueError:
            return "Internal Server Error"

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-ready description."""
        return {
            "kind": self.kind,
            "phase": self.phase,
            "status": self.status,
            "delay": self.delay,
            "method": self.method,
            "probability": self.probability,
            "remaining": self.remaining,
            "hits": self.hits,
        }


class FaultInjector:
    """An ordered list of fault rules with a seeded RNG."""

    def __init__(self, seed: int = 0) -> None:
        self.rng = random.Random(seed)
        self.rules: list[FaultRule] = []

    def add(self, rule: FaultRule) -> FaultRule:
        """Add a rule; return it (its ``hits`` grow as it fires)."""
        self.rules.append(rule)
        return rule

    def clear(self) -> None:
        """Remove every rule."""
        self.rules.clear()

    def reseed(self, seed: int) -> None:
        """Restart the RNG (for reproducible probabilistic runs)."""
        self.rng.seed(seed)

    def fail_next(
        self,
        count: int = 1,
        *,
        status: int = 500,
        method: str | None = None,
        phase: FaultPhase = "before",
    ) -> FaultRule:
        """Answer the next ``count`` matching requests with HTTP ``status``."""
        return self.add(FaultRule("error", phase, status=status, method=method, remaining=count))

    def drop_next(
        self, count: int = 1, *, method: str | None = None, phase: FaultPhase = "before"
    ) -> FaultRule:
        """Close the connection of the next ``count`` matching requests without answering."""
        return self.add(FaultRule("drop", phase, method=method, remaining=count))

    def delay_next(
        self,
        seconds: float,
        count: int = 1,
        *,
        method: str | None = None,
        phase: FaultPhase = "before",
    ) -> FaultRule:
        """Answer the next ``count`` matching requests ``seconds`` late."""
        return self.add(FaultRule("delay", phase, delay=seconds, method=method, remaining=count))

    def random(
        self,
        probability: float,
        kind: FaultKind = "error",
        *,
        status: int = 500,
        delay: float = 0.0,
        method: str | None = None,
        phase: FaultPhase = "before",
    ) -> FaultRule:
        """Hit a ``probability`` share of matching requests (seeded, reproducible)."""
        return self.add(
            FaultRule(
                kind, phase, status=status, delay=delay, method=method, probability=probability
            )
        )

    def pick(self, method: str) -> FaultRule | None:
        """Return the rule that fires for this request, if any, and account for it."""
        if not self.rules:
            return None
        for rule in self.rules:
            if not rule.matches(method):
                continue
            if rule.probability < 1.0 and self.rng.random() >= rule.probability:
                continue
            rule.hits += 1
            if rule.remaining is not None:
                rule.remaining -= 1
                if rule.remaining <= 0:
                    self.rules.remove(rule)
            return rule
        return None
