"""Plain questions, understood: "when is the camera-ready due?", "wen is the dedline".

Also "où est l'atelier ?" or "截止日期是什么时候？": the text is folded (case, accents,
punctuation), question words of French, German, Spanish, Italian, Portuguese and Chinese
become their English meaning, typos are corrected against the matcher's own vocabulary
(rapidfuzz), then phrases vote for an answer kind with a weight each. A key date's names
(title, aliases, defaults) name that date. A place or zone at the end of a date question
("… in Berlin?", "… in PST?") is kept so the answer shows the time there. What is not
understood gets the most likely kinds, to offer as buttons. Pure: no Telegram, no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from rapidfuzz import fuzz, process

from bot.domain.aliases import names_of_dates
from bot.domain.model import Event
from bot.domain.text import fold
from bot.domain.times import Zone
from bot.domain.zones import place_zones

Kind = Literal[
    "key_date",
    "deadline",
    "dates",
    "next",
    "news",
    "venue",
    "contacts",
    "topics",
    "scope",
    "aoe",
    "publication",
    "colocation",
    "twitter",
    "website",
    "greeting",
    "thanks",
    "submission",
    "not_in_call",
    "subscribe",
    "timezone",
    "help",
    "cfp",
]

# Foreign question words → the English the phrase table speaks (folded: no accents).
TRANSLATIONS: tuple[tuple[str, str], ...] = (
    # French
    ("date limite", "deadline"),
    ("date butoir", "deadline"),
    ("echeance", "deadline"),
    ("quand", "when"),
    ("ou se tient", "where is"),
    ("ou a lieu", "where is"),
    ("ou est", "where is"),
    ("ou soumettre", "where submit"),
    ("soumettre", "submit"),
    ("soumission", "submission"),
    ("thematiques", "topics"),
    ("themes", "topics"),
    ("sujets", "topics"),
    ("contacter", "contact"),
    ("nouvelles", "news"),
    ("actualites", "news"),
    ("acceptation", "acceptance"),
    ("version finale", "final version"),
    ("bonjour", "hello"),
    ("salut", "hello"),
    ("merci", "thanks"),
    ("lieu", "venue"),
    ("site web", "website"),
    ("fuseau horaire", "time zone"),
    # German
    ("einreichungsfrist", "submission deadline"),
    ("abgabefrist", "deadline"),
    ("frist", "deadline"),
    ("wann", "when"),
    ("wo ist", "where is"),
    ("wo findet", "where is"),
    ("wo", "where"),
    ("einreichen", "submit"),
    ("einreichung", "submission"),
    ("themen", "topics"),
    ("kontaktieren", "contact"),
    ("kontakt", "contact"),
    ("ansprechpartner", "contact"),
    ("neuigkeiten", "news"),
    ("nachrichten", "news"),
    ("benachrichtigung", "notification"),
    ("zusage", "acceptance"),
    ("entscheidung", "decision"),
    ("endgultige version", "final version"),
    ("finale version", "final version"),
    ("guten tag", "hello"),
    ("hallo", "hello"),
    ("danke", "thanks"),
    ("veranstaltungsort", "venue"),
    ("webseite", "website"),
    ("zeitzone", "time zone"),
    # Spanish
    ("fecha limite", "deadline"),
    ("plazo", "deadline"),
    ("cuando", "when"),
    ("donde", "where"),
    ("enviar", "submit"),
    ("envio", "submission"),
    ("temas", "topics"),
    ("contactar", "contact"),
    ("contacto", "contact"),
    ("noticias", "news"),
    ("notificacion", "notification"),
    ("aceptacion", "acceptance"),
    ("version final", "final version"),
    ("hola", "hello"),
    ("gracias", "thanks"),
    ("sitio web", "website"),
    ("zona horaria", "time zone"),
    # Italian
    ("scadenza", "deadline"),
    ("quando", "when"),
    ("dove", "where"),
    ("inviare", "submit"),
    ("sottomissione", "submission"),
    ("argomenti", "topics"),
    ("temi", "topics"),
    ("contattare", "contact"),
    ("contatto", "contact"),
    ("contatti", "contact"),
    ("notizie", "news"),
    ("notifica", "notification"),
    ("accettazione", "acceptance"),
    ("versione finale", "final version"),
    ("buongiorno", "hello"),
    ("ciao", "hello"),
    ("grazie", "thanks"),
    ("fuso orario", "time zone"),
    # Portuguese
    ("data limite", "deadline"),
    ("prazo", "deadline"),
    ("onde", "where"),
    ("submeter", "submit"),
    ("submissao", "submission"),
    ("topicos", "topics"),
    ("contato", "contact"),
    ("novidades", "news"),
    ("notificacao", "notification"),
    ("aceitacao", "acceptance"),
    ("versao final", "final version"),
    ("ola", "hello"),
    ("obrigado", "thanks"),
    ("obrigada", "thanks"),
    ("fuso horario", "time zone"),
    # Chinese (no spaces between words: matched as they stand)
    ("截止日期", " deadline "),
    ("截稿", " deadline "),
    ("截止", " deadline "),
    ("什么时候", " when "),
    ("何时", " when "),
    ("在哪里", " where "),
    ("哪里", " where "),
    ("在哪", " where "),
    ("地点", " venue "),
    ("投稿", " submit "),
    ("提交", " submit "),
    ("论文", " paper "),
    ("主题", " topics "),
    ("话题", " topics "),
    ("联系", " contact "),
    ("新闻", " news "),
    ("消息", " news "),
    ("录用通知", " notification "),
    ("通知", " notification "),
    ("录用", " acceptance "),
    ("最终版", " final version "),
    ("你好", " hello "),
    ("您好", " hello "),
    ("谢谢", " thanks "),
    ("范围", " scope "),
    ("网站", " website "),
    ("推特", " twitter "),
    ("时区", " time zone "),
)

# (phrase, kind, weight): a phrase found in the question votes for its kind.
PHRASES: tuple[tuple[str, Kind, float], ...] = (
    ("news", "news", 1.0),
    ("update", "news", 1.0),
    ("updates", "news", 1.0),
    ("announcement", "news", 1.0),
    ("announcements", "news", 1.0),
    ("anything new", "news", 1.0),
    ("latest", "news", 0.7),
    ("where", "venue", 0.6),
    ("venue", "venue", 1.0),
    ("location", "venue", 1.0),
    ("city", "venue", 0.9),
    ("held", "venue", 0.8),
    ("take place", "venue", 0.9),
    ("takes place", "venue", 0.9),
    ("in person", "venue", 0.9),
    ("online", "venue", 0.8),
    ("virtual", "venue", 0.8),
    ("hybrid", "venue", 0.8),
    ("contact", "contacts", 1.0),
    ("contacts", "contacts", 1.0),
    ("whom", "contacts", 0.8),
    ("who do i ask", "contacts", 1.1),
    ("who to ask", "contacts", 1.1),
    ("chair", "contacts", 1.0),
    ("chairs", "contacts", 1.0),
    ("email", "contacts", 1.0),
    ("mail", "contacts", 0.8),
    ("organizer", "contacts", 1.0),
    ("organizers", "contacts", 1.0),
    ("organiser", "contacts", 1.0),
    ("organisers", "contacts", 1.0),
    ("reach", "contacts", 0.6),
    ("topic", "topics", 1.0),
    ("topics", "topics", 1.0),
    ("subjects", "topics", 0.9),
    ("areas", "topics", 0.8),
    ("themes", "topics", 0.9),
    ("what kind of papers", "topics", 1.0),
    ("aoe", "aoe", 1.0),
    ("anywhere on earth", "aoe", 1.2),
    ("utc 12", "aoe", 0.8),
    ("published", "publication", 1.0),
    ("publish", "publication", 1.0),
    ("publication", "publication", 1.0),
    ("proceedings", "publication", 1.0),
    ("acm", "publication", 0.9),
    ("digital library", "publication", 1.0),
    ("opt out", "publication", 1.1),
    ("archival", "publication", 1.0),
    ("non archival", "publication", 1.1),
    ("co located", "colocation", 1.0),
    ("colocated", "colocation", 1.0),
    ("collocated", "colocation", 1.0),
    ("main conference", "colocation", 1.0),
    ("alongside", "colocation", 0.8),
    ("twitter", "twitter", 1.0),
    ("tweet", "twitter", 1.0),
    ("social media", "twitter", 1.0),
    ("follow", "twitter", 0.8),
    ("mastodon", "twitter", 1.0),
    ("bluesky", "twitter", 1.0),
    ("linkedin", "twitter", 1.0),
    ("website", "website", 1.0),
    ("web site", "website", 1.0),
    ("webpage", "website", 1.0),
    ("homepage", "website", 1.0),
    ("url", "website", 0.8),
    ("site", "website", 0.7),
    ("link", "website", 0.6),
    ("hi", "greeting", 0.9),
    ("hello", "greeting", 0.9),
    ("hey", "greeting", 0.9),
    ("good morning", "greeting", 0.9),
    ("good afternoon", "greeting", 0.9),
    ("good evening", "greeting", 0.9),
    ("greetings", "greeting", 0.9),
    ("thanks", "thanks", 1.0),
    ("thank", "thanks", 1.0),
    ("thx", "thanks", 1.0),
    ("cheers", "thanks", 0.9),
    ("submit", "submission", 1.0),
    ("where submit", "submission", 1.2),
    ("submission site", "submission", 1.2),
    ("submission link", "submission", 1.2),
    ("submission system", "submission", 1.2),
    ("submission server", "submission", 1.2),
    ("easychair", "submission", 1.1),
    ("hotcrp", "submission", 1.1),
    ("openreview", "submission", 1.1),
    ("upload", "submission", 0.9),
    ("page limit", "not_in_call", 1.2),
    ("pages", "not_in_call", 0.9),
    ("page", "not_in_call", 0.8),
    ("how long", "not_in_call", 0.5),
    ("length", "not_in_call", 0.8),
    ("template", "not_in_call", 1.0),
    ("latex", "not_in_call", 1.0),
    ("format", "not_in_call", 0.8),
    ("double blind", "not_in_call", 1.1),
    ("anonymous", "not_in_call", 1.0),
    ("anonymized", "not_in_call", 1.0),
    ("anonymised", "not_in_call", 1.0),
    ("registration fee", "not_in_call", 1.2),
    ("fee", "not_in_call", 1.0),
    ("visa", "not_in_call", 1.0),
    ("travel grant", "not_in_call", 1.2),
    ("word limit", "not_in_call", 1.2),
    ("abstract", "not_in_call", 1.0),
    ("abstract deadline", "not_in_call", 1.2),
    ("dates", "dates", 1.0),
    ("key dates", "dates", 1.2),
    ("important dates", "dates", 1.2),
    ("all deadlines", "dates", 1.2),
    ("deadlines", "dates", 1.0),
    ("schedule", "dates", 0.9),
    ("timeline", "dates", 1.0),
    ("deadline", "deadline", 0.9),
    ("due", "deadline", 0.8),
    ("when", "deadline", 0.55),
    ("time left", "deadline", 0.9),
    ("days left", "deadline", 0.9),
    ("how much time", "deadline", 0.9),
    ("countdown", "deadline", 1.0),
    ("next", "next", 0.9),
    ("next deadline", "next", 1.3),
    ("next date", "next", 1.3),
    ("whats next", "next", 1.3),
    ("upcoming", "next", 1.0),
    ("coming up", "next", 1.0),
    ("scope", "scope", 1.0),
    ("in scope", "scope", 1.2),
    ("out of scope", "scope", 1.2),
    ("relevant", "scope", 0.8),
    ("suitable", "scope", 0.8),
    ("on topic", "scope", 1.0),
    ("subscribe", "subscribe", 1.0),
    ("remind", "subscribe", 1.0),
    ("remind me", "subscribe", 1.2),
    ("reminder", "subscribe", 1.0),
    ("reminders", "subscribe", 1.0),
    ("notify me", "subscribe", 1.2),
    ("timezone", "timezone", 0.8),
    ("time zone", "timezone", 0.8),
    ("my zone", "timezone", 0.8),
    ("set my time zone", "timezone", 1.2),
    ("change my time zone", "timezone", 1.2),
    ("help", "help", 1.0),
    ("commands", "help", 1.0),
    ("what can you do", "help", 1.2),
    ("what can i ask", "help", 1.2),
    ("how does this work", "help", 1.1),
    ("cfp", "cfp", 1.0),
    ("call for papers", "cfp", 1.1),
)

SUGGESTIBLE: tuple[Kind, ...] = (
    "deadline",
    "dates",
    "topics",
    "contacts",
    "venue",
    "news",
    "submission",
    "publication",
    "aoe",
    "scope",
)
"""Kinds offered as buttons when a question is not understood, each with a label."""

_EXAMPLES: dict[Kind, str] = {
    "deadline": "when is the deadline",
    "dates": "what are the key dates",
    "topics": "what are the topics",
    "contacts": "who do i contact",
    "venue": "where is the workshop",
    "news": "any news",
    "submission": "where do i submit my paper",
    "publication": "will papers be published",
    "aoe": "what is aoe anywhere on earth",
    "scope": "is my topic in scope",
}

UNDERSTOOD = 0.6
"""The least weight of evidence that answers directly; below it, suggestions."""
_ASKS_SOMETHING_ELSE = 0.8
"""A key date named with another question of at least this weight: answer the question."""
_ABOUT_DATES: frozenset[Kind] = frozenset({"key_date", "deadline", "dates", "next"})

_STOP_TEXT = """
a an the is are was be do does did i we you it of to in on for at
my our your me us what when how who and or there this that can will with
"""
_STOP = frozenset(_STOP_TEXT.split())
_SCOPE = re.compile(
    r"^(?:is|are|does|do|would|could|can|will)\s+(?:a\s+paper\s+(?:on|about)\s+)?"
    r"(?P<subject>.+?)\s+(?:be\s+)?(?:in\s+(?:the\s+)?scope|within\s+(?:the\s+)?scope|"
    r"out\s+of\s+scope|fit|fits|relevant|a\s+good\s+fit|on\s+topic|suitable|welcome|"
    r"accepted\s+topic|considered)\b"
)
_SCOPE_TAIL = re.compile(r"^(?P<subject>.+?)\s+(?:in\s+scope|out\s+of\s+scope)\s*$")
_SCOPE_HEAD = re.compile(r"^scope\s+(?:of\s+|for\s+)?(?P<subject>.+)$")
_SCOPE_SUBMIT = re.compile(
    r"^(?:can|could|may|should)\s+(?:i|we)\s+submit\s+(?:a\s+|my\s+|our\s+)?"
    r"(?:paper|work|submission)\s+(?:on|about)\s+(?P<subject>.+)$"
)
_PLACE = re.compile(r"\b(?:in|for|at|en|im|em|na|no)\s+(?P<place>[^?!.]+?)\s*[?!.]*$")


@dataclass(frozen=True)
class Answer:
    """What a question asks: a kind, and the key date, place or subject it is about."""

    kind: Kind
    key_date: str | None = None
    """The key date's id, for ``key_date``."""
    zones: tuple[Zone, ...] = ()
    """The zones of a place named in a date question ("… in Berlin?")."""
    subject: str = ""
    """The words of a scope question, or what the call does not say ("page limit")."""


