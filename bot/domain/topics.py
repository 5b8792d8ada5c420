"""Is my topic in scope? Rank the call's topics against a few words, and give a verdict.

A small, explainable matcher: words are folded (case, accents), British and American
spellings meet, words are stemmed (Snowball), the field's abbreviations and synonyms are
expanded (LLM, GNN, RL, DNN, GPU, FL …), the organizers' ``keywords`` per topic count as
the topic's own words, and typos are forgiven (rapidfuzz). Each topic is scored by how much
of it the query covers and how much of the query it explains, words weighted by rarity.
The verdict is one of three:

- **In scope**: a listed topic covers the query well;
- **Borderline**: a topic covers part of it, or it is machine learning or systems work
  that no listed topic names;
- **Probably out of scope**: nothing of the call and nothing of the field.

No model to download, deterministic, well under a millisecond per query.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import snowballstemmer
from rapidfuzz import fuzz, process

from bot.domain.text import fold

Verdict = Literal["In scope", "Borderline", "Probably out of scope"]
VERDICTS: tuple[Verdict, ...] = ("In scope", "Borderline", "Probably out of scope")


def _meanings(text: str, sep: str | None = None) -> dict[str, str]:
    """``meaning: word word …`` lines (words split at ``sep``) as a word → meaning table."""
    table: dict[str, str] = {}
    for line in text.strip().splitlines():
        meaning, _, words = line.partition(":")
        for word in words.split(sep):
            table[word.strip()] = meaning.strip()
    return table


_STOPWORD_TEXT = """
a an and are as at be by for from how i in is it its my of on or our the this to use using we
what with about does do can into paper papers work research topic topics scope would could
should will their they them that these those which whether any some new novel approach
approaches method methods study toward towards via based i'm im me your you there here also
system systems algorithm algorithms practice application applications
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())

ABBREVIATIONS = _meanings(
    """
large language model: llm llms gpt transformer transformers moe
language model: lm
graph neural network: gnn gnns gcn
reinforcement learning: rl marl
deep reinforcement learning: drl
machine learning: ml ai
deep learning: dl
neural network: nn nns
deep neural network: dnn dnns
convolutional neural network: cnn cnns
hardware: gpu gpus tpu tpus npu fpga fpgas asic asics cuda
federated learning: fl
bayesian optimisation: bo
database: db dbms
serving: kv
large language model serving: rag
cluster: hpc
compiler: mlir tvm xla jit
cluster scheduling: k8s kubernetes slurm
machine learning framework: pytorch tensorflow jax
"""
)
"""The field's abbreviations and names, as the call's words."""

SYNONYMS = _meanings(
    """
distributed: federated decentralised parallel multi
hardware: accelerator accelerators chip chips
agentic: agent agents
serving: inference latency deployment deploying
compression: quantization quantisation quantized distillation
pruning: sparsity sparse
compiler: compilers compilation
scheduling: scheduler schedulers placement
cluster: datacenter datacentre
language: gpt
probabilistic: probability bayesian
optimisation: tuning autotuning speed speeding efficiency efficient faster throughput
synthetic: synthetic augmentation
synchronisation: consistency consensus
learning: training
"""
)
"""Words people use for the call's words."""

_FIELD_TEXT = """
learning learn machine neural network networks model models training train trained
inference serving gpu tpu hardware accelerator system systems distributed cluster
clusters compiler compilers kernel kernels memory storage database data dataset datasets
cloud edge serverless scheduling scheduler benchmark benchmarking performance latency
throughput optimisation optimization deep reinforcement agentic agent agents language
transformer llm embedding embeddings vector retrieval gradient tensor tensors framework
frameworks runtime operating os network networking federated privacy energy power
datacenter datacentre cache caching microservices virtualisation virtualization
container containers parallel parallelism pipeline pipelines graph graphs probabilistic
bayesian algorithm algorithms ai ml dnn robotics vision speech recommendation
recommender fpga asic chip chips simulation
"""
FIELD_WORDS = frozenset(_FIELD_TEXT.split())
"""Words of machine learning or systems: a query with none of them is far from the call."""

