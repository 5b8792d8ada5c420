"""Telegram text formatting: the HTML parse mode and entity auto-detection, as the Bot API does it.

The parser follows TDLib's ``parse_html`` (``td/telegram/MessageEntity.cpp``): it works on the
UTF-8 bytes of the text, reports errors with byte offsets and Telegram's wording, and produces Bot
API ``MessageEntity`` dicts whose offsets and lengths are counted in UTF-16 code units.  The Bot
API prefixes every error with ``"Bad Request: can't parse entities: "`` (see
:class:`EntityParseError`).  Newer tags are supported too: ``<blockquote expandable>`` and
``<tg-time unix="…" format="…">`` (the ``date_time`` entity).

Only HTML: the bot sends nothing else, so Markdown and MarkdownV2 are refused (see
:func:`parse_text`) rather than parsed by ~300 lines nobody needs.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

JSON = dict[str, Any]
UserLookup = Callable[[int], JSON | None]

__all__ = [
    "EntityParseError",
    "UnsupportedParseMode",
    "detect_entities",
    "entity_text",
    "parse_html",
    "parse_text",
    "sort_entities",
    "utf16_len",
]


class EntityParseError(ValueError):
    """A formatting error; ``str(exc)`` is TDLib's message without the Bot API prefix."""


def utf16_len(text: str) -> int:
    """Return the length of ``text`` in UTF-16 code units (Telegram's unit for offsets)."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def entity_text(text: str, entity: JSON) -> str:
    """Return the part of ``text`` covered by ``entity`` (UTF-16 offsets)."""
    raw = text.encode("utf-16-le", "surrogatepass")
    start = int(entity["offset"]) * 2
    end = start + int(entity["length"]) * 2
    return raw[start:end].decode("utf-16-le", "surrogatepass")


_PRIORITY = {
    "mention": 50,
    "hashtag": 50,
    "bot_command": 50,
    "url": 50,
    "email": 50,
    "bold": 90,
    "italic": 91,
    "code": 20,
    "pre": 11,
    "text_link": 49,
    "text_mention": 49,
    "cashtag": 50,
    "phone_number": 50,
    "underline": 92,
    "strikethrough": 93,
    "blockquote": 0,
    "expandable_blockquote": 0,
    "spoiler": 94,
    "custom_emoji": 99,
    "date_time": 98,
}


def sort_entities(entities: list[JSON]) -> list[JSON]:
    """Sort entities the way TDLib does: by offset, longer first, then by type priority."""
    entities.sort(key=lambda e: (e["offset"], -e["length"], _PRIORITY.get(e["type"], 50)))
    return entities


# --------------------------------------------------------------------------------------- helpers

_SPACE = frozenset(b" \t\r\n\0\v")
_DATE_TIME_FORMAT = re.compile(r"r|w?[dD]?[tT]?")


def _is_space(c: int) -> bool:
    return c in _SPACE


def _is_alpha(c: int) -> bool:
    return 65 <= c <= 90 or 97 <= c <= 122


def _is_digit(c: int) -> bool:
    return 48 <= c <= 57


def _is_hex(c: int) -> bool:
    return _is_digit(c) or 65 <= c <= 70 or 97 <= c <= 102


def _utf16_units(c: int) -> int:
    """UTF-16 units contributed by a UTF-8 byte (0 for continuation bytes)."""
    if (c & 0xC0) == 0x80:
        return 0
    return 2 if c >= 0xF0 else 1


def checked_link(url: str) -> str:
    """Approximate TDLib's ``LinkManager::get_checked_link``; an empty result drops the entity."""
    url = url.strip()
    if not url or any(ch.isspace() for ch in url):
        return ""
    lower = url.lower()
    if lower.startswith(("tg:", "ton:", "mailto:")):
        return url
    if "://" not in url:
        url = "http://" + url
        lower = url.lower()
    scheme, _, rest = url.partition("://")
    if scheme.lower() not in ("http", "https", "ftp"):
        return ""
    host = re.split(r"[/?#]", rest, maxsplit=1)[0]
    if not host or ("." not in host and host.lower() != "localhost"):
        return ""
    if rest == host:
        url += "/"
    return url