@dataclass(frozen=True)
class Understanding:
    """A question's answer, or the most likely answers to offer when it is unclear."""

    answer: Answer | None
    suggestions: tuple[Kind, ...] = ()


class QuestionMatcher:
    """Understands plain questions about one event; build once per event, ask many times."""

    def __init__(self, event: Event) -> None:
        self.event = event
        phrases: list[tuple[tuple[str, ...], Kind, float, str | None]] = [
            (tuple(phrase.split()), kind, weight, None) for phrase, kind, weight in PHRASES
        ]
        for kd_id, names in names_of_dates(event).items():
            for name in names:
                words = tuple(name.split())
                phrases.append((words, "key_date", 1.0 + 0.1 * len(words), kd_id))
        for word in _event_words(event.colocated_with):
            phrases.append(((word,), "colocation", 1.0, None))
        if event.venue:
            for word in _event_words(event.venue.city):
                phrases.append(((word,), "venue", 0.9, None))
        self._phrases = phrases
        self._by_first: dict[str, list[int]] = {}
        for index, (words, _, _, _) in enumerate(phrases):
            self._by_first.setdefault(words[0], []).append(index)
        self._vocabulary = sorted({w for words, _, _, _ in phrases for w in words} - _STOP)
        self._known = frozenset(self._vocabulary) | _STOP

    # -- reading ---------------------------------------------------------------------

    def _tokens(self, folded: str) -> tuple[list[str], bool]:
        """Spell-correct folded words; also say whether anything was corrected."""
        tokens = folded.split()
        corrected = False
        for index, token in enumerate(tokens):
            if token in self._known or len(token) < 3 or not token.isascii():
                continue
            cutoff = 85 if len(token) < 5 else 80
            found = process.extractOne(
                token, self._vocabulary, scorer=fuzz.ratio, score_cutoff=cutoff
            )
            if found is not None:
                tokens[index] = str(found[0])
                corrected = True
        return tokens, corrected

    def _votes(
        self, tokens: list[str], corrected: bool
    ) -> tuple[dict[Kind, float], dict[str, float]]:
        """Weigh every phrase found: per kind, and per key date."""
        kinds: dict[Kind, float] = {}
        dates: dict[str, float] = {}
        hits: dict[Kind, int] = {}
        for start, token in enumerate(tokens):
            for index in self._by_first.get(token, ()):
                words, kind, weight, kd_id = self._phrases[index]
                if tuple(tokens[start : start + len(words)]) != words:
                    continue
                weight *= 0.95 if corrected else 1.0
                if kd_id is not None:
                    dates[kd_id] = max(dates.get(kd_id, 0.0), weight)
                kinds[kind] = max(kinds.get(kind, 0.0), weight)
                hits[kind] = hits.get(kind, 0) + 1
        for kind, count in hits.items():
            kinds[kind] += min(0.15, 0.05 * (count - 1))
        return kinds, dates

    # -- understanding ---------------------------------------------------------------

    def understand(self, text: str) -> Understanding:
        """Return what ``text`` asks, or the kinds to suggest when it is not clear."""
        joined = translate(text)
        if not joined:
            return Understanding(None, SUGGESTIBLE[:3])
        subject = _scope_subject(joined, text)
        if subject:
            return Understanding(Answer("scope", subject=subject))
        zones: tuple[Zone, ...] = ()
        place = _PLACE.search(joined)
        if place:
            zones = _zones_of(place.group("place"))
            if zones:
                joined = joined[: place.start()]
        tokens, corrected = self._tokens(joined)
        kinds, dates = self._votes(tokens, corrected)
        if len(tokens) > 4:  # "hi, when is …": the greeting is not the question
            for polite in ("greeting", "thanks"):
                if polite in kinds:
                    kinds[polite] -= 0.5
        answer = self._decide(kinds, dates, tokens, zones)
        if answer is not None:
            return Understanding(answer)
        return Understanding(None, self._suggest(kinds, " ".join(tokens)))

    def _decide(
        self,
        kinds: dict[Kind, float],
        dates: dict[str, float],
        tokens: list[str],
        zones: tuple[Zone, ...],
    ) -> Answer | None:
        where = "where" in tokens
        if dates:
            kd_id = max(dates, key=lambda k: dates[k])
            kd = self.event.key_date(kd_id)
            asked_when = "deadline" in kinds or "next" in kinds
            other = max(
                (w for k, w in kinds.items() if k not in _ABOUT_DATES),
                default=0.0,
            )
            if kd is not None and where:
                return Answer("venue" if kd.kind == "event" else "submission")
            # "is the workshop co-located …?", "how many pages for the final paper?": the
            # date is what the question is about, not what it asks, unless it asks "when".
            if asked_when or other < _ASKS_SOMETHING_ELSE:
                return Answer("key_date", key_date=kd_id, zones=zones)
            kinds = {k: w for k, w in kinds.items() if k != "key_date"}
        if not kinds:
            return None
        best = max(kinds, key=lambda k: kinds[k])
        if kinds[best] < UNDERSTOOD:
            return None
        if best in {"deadline", "dates", "next"}:
            return Answer(best, zones=zones)
        if best == "not_in_call":
            return Answer(best, subject=_missing_subject(tokens))
        return Answer(best)

    def _suggest(self, kinds: dict[Kind, float], text: str) -> tuple[Kind, ...]:
        """The two or three kinds a question most likely meant."""
        ranked = [k for k in sorted(kinds, key=lambda k: -kinds[k]) if k in SUGGESTIBLE]
        similar = process.extract(
            text, _EXAMPLES, scorer=fuzz.token_set_ratio, limit=3, score_cutoff=60
        )
        for _, _, kind in similar:
            if kind not in ranked:
                ranked.append(kind)
        for kind in ("deadline", "topics", "contacts"):
            if kind not in ranked:
                ranked.append(kind)
        return tuple(ranked[:3])


