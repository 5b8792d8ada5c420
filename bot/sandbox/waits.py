"""Waiting for what the bots do: their next message in a chat, their answer to a query.

:class:`Waits` wakes on *activity* (a bot message, an edit, a deletion, an answer: whatever
:meth:`Waits.notify_activity` is called for) and re-checks, so a wait ends as soon as the thing
arrives and never depends on a guessed sleep.  The :class:`~bot.sandbox.server.Sandbox` is one;
the control API's ``GET /sandbox/wait`` uses it too, which is why this lives apart from the
pytest plugin in :mod:`bot.sandbox.testing` (pytest is not there at run time).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any, TypeVar

from bot.sandbox.world import (
    BotAccount,
    CallbackQueryRecord,
    Chat,
    InlineQueryRecord,
    TranscriptMessage,
    World,
)

__all__ = ["Waits"]

T = TypeVar("T")
JSON = dict[str, Any]


class Waits:
    """Waits on ``self.world``; see the module docstring."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.closing = False
        self._activity = asyncio.Event()
        self._cursors: dict[tuple[int, int], int] = {}

    def notify_activity(self) -> None:
        """Wake everyone waiting for bot messages, edits or answers."""
        self._activity.set()
        self._activity = asyncio.Event()

    async def wait_until(self, check: Callable[[], T | None], within: float, what: str) -> T:
        """Return ``check()`` once it is not None, re-checking on activity; TimeoutError else."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            event = self._activity
            result = check()
            if result is not None:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0 or self.closing:
                raise TimeoutError(f"timed out after {within} s waiting for {what}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

    async def wait_for_message(
        self,
        chat: Chat | int,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109
        predicate: Callable[[TranscriptMessage], bool] | None = None,
        bot: BotAccount | str | None = None,
    ) -> TranscriptMessage:
        """Return the next bot message in ``chat`` not returned before (matching ``predicate``).

        Each chat has a cursor: a returned message and everything before it are not returned
        again.  Raises TimeoutError (listing the transcript) if none arrives in ``timeout`` s.
        """
        account = self.world.bot_for(bot)
        chat_id = chat.id if isinstance(chat, Chat) else chat
        conv = self.world.conversation(account, chat_id)
        key = (account.id, chat_id)

        def check() -> TranscriptMessage | None:
            messages = conv.messages
            for index in range(self._cursors.get(key, 0), len(messages)):
                msg = messages[index]
                if msg.from_bot and (predicate is None or predicate(msg)):
                    self._cursors[key] = index + 1
                    return msg
            return None

        try:
            return await self.wait_until(check, timeout, f"a bot message in chat {chat_id}")
        except TimeoutError:
            texts = [m.content[:60] for m in conv.messages]
            raise TimeoutError(
                f"no new bot message in chat {chat_id} within {timeout} s; transcript: {texts}"
            ) from None

    async def wait_for_answer(
        self,
        query: CallbackQueryRecord | InlineQueryRecord,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> JSON:
        """Wait for the bot's answerCallbackQuery or answerInlineQuery; return the answer."""
        return await self.wait_until(lambda: query.answer, timeout, f"an answer to {query.id}")