def _mention_entity(url: str, lookup: UserLookup | None) -> JSON | None:
    match = re.fullmatch(r"tg://user\?id=(\d+)", url.strip(), flags=re.IGNORECASE)
    if match is None:
        return None
    user = lookup(int(match.group(1))) if lookup is not None else None
    if user is None:
        return {}
    return {"type": "text_mention", "user": user}


def _link_entity(url: str, lookup: UserLookup | None) -> JSON | None:
    """Return type fields for a link (text_link or text_mention) or None to drop it."""
    mention = _mention_entity(url, lookup)
    if mention is not None:
        return mention or None
    checked = checked_link(url)
    if not checked:
        return None
    return {"type": "text_link", "url": checked}


def _time_entity(unix: str, fmt: str) -> JSON:
    if not unix.isdigit():
        raise EntityParseError("Invalid Unix time specified")
    if fmt and _DATE_TIME_FORMAT.fullmatch(fmt) is None:
        raise EntityParseError("Invalid date-time format specified")
    entity: JSON = {"type": "date_time", "unix_time": int(unix)}
    if fmt:
        entity["date_time_format"] = fmt
    return entity


def _finish(out: bytearray, entities: list[JSON]) -> tuple[str, list[JSON]]:
    try:
        text = bytes(out).decode("utf-8")
    except UnicodeDecodeError:
        raise EntityParseError(
            "Text contains invalid Unicode characters after decoding HTML entities, "
            "check for unmatched surrogate code units"
        ) from None
    return text, sort_entities(entities)


# ------------------------------------------------------------------------------------------ HTML

_HTML_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "s",
        "strike",
        "del",
        "u",
        "ins",
        "tg-spoiler",
        "tg-emoji",
        "tg-time",
        "span",
        "pre",
        "code",
        "blockquote",
    }
)
_SIMPLE_HTML = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "u": "underline",
    "ins": "underline",
    "tg-spoiler": "spoiler",
}
_NAMED_ENTITIES = {b"lt": 60, b"gt": 62, b"amp": 38, b"quot": 34}


def _decode_html_entity(raw: bytes, pos: int) -> tuple[int, int]:
    """Decode ``&…;`` at ``raw[pos]``; return (code point, next position), code 0 if none."""
    end = pos + 1
    res = 0
    if raw[end] == 0x23:  # '#'
        end += 1
        if raw[end] == 0x78:  # 'x'
            end += 1
            while _is_hex(raw[end]):
                res = res * 16 + int(chr(raw[end]), 16)
                end += 1
        else:
            while _is_digit(raw[end]):
                res = res * 10 + raw[end] - 48
                end += 1
        if res == 0 or res >= 0x10FFFF or end - pos >= 10:
            return 0, pos
    else:
        while _is_alpha(raw[end]):
            end += 1
        res = _NAMED_ENTITIES.get(raw[pos + 1 : end], 0)
        if res == 0:
            return 0, pos
    if raw[end] == 0x3B:  # ';'
        end += 1
    return res, end


def _same_span(entities: list[JSON], type_: str, offset: int, length: int) -> JSON | None:
    """The last entity if it is a ``type_`` over exactly this span (pre and code nest)."""
    last = entities[-1] if entities else None
    if last is None or last["type"] != type_:
        return None
    return last if (last["offset"], last["length"]) == (offset, length) else None


class _Open:
    __slots__ = ("argument", "attributes", "begin", "offset", "tag")

    def __init__(self, tag: str, argument: str, attributes: dict[str, str], offset: int) -> None:
        self.tag = tag
        self.argument = argument
        self.attributes = attributes
        self.offset = offset
        self.begin = 0