PHRASES = _meanings(
    """
large language model: mixture of experts
large language model serving: kv cache, speculative decoding
distributed learning: parameter server, data parallel, model parallel
""",
    sep=",",
)
"""Phrases of the field, as the call's words."""

_STEMMER = snowballstemmer.stemmer("english")
_GENERIC = frozenset(
    _STEMMER.stemWords(["machine", "learning", "model", "models", "data", "large", "scale"])
)
"""Stems every paper of the field uses: they say little about which topic it is."""
_WORD = re.compile(r"[a-z0-9]+")
_BRITISH = re.compile(r"(?<=[a-z]{3})is(e|ed|es|ing|ation|ations|er|ers)$")


@lru_cache(maxsize=4096)
def stem(word: str) -> str:
    """Stem one folded word; British and American spellings meet ('optimise' = 'optimize')."""
    word = _BRITISH.sub(r"iz\1", word).replace("modell", "model")
    return str(_STEMMER.stemWord(word))


def _expand(raw: Iterable[str]) -> list[str]:
    """Spell out abbreviations (FL → federated learning), then add synonyms (→ distributed)."""
    spelled: list[str] = []
    for word in raw:
        spelled.extend(ABBREVIATIONS.get(word, word).split())
    words: list[str] = []
    for word in spelled:
        words.append(word)
        synonym = SYNONYMS.get(word)
        if synonym is not None and synonym != word:
            words.append(synonym)
    return words


def words_of(text: str) -> list[str]:
    """Return the stems of ``text``'s content words, abbreviations and synonyms expanded."""
    folded = fold(text)
    for phrase, meaning in PHRASES.items():
        if phrase in folded:
            folded = folded.replace(phrase, meaning)
    raw = _WORD.findall(folded)
    return [stem(w) for w in _expand(raw) if w not in STOPWORDS and len(w) > 1]


@dataclass(frozen=True)
class TopicMatch:
    """A topic of the call and how well a query matches it (0 to 1)."""

    topic: str
    score: float
    matched: tuple[str, ...]
    """The query's stems that hit this topic."""
    coverage: float = 0.0
    """How much of the topic (its title or one keyword) the query covers, 0 to 1."""


@dataclass(frozen=True)
class ScopeVerdict:
    """The answer to "is X in scope?": one verdict and the closest topics."""

    query: str
    verdict: Verdict
    matches: tuple[TopicMatch, ...]


STRONG_MATCH = 0.5
"""A score from which the topic clearly covers the query."""
PARTIAL_MATCH = 0.25
"""A score from which a topic covers part of the query."""


@dataclass(frozen=True)
class _Topic:
    text: str
    phrases: tuple[frozenset[str], ...]
    """The title's stems, then each keyword's."""
    stems: frozenset[str]


