"""Fold what people type into comparable words: case, accents and punctuation do not matter."""

from __future__ import annotations

import re
import unicodedata

_NON_WORD = re.compile(r"[^\w\u4e00-\u9fff]+")


def strip_accents(text: str) -> str:
    """Return ``text`` without combining accents: 'São Paulo' → 'Sao Paulo', 'Zürich' → 'Zurich'."""
    decomposed = unicodedata.normalize("NFKD", text)
    kept = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return kept.replace("ß", "ss").replace("ø", "o").replace("Ø", "O").replace("ł", "l")


def fold(text: str) -> str:
    """Lower-case, accent-free words separated by single spaces ('Où est-ce?' → 'ou est ce')."""
    plain = strip_accents(text).casefold().replace("’", "'").replace("'", " ")
    return " ".join(_NON_WORD.sub(" ", plain).split())
