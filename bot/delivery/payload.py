"""Outbox payloads: what a row says, turned into ``send_message`` arguments.

A payload is JSON::

    {"text": "<b>html</b>", "parse_mode": "HTML", "reply_markup": {...}?, "disable_preview": true?}

``parse_mode`` defaults to HTML (decision 5: text is HTML, always). ``reply_markup`` is a Bot
API ``InlineKeyboardMarkup`` object as JSON.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from telegram import InlineKeyboardMarkup, LinkPreviewOptions

from bot.domain.text import plain_text

__all__ = ["PayloadError", "plain_text", "send_kwargs"]


class PayloadError(ValueError):
    """The payload cannot be sent as it is (no text, wrong types)."""


def send_kwargs(payload: Mapping[str, Any], *, plain: bool = False) -> dict[str, Any]:
    """Return the keyword arguments of ``Bot.send_message`` for ``payload`` (without chat_id).

    With ``plain`` the text is sent without a parse mode, tags stripped and entities unescaped
    (the fallback after Telegram refused the HTML).
    """
    text = payload.get("text")
    if not isinstance(text, str) or not text.strip():
        raise PayloadError("payload has no text")
    kwargs: dict[str, Any] = {}
    if plain:
        kwargs["text"] = plain_text(text)
        kwargs["parse_mode"] = None
    else:
        kwargs["text"] = text
        kwargs["parse_mode"] = payload.get("parse_mode", "HTML")
    markup = payload.get("reply_markup")
    if markup is not None:
        if not isinstance(markup, Mapping):
            raise PayloadError("reply_markup must be an object")
        kwargs["reply_markup"] = InlineKeyboardMarkup.de_json(dict(markup), None)
    if payload.get("disable_preview"):
        kwargs["link_preview_options"] = LinkPreviewOptions(is_disabled=True)
    return kwargs
