"""Is my topic in scope? Rank the call's topics against a few free words.

A small, explainable matcher: words are normalised (case, British/American spelling,
simple suffixes), common abbreviations are expanded (LLM, GNN, RL…), and each topic is
scored by the share of its distinctive words the query hits, with a fuzzy match for
typos. No model to download, deterministic, fast enough for every message.
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass

_WORD = re.compile(r"[a-z0-9]+")

_STOPWORD_TEXT = """
a an and are as at be by for from how i in is it my of on or our the this to use using we what
with about does do can into paper work research topic topics scope
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())

ABBREVIATIONS: dict[str, str] = {
    "llm": "large language model",
    "llms": "large language model",
    "gnn": "graph neural network",
    "gnns": "graph neural network",
    "rl": "reinforcement learning",
    "ml": "machine learning",
    "ai": "artificial intelligence",
    "dl": "deep learning",
    "nn": "neural network",
    "dnn": "deep neural network",
    "bo": "bayesian optimisation",
    "gpu": "custom hardware",
    "gpus": "custom hardware",
    "tpu": "custom hardware",
    "fpga": "custom hardware",
    "accelerator": "custom hardware",
    "accelerators": "custom hardware",
    "federated": "distributed",
    "agent": "agentic",
    "agents": "agentic",
    "inference": "serving",
    "quantization": "compression",
    "quantisation": "compression",
    "distillation": "compression",
    "sparsity": "pruning",
    "db": "database",
    "compilers": "compiler",
    "compilation": "compiler",
}

# British spellings are the call's; map American ones onto them.
SPELLINGS: dict[str, str] = {"optimization": "optimisation", "optimize": "optimise"}


def normalise_word(word: str) -> str:
    """Reduce a word to a comparable stem: 'Optimizations' → 'optimis'."""
    word = SPELLINGS.get(word, word)
    word = word.replace("iz", "is")
    for suffix in ("ations", "ation", "ings", "ing", "ers", "er", "es", "s", "e"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def words_of(text: str) -> list[str]:
    """Return the normalised content words of ``text``, abbreviations expanded."""
    raw = _WORD.findall(text.lower())
    expanded: list[str] = []
    for word in raw:
        expanded.extend(ABBREVIATIONS.get(word, word).split())
    return [normalise_word(w) for w in expanded if w not in STOPWORDS and len(w) > 1]


@dataclass(frozen=True)
class TopicMatch:
    """A topic of the call and how well a query matches it (0 to 1)."""

    topic: str
    score: float
    matched: tuple[str, ...]
    """The query words that hit this topic."""


STRONG_MATCH = 0.5
"""A score from which the topic clearly covers the query."""


def _hits(query_word: str, topic_words: set[str]) -> str | None:
    """Return the topic word that ``query_word`` matches, exactly or despite a typo."""
    if query_word in topic_words:
        return query_word
    if len(query_word) < 5:
        return None
    close = difflib.get_close_matches(query_word, list(topic_words), n=1, cutoff=0.84)
    return close[0] if close else None


def rank_topics(
    query: str, topics: tuple[str, ...], limit: int = 3, *, floor: float = 0.2
) -> list[TopicMatch]:
    """Return the topics closest to ``query``, best first, scoring at least ``floor``.

    Words are weighted by how rare they are among the topics, so "learning", which half
    of the topics mention, counts for less than "graph" or "compiler".
    """
    query_words = list(dict.fromkeys(words_of(query)))
    if not query_words:
        return []
    topic_words = [set(words_of(topic)) for topic in topics]
    frequency: dict[str, int] = {}
    for words in topic_words:
        for word in words:
            frequency[word] = frequency.get(word, 0) + 1

    def weight(word: str) -> float:
        return math.log(1 + len(topics) / frequency.get(word, 1))

    matches: list[TopicMatch] = []
    for topic, words in zip(topics, topic_words, strict=True):
        if not words:
            continue
        hit_pairs = [(q, t) for q in query_words if (t := _hits(q, words)) is not None]
        if not hit_pairs:
            continue
        hit_topic_words = {t for _, t in hit_pairs}
        covered_topic = sum(map(weight, hit_topic_words)) / sum(map(weight, words))
        covered_query = sum(weight(t) for _, t in hit_pairs) / sum(
            weight(_hits(q, words) or q) for q in query_words
        )
        score = round(0.5 * covered_topic + 0.5 * covered_query, 3)
        if score >= floor:
            matches.append(TopicMatch(topic, score, tuple(q for q, _ in hit_pairs)))
    matches.sort(key=lambda m: (-m.score, topics.index(m.topic)))
    return matches[:limit]