class TopicIndex:
    """The call's topics (and their keywords), prepared once for many queries."""

    def __init__(
        self, topics: Sequence[str], keywords: Mapping[str, Sequence[str]] | None = None
    ) -> None:
        keywords = keywords or {}
        self.topics: tuple[_Topic, ...] = tuple(
            _Topic(
                topic,
                phrases := tuple(
                    frozenset(words_of(text)) for text in (topic, *keywords.get(topic, ()))
                ),
                frozenset().union(*phrases),
            )
            for topic in topics
        )
        frequency: dict[str, int] = {}
        for item in self.topics:
            for word in item.stems:
                frequency[word] = frequency.get(word, 0) + 1
        self._frequency = frequency
        self._vocabulary = sorted(frequency)
        self._field = frozenset(stem(w) for w in _expand(FIELD_WORDS))

    def weight(self, word: str) -> float:
        """How telling a stem is: rare among the topics weighs more, the field's own less."""
        rarity = math.log(1 + len(self.topics) / self._frequency.get(word, 1))
        return rarity * 0.5 if word in _GENERIC else rarity

    def _known(self, word: str) -> str:
        """Return the topic stem ``word`` means, despite a typo; itself when none is close."""
        if word in self._frequency or len(word) < 5:
            return word
        found = process.extractOne(word, self._vocabulary, scorer=fuzz.ratio, score_cutoff=84)
        return str(found[0]) if found else word

    def rank(self, query: str, limit: int = 3, *, floor: float = 0.2) -> list[TopicMatch]:
        """Return the topics closest to ``query``, best first, scoring at least ``floor``."""
        query_words = list(dict.fromkeys(self._known(w) for w in words_of(query)))
        if not query_words:
            return []
        query_weight = sum(self.weight(w) for w in query_words)
        matches: list[tuple[TopicMatch, int]] = []
        for index, item in enumerate(self.topics):
            hits = [w for w in query_words if w in item.stems]
            if not hits:
                continue
            covered_query = sum(self.weight(w) for w in hits) / query_weight
            covered_topic = max(
                sum(self.weight(w) for w in phrase & set(hits))
                / sum(self.weight(w) for w in phrase)
                for phrase in item.phrases
                if phrase
            )
            score = round(0.5 * covered_topic + 0.5 * covered_query, 3)
            if score >= floor:
                match = TopicMatch(item.text, score, tuple(hits), round(covered_topic, 3))
                matches.append((match, index))
        matches.sort(key=lambda pair: (-pair[0].score, pair[1]))
        return [match for match, _ in matches[:limit]]

    def verdict(self, query: str) -> ScopeVerdict:
        """Return the verdict on ``query`` with the closest topics.

        A query may span topics ("scheduling deep learning jobs on GPUs"): its strength is
        the best topic's own coverage with the query coverage of the closest topics together.
        """
        matches = tuple(self.rank(query))
        best = 0.0
        if matches:
            query_words = list(dict.fromkeys(self._known(w) for w in words_of(query)))
            explained = {w for m in matches for w in m.matched}
            together = sum(self.weight(w) for w in explained) / sum(
                self.weight(w) for w in query_words
            )
            best = max(m.score for m in matches)
            best = max(best, max(0.5 * m.coverage + 0.5 * together for m in matches))
        if best >= STRONG_MATCH:
            verdict: Verdict = "In scope"
        elif best >= PARTIAL_MATCH or self.in_field(query):
            verdict = "Borderline"
        else:
            verdict = "Probably out of scope"
        return ScopeVerdict(query, verdict, matches)

    def in_field(self, query: str) -> bool:
        """Whether ``query`` speaks of machine learning or systems at all."""
        return any(self._known_field(w) for w in words_of(query))

    def _known_field(self, word: str) -> bool:
        if word in self._field:
            return True
        if len(word) < 6:
            return False
        found = process.extractOne(word, self._field, scorer=fuzz.ratio, score_cutoff=90)
        return found is not None


@lru_cache(maxsize=16)
def _index(
    topics: tuple[str, ...], keywords: tuple[tuple[str, tuple[str, ...]], ...]
) -> TopicIndex:
    return TopicIndex(topics, dict(keywords))


def topic_index(
    topics: Sequence[str], keywords: Iterable[tuple[str, Sequence[str]]] = ()
) -> TopicIndex:
    """Return the (cached) index of these topics and keywords."""
    return _index(tuple(topics), tuple((t, tuple(k)) for t, k in keywords))


def rank_topics(
    query: str,
    topics: Sequence[str],
    limit: int = 3,
    *,
    floor: float = 0.2,
    keywords: Iterable[tuple[str, Sequence[str]]] = (),
) -> list[TopicMatch]:
    """Return the topics closest to ``query``, best first, scoring at least ``floor``."""
    return topic_index(topics, keywords).rank(query, limit, floor=floor)


def scope_verdict(
    query: str, topics: Sequence[str], keywords: Iterable[tuple[str, Sequence[str]]] = ()
) -> ScopeVerdict:
    """Return the verdict on ``query`` against the call's topics (see the module docstring)."""
    return topic_index(topics, keywords).verdict(query)
