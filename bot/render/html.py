"""Telegram HTML: escaping, the date-time entity, and splitting long messages.

Anything that came from a person or a config file goes through :func:`esc`. Messages
over Telegram's 4096-character limit are split at line boundaries; a tag open across a
split is closed at the end of one part and reopened at the start of the next.
"""

from __future__ import annotations

import datetime as dt
import html
import re

MESSAGE_LIMIT = 4096
"""Telegram's limit on a message's text, counted after entity parsing."""

_TAG = re.compile(r"<(/?)([a-zA-Z][\w-]*)([^>]*)>")


def esc(text: object) -> str:
    """Escape text for Telegram's HTML parse mode."""
    return html.escape(str(text), quote=False)


def attr(text: object) -> str:
    """Escape text for an HTML attribute value."""
    return html.escape(str(text), quote=True)


def link(url: str, label: str | None = None) -> str:
    """Return an ``<a>`` tag with escaped address and label."""
    return f'<a href="{attr(url)}">{esc(label or url)}</a>'


def tg_time(instant: dt.datetime, fallback: str, fmt: str = "wDT") -> str:
    """Return Telegram's date-time entity: each reader's app shows ``instant`` in their zone.

    ``fallback`` is the text shown by apps that do not know the entity.
    """
    unix = int(instant.timestamp())
    return f'<tg-time unix="{unix}" format="{attr(fmt)}">{esc(fallback)}</tg-time>'


def visible_length(markup: str) -> int:
    """Return the length Telegram counts: UTF-16 code units of the text without tags."""
    text = html.unescape(_TAG.sub("", markup))
    return len(text.encode("utf-16-le")) // 2


def split_message(markup: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Split HTML into parts under ``limit`` at line boundaries, keeping tags balanced.

    A single line longer than the limit is cut between words (or, failing that, between
    characters, never inside a tag or an entity).
    """
    if visible_length(markup) <= limit and len(markup) <= limit * 4:
        return [markup]
    parts: list[str] = []
    current = ""
    for line in _pieces(markup.split("\n"), limit):
        candidate = f"{current}\n{line}" if current else line
        if current and visible_length(candidate) > limit:
            parts.append(current + _closing(current))
            current = _reopening(current) + line
        else:
            current = candidate
    parts.append(current + _closing(current))
    return [part for part in parts if visible_length(part.strip()) > 0]


def _pieces(lines: list[str], limit: int) -> list[str]:
    """Cut lines longer than the limit into word-bounded pieces."""
    budget = max(limit - 200, limit // 2)
    pieces: list[str] = []
    for line in lines:
        while visible_length(line) > budget:
            cut = _cut_point(line, budget)
            pieces.append(line[:cut].rstrip(" "))
            line = line[cut:].lstrip(" ")
        pieces.append(line)
    return pieces


def _cut_point(line: str, budget: int) -> int:
    """Return an index in ``line`` before which at most ``budget`` visible characters stand."""
    visible = 0
    index = 0
    last_space = -1
    while index < len(line) and visible < budget:
        char = line[index]
        if char == "<":
            index = line.index(">", index) + 1
            continue
        if char == "&":
            end = line.find(";", index)
            index = end + 1 if end != -1 else index + 1
        else:
            index += 1
        if char == " ":
            last_space = index
        visible += 1
    return last_space if last_space > budget // 2 else index


def _open_after(markup: str) -> list[tuple[str, str]]:
    """Return the tags left open at the end of ``markup``, outermost first."""
    stack: list[tuple[str, str]] = []
    for match in _TAG.finditer(markup):
        closing, name = match.group(1), match.group(2).lower()
        if closing:
            for position in range(len(stack) - 1, -1, -1):
                if stack[position][0] == name:
                    del stack[position:]
                    break
        elif name != "br":
            stack.append((name, match.group(0)))
    return stack


def _closing(markup: str) -> str:
    """Return the end tags that close what ``markup`` leaves open."""
    return "".join(f"</{name}>" for name, _ in reversed(_open_after(markup)))


def _reopening(markup: str) -> str:
    """Return the opening tags that continue, in the next part, what ``markup`` left open."""
    return "".join(tag for _, tag in _open_after(markup))
