"""Text as people read it: typed words folded to compare, Telegram HTML turned plain."""

from __future__ import annotations

import html
import re
import unicodedata

_NON_WORD = re.compile(r"[^\w\u4e00-\u9fff]+")
_TAG = re.compile(r"</?[a-zA-Z][\w-]*[^>]*>")
_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)


def strip_accents(text: str) -> str:
    """Return ``text`` without combining accents: 'São Paulo' → 'Sao Paulo', 'Zürich' → 'Zurich'."""
    decomposed = unicodedata.normalize("NFKD", text)
    kept = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return kept.replace("ß", "ss").replace("ø", "o").replace("Ø", "O").replace("ł", "l")


def fold(text: str) -> str:
    """Lower-case, accent-free words separated by single spaces ('Où est-ce?' → 'ou est ce')."""
    plain = strip_accents(text).casefold().replace("’", "'").replace("'", " ")
    return " ".join(_NON_WORD.sub(" ", plain).split())


def html_to_text(markup: str) -> str:
    """Return what a reader sees of Telegram HTML: tags dropped, entities unescaped."""
    return html.unescape(_TAG.sub("", markup))


def plain_text(markup: str) -> str:
    """Return HTML as plain text to send or print: ``<br>`` a new line, trimmed, never empty."""
    return html_to_text(_BREAK.sub("\n", markup)).strip() or markup