def translate(text: str) -> str:
    """Fold ``text`` and put the listed languages' question words in English."""
    folded = fold(text)
    for foreign, english in TRANSLATIONS:
        if foreign.isascii():
            folded = re.sub(rf"\b{re.escape(foreign)}\b", english, folded)
        else:
            folded = folded.replace(foreign, english)
    return " ".join(folded.split())


def _event_words(text: str | None) -> list[str]:
    """Distinctive words of a name ("EuroSys '26" → "eurosys")."""
    if not text:
        return []
    return [w for w in fold(text).split() if len(w) > 3 and not w.isdigit()]


def _scope_subject(joined: str, original: str) -> str:
    """Return X of "is X in scope?" (in the person's own words), or ''."""
    for pattern in (_SCOPE, _SCOPE_TAIL, _SCOPE_HEAD, _SCOPE_SUBMIT):
        match = pattern.match(joined)
        if match:
            subject = match.group("subject").strip()
            if subject and subject not in {"it", "this", "my paper", "my topic", "my work"}:
                return _in_original(subject, original)
    return ""


def _in_original(subject: str, original: str) -> str:
    """Find the folded ``subject`` in the original text to keep its case and accents."""
    words = original.split()
    folded = [fold(w) for w in words]
    target = subject.split()
    for start in range(len(folded)):
        if folded[start : start + len(target)] == target:
            return " ".join(words[start : start + len(target)]).strip("?!.,")
    return subject