def parse_html(text: str, lookup: UserLookup | None = None) -> tuple[str, list[JSON]]:
    """Parse Telegram HTML; return the plain text and its entities, or raise EntityParseError."""
    if "<" not in text and "&" not in text:
        return text, []
    raw = text.encode("utf-8", "surrogatepass") + b"\0"
    size = len(raw) - 1
    out = bytearray()
    utf16 = 0
    entities: list[JSON] = []
    stack: list[_Open] = []
    i = 0
    while i < size:
        c = raw[i]
        if c == 0x26:  # '&'
            code, after = _decode_html_entity(raw, i)
            if code:
                utf16 += 2 if code > 0xFFFF else 1
                out += chr(code).encode("utf-8", "surrogatepass")
                i = after
                continue
        if c != 0x3C:  # '<'
            utf16 += _utf16_units(c)
            out.append(c)
            i += 1
            continue

        begin = i
        i += 1
        if raw[i] != 0x2F:  # start tag
            while not _is_space(raw[i]) and raw[i] != 0x3E:
                i += 1
            if raw[i] == 0:
                raise EntityParseError(f"Unclosed start tag at byte offset {begin}")
            tag = raw[begin + 1 : i].decode("utf-8", "replace").lower()
            if tag not in _HTML_TAGS:
                raise EntityParseError(f'Unsupported start tag "{tag}" at byte offset {begin}')
            argument = ""
            attributes: dict[str, str] = {}
            while raw[i] != 0x3E:
                while raw[i] != 0 and _is_space(raw[i]):
                    i += 1
                if raw[i] == 0x3E:
                    break
                if raw[i] == 0:
                    raise EntityParseError(f"Unclosed start tag at byte offset {begin}")
                name_begin = i
                while not _is_space(raw[i]) and raw[i] not in (0x3D, 0x3E):
                    i += 1
                name = raw[name_begin:i].decode("utf-8", "replace")
                if not name:
                    raise EntityParseError(
                        f'Empty attribute name in the tag "{tag}" at byte offset {begin}'
                    )
                while raw[i] != 0 and _is_space(raw[i]):
                    i += 1
                if raw[i] != 0x3D:  # '='
                    if tag == "blockquote" and name == "expandable":
                        attributes[name] = "1"
                        continue
                    raise EntityParseError(
                        "Expected equal sign in declaration of an attribute of the tag "
                        f'"{tag}" at byte offset {begin}'
                    )
                i += 1
                while raw[i] != 0 and _is_space(raw[i]):
                    i += 1
                if raw[i] == 0:
                    raise EntityParseError(f'Unclosed start tag "{tag}" at byte offset {begin}')
                if raw[i] not in (0x27, 0x22):  # name token
                    token_begin = i
                    while (
                        _is_alpha(raw[i]) or _is_digit(raw[i]) or raw[i] == 0x2E or raw[i] == 0x2D
                    ):
                        i += 1
                    value = raw[token_begin:i].decode("ascii").lower()
                    if not _is_space(raw[i]) and raw[i] != 0x3E:
                        raise EntityParseError(
                            f"Unexpected end of name token at byte offset {token_begin}"
                        )
                else:  # string literal
                    quote = raw[i]
                    i += 1
                    buf = bytearray()
                    while raw[i] != quote and raw[i] != 0:
                        if raw[i] == 0x26:
                            code, after = _decode_html_entity(raw, i)
                            if code:
                                buf += chr(code).encode("utf-8", "surrogatepass")
                                i = after
                                continue
                        buf.append(raw[i])
                        i += 1
                    if raw[i] == quote:
                        i += 1
                    value = bytes(buf).decode("utf-8", "replace")
                if raw[i] == 0:
                    raise EntityParseError(f"Unclosed start tag at byte offset {begin}")
                attributes[name] = value
                if tag == "a" and name == "href":
                    argument = value
                elif tag == "code" and name == "class" and value.startswith("language-"):
                    argument = value[9:]
                elif tag == "span" and name == "class" and value.startswith("tg-"):
                    argument = value[3:]
                elif tag == "tg-emoji" and name == "emoji-id":
                    argument = value
            if tag == "span" and argument != "spoiler":
                raise EntityParseError(
                    f'Tag "span" must have class "tg-spoiler" at byte offset {begin}'
                )
            opened = _Open(tag, argument, attributes, utf16)
            opened.begin = len(out)
            stack.append(opened)
            i += 1  # skip '>'
            continue

        # end tag
        if not stack:
            raise EntityParseError(f"Unexpected end tag at byte offset {begin}")
        while not _is_space(raw[i]) and raw[i] != 0x3E:
            i += 1
        end_tag = raw[begin + 2 : i].decode("utf-8", "replace").lower()
        while _is_space(raw[i]) and raw[i] != 0:
            i += 1
        if raw[i] != 0x3E:
            raise EntityParseError(f"Unclosed end tag at byte offset {begin}")
        top = stack[-1]
        if end_tag and end_tag != top.tag:
            raise EntityParseError(
                f'Unmatched end tag at byte offset {begin}, expected "</{top.tag}>", '
                f'found "</{end_tag}>"'
            )
        i += 1
        stack.pop()
        if utf16 <= top.offset:
            continue
        offset, length = top.offset, utf16 - top.offset
        entity: JSON | None
        tag = top.tag
        if tag in _SIMPLE_HTML:
            entity = {"type": _SIMPLE_HTML[tag]}
        elif tag == "span":
            entity = {"type": "spoiler"}
        elif tag == "tg-emoji":
            if not top.argument.isdigit() or int(top.argument) == 0:
                raise EntityParseError("Invalid custom emoji identifier specified")
            entity = {"type": "custom_emoji", "custom_emoji_id": top.argument}
        elif tag == "tg-time":
            entity = _time_entity(top.attributes.get("unix", ""), top.attributes.get("format", ""))
        elif tag == "a":
            url = top.argument or bytes(out[top.begin :]).decode("utf-8", "replace")
            entity = _link_entity(url, lookup)
        elif tag == "pre":
            inner = _same_span(entities, "code", offset, length)
            if inner is not None and inner.get("language"):  # <pre><code class="language-x">
                inner["type"] = "pre"
                continue
            entity = {"type": "pre"}
        elif tag == "code":
            outer = _same_span(entities, "pre", offset, length)
            if outer is not None and top.argument:  # <code class="language-x"><pre>
                outer["language"] = top.argument
                continue
            entity = {"type": "code"}
            if top.argument:
                entity["language"] = top.argument  # dropped below unless merged into pre
        else:  # blockquote
            expandable = "expandable" in top.attributes
            entity = {"type": "expandable_blockquote" if expandable else "blockquote"}
        if entity is not None:
            entities.append(
                {"type": entity.pop("type"), "offset": offset, "length": length, **entity}
            )
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].tag}"')
    for entity in entities:
        if entity["type"] == "code":
            entity.pop("language", None)
    return _finish(out, entities)


