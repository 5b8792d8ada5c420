"""A local Telegram Bot API sandbox with simulated people.

It speaks the Bot API over HTTP on loopback as api.telegram.org does (same object shapes, error
codes and descriptions), so python-telegram-bot's real ``Bot``/``Application`` can be pointed at it
with ``base_url=sandbox.base_url``.  It serves the offline demo, the end-to-end tests and the
delivery benchmarks against Telegram's limits.

Modules, one job each:

* :mod:`~bot.sandbox.server` — :class:`Sandbox`: the aiohttp app, routing, long polls, faults
  and flood limits applied to requests;
* :mod:`~bot.sandbox.webhook` — webhook push (one ordered delivery task per bot);
* :mod:`~bot.sandbox.methods` — the Bot API methods, in an extendable registry;
* :mod:`~bot.sandbox.entities` — the HTML parse mode and entity detection, with Telegram's
  errors (only HTML: the bot sends nothing else; Markdown gets ``unsupported parse_mode``);
* :mod:`~bot.sandbox.world` — the simulated world's state: bots, users, chats, transcripts,
  update queues;
* :mod:`~bot.sandbox.people` — what simulated people do and see (the Python API);
* :mod:`~bot.sandbox.waits` — waiting for the bot's messages and answers;
* :mod:`~bot.sandbox.limits` — flood models (bucket, sliding, fixed; paid sends) and counters;
* :mod:`~bot.sandbox.faults` — injected error answers, delays and dropped connections;
* :mod:`~bot.sandbox.control` — the JSON control API under ``/sandbox/`` (listed there);
* :mod:`~bot.sandbox.testing` — pytest fixtures and :class:`~bot.sandbox.testing.SandboxThread`;
* :mod:`~bot.sandbox.cli` — ``python -m bot.sandbox`` / ``deadline-bot sandbox``.

The Python API of a :class:`Sandbox` (``sandbox``), one line each:

* ``sandbox.create_user(name, username=…)`` / ``create_group(title, members=…, kind=…)`` /
  ``create_channel(title)`` — new people and chats;
* ``sandbox.send(user, text, chat=…, reply_to=…)`` / ``send_location(user, lat, lon)`` —
  a person writes;
* ``sandbox.press(user, message, data)`` / ``inline_query(user, query)`` — a button press,
  an inline query (their records hold the bot's answer);
* ``sandbox.block(user)`` / ``unblock(user)`` / ``deactivate(user)`` — a person leaves the bot;
* ``sandbox.add_bot_to_group(chat)`` / ``remove_bot_from_group(chat)`` /
  ``upgrade_group(chat)`` — group membership and migration;
* ``sandbox.transcript(chat)`` / ``bot_messages(chat)`` / ``effective_commands(chat, user)`` —
  what a chat shows;
* ``await sandbox.wait_for_message(chat)`` / ``wait_for_answer(record)`` /
  ``wait_until(check, within, what)`` — wait without sleeps;
* ``sandbox.counters`` (requests, sends, 429s, pace), ``sandbox.faults``
  (``fail_next``, ``drop_next``, ``delay_next``, ``random``), ``sandbox.set_limits(limits)``,
  ``sandbox.last_error`` — observe and disturb the server;
* ``sandbox.world`` — the raw state; ``sandbox.bot`` / ``token`` / ``base_url`` — the first bot.

Dependencies: nothing of the bot (DESIGN.md, "Which way imports go") but one justified
exception, :mod:`bot.domain.pace`: the flood models are built from the same GCRA and windows
the bot's own limiter paces with (issue 17 wants one pace), and ``pace`` is a pure leaf module
that imports nothing of the bot.
"""

from bot.sandbox.faults import FaultRule
from bot.sandbox.limits import Limits
from bot.sandbox.server import DEFAULT_TOKEN, Sandbox
from bot.sandbox.world import Chat, TranscriptMessage, User

__all__ = ["DEFAULT_TOKEN", "Chat", "FaultRule", "Limits", "Sandbox", "TranscriptMessage", "User"]
