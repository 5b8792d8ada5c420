"""A local Telegram Bot API sandbox with simulated people.

It speaks the Bot API over HTTP on loopback exactly as api.telegram.org does (same object shapes,
error codes and descriptions), so python-telegram-bot's real ``Bot``/``Application`` can be
pointed at it with ``base_url=sandbox.base_url``.  It is used for offline demos, end-to-end tests
and delivery benchmarks against Telegram's limits.

Pieces:

* :mod:`bot.sandbox.server` — :class:`Sandbox` (asyncio, aiohttp) and :class:`SandboxThread`;
* :mod:`bot.sandbox.world` — the simulated world: bots, people, chats, transcripts, updates;
* :mod:`bot.sandbox.methods` — the Bot API methods, in an extendable registry;
* :mod:`bot.sandbox.entities` — HTML / MarkdownV2 / Markdown parsing with Telegram's errors;
* :mod:`bot.sandbox.limits` — flood models (bucket, sliding, fixed; paid sends) and counters;
* :mod:`bot.sandbox.faults` — injected 5xx answers, delays and dropped connections;
* :mod:`bot.sandbox.control` — the JSON control API under ``/sandbox/``;
* :mod:`bot.sandbox.testing` — pytest fixtures; :mod:`bot.sandbox.cli` — ``python -m bot.sandbox``.
"""

from bot.sandbox.faults import FaultInjector, FaultRule
from bot.sandbox.limits import Counters, Limits
from bot.sandbox.methods import (
    ApiError,
    CallContext,
    MethodRegistry,
    Params,
    bad_request,
    forbidden,
)
from bot.sandbox.server import DEFAULT_TOKEN, Sandbox, SandboxThread
from bot.sandbox.world import Chat, TranscriptMessage, User, World

__all__ = [
    "DEFAULT_TOKEN",
    "ApiError",
    "CallContext",
    "Chat",
    "Counters",
    "FaultInjector",
    "FaultRule",
    "Limits",
    "MethodRegistry",
    "Params",
    "Sandbox",
    "SandboxThread",
    "TranscriptMessage",
    "User",
    "World",
    "bad_request",
    "forbidden",
]
