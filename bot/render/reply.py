"""What a renderer returns: a message's HTML text and its buttons (or a keyboard)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Button:
    """An inline button: a callback (``data``), a link (``url``) or an inline query."""

    label: str
    data: str | None = None
    url: str | None = None
    switch_inline: str | None = None


@dataclass(frozen=True)
class Reply:
    """A message to send: HTML text and rows of buttons."""

    text: str
    buttons: tuple[tuple[Button, ...], ...] = field(default=())
    request_location: str | None = None
    """Instead of inline buttons: a keyboard with one button, this label, that sends the
    person's location (private chats only)."""
    force_reply: str | None = None
    """Instead of inline buttons: ask for a typed reply, with this placeholder."""
    remove_keyboard: bool = False
    """Take away a keyboard shown earlier (after the location arrived)."""


@dataclass(frozen=True)
class InlineCard:
    """A shareable card offered in inline mode: a title, a line, and the message it sends."""

    id: str
    title: str
    description: str
    text: str
    """HTML, under the message limit."""