def _zones_of(place: str) -> tuple[Zone, ...]:
    place = re.sub(r"^(?:the|my)\s+", "", place.strip())
    if not place or place in _STOP or place in {"time", "zone", "time zone", "scope"}:
        return ()
    return place_zones(place)


def _missing_subject(tokens: list[str]) -> str:
    text = " ".join(tokens)
    for phrase, kind, _ in sorted(PHRASES, key=lambda p: -len(p[0])):
        if kind == "not_in_call" and re.search(rf"\b{re.escape(phrase)}\b", text):
            return {
                "pages": "page limit",
                "page": "page limit",
                "how long": "page limit",
                "abstract": "abstract deadline",
            }.get(phrase, phrase)
    return ""


_MATCHERS: dict[int, tuple[Event, QuestionMatcher]] = {}


def matcher_for(event: Event) -> QuestionMatcher:
    """Return the matcher of ``event``, built once per event object."""
    cached = _MATCHERS.get(id(event))
    if cached is not None and cached[0] is event:
        return cached[1]
    matcher = QuestionMatcher(event)
    if len(_MATCHERS) > 32:
        _MATCHERS.clear()
    _MATCHERS[id(event)] = (event, matcher)
    return matcher


def understand(event: Event, text: str) -> Understanding:
    """Return what a plain message asks about ``event`` (see :class:`QuestionMatcher`)."""
    return matcher_for(event).understand(text)