# ---------------------------------------------------------------------------- auto-detection

_AUTO_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("url", re.compile(r"(?<![\w@/.])(?:https?|tg)://[^\s<>\"]+[^\s<>\".,;:!?)\]'}]")),
    ("email", re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")),
    (
        "bot_command",
        re.compile(r"(?<![\w/<>])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/<>])"),
    ),
    ("mention", re.compile(r"(?<![\w@])@[A-Za-z0-9_]{5,32}(?![\w@])")),
    ("hashtag", re.compile(r"(?<![\w#])#(?=\w*[^\W\d_])\w{1,256}(?![\w#])")),
]
_OPAQUE = frozenset({"code", "pre", "text_link", "text_mention", "custom_emoji", "date_time"})


def detect_entities(text: str, existing: list[JSON] | None = None) -> list[JSON]:
    """Find url/email/bot_command/mention/hashtag entities, as Telegram adds them to any text.

    Ranges covered by code, pre, links and other "opaque" entities in ``existing`` are skipped.
    """
    if not any(ch in text for ch in "/@#:"):
        return []
    ascii_text = text.isascii()
    taken: list[tuple[int, int]] = [
        (e["offset"], e["offset"] + e["length"]) for e in existing or () if e["type"] in _OPAQUE
    ]
    found: list[JSON] = []
    for type_, pattern in _AUTO_PATTERNS:
        for match in pattern.finditer(text):
            start, end = match.span()
            if not ascii_text:
                start, end = utf16_len(text[:start]), utf16_len(text[:end])
            if any(start < t_end and t_start < end for t_start, t_end in taken):
                continue
            taken.append((start, end))
            found.append({"type": type_, "offset": start, "length": end - start})
    return found


class UnsupportedParseMode(ValueError):
    """A ``parse_mode`` other than HTML (methods answer ``Bad Request: unsupported parse_mode``)."""


def parse_text(
    text: str, parse_mode: str | None, lookup: UserLookup | None = None
) -> tuple[str, list[JSON]]:
    """Parse ``text`` in ``parse_mode``: None or "" is plain text, "HTML" (any case) is parsed.

    Markdown and MarkdownV2 raise :class:`UnsupportedParseMode`: the bot sends only HTML
    (DESIGN decision 5), so a Markdown request is a bug the sandbox should surface, not text it
    should pass on as plain (which would read differently on Telegram).
    """
    if not parse_mode:
        return text, []
    if parse_mode.lower() != "html":
        raise UnsupportedParseMode(parse_mode)
    return parse_html(text, lookup)
