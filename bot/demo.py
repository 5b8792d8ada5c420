r"""``deadline-bot demo``: the real bot against the local sandbox, with a chat at the terminal.

Type as a subscriber; lines starting with ``:`` are demo commands (``:help`` lists them).
From a pipe (``printf '/start\\n/dates\\n' | deadline-bot demo``) it prints the transcript
and exits once the input has ended and the bot is idle.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from bot.domain.clock import Clock
from bot.runtime import Runtime
from bot.sandbox.limits import Limits
from bot.sandbox.server import Sandbox
from bot.sandbox.world import CallbackQueryRecord, Chat, TranscriptMessage, User
from bot.settings import Settings

DEMO_HELP = """\
demo commands (everything else is sent to the bot as a chat message):
  :admin            speak as Olivia, an organizer (her id is in ADMIN_IDS)
  :user             speak as Sam, a subscriber (the default)
  :press N          press button N under the bot's last message
  :block / :unblock block or unblock the bot (as the current person)
  :help             this list
  :quit             stop (Ctrl-D does the same)"""


@dataclass
class DemoChat:
    """The people at the terminal and what has been printed of their chats."""

    sandbox: Sandbox
    out: TextIO
    subscriber: User
    organizer: User
    current: User
    printed: dict[int, int] = field(default_factory=dict)
    shown: dict[tuple[int, int], tuple[str, str]] = field(default_factory=dict)
    """What was printed of each message (text, buttons): an edit shows when it changes."""
    last_message: dict[int, TranscriptMessage] = field(default_factory=dict)
    presses: list[CallbackQueryRecord] = field(default_factory=list)
    """Button presses whose answer (the toast Telegram shows) is not printed yet."""

    def chat_of(self, user: User) -> Chat:
        """Return the private chat of ``user`` with the bot."""
        return self.sandbox.world.chats[user.id]

    def print_new(self) -> bool:
        """Print bot messages (and edits) not printed yet; True when something was printed."""
        printed = False
        for user in (self.subscriber, self.organizer):
            messages = self.sandbox.bot_messages(self.chat_of(user))
            for message in messages[: self.printed.get(user.id, 0)]:
                if self.shown.get((user.id, message.message_id)) != _snapshot(message):
                    self._print(user, message, edited=True)
                    printed = True
            for message in messages[self.printed.get(user.id, 0) :]:
                self._print(user, message, edited=False)
                printed = True
            self.printed[user.id] = len(messages)
        printed = self._print_answers() or printed
        self.out.flush()
        return printed

    def _print_answers(self) -> bool:
        """Print the toasts (and alerts) the bot answered button presses with."""
        printed = False
        for press in [p for p in self.presses if p.answered]:
            self.presses.remove(press)
            answer = press.answer or {}
            text = str(answer.get("text") or "")
            if text:
                kind = "alert" if answer.get("show_alert") else "toast"
                self.out.write(f"  ({kind}: {text})\n")
                printed = True
        return printed

    def _print(self, user: User, message: TranscriptMessage, *, edited: bool) -> None:
        self.shown[(user.id, message.message_id)] = _snapshot(message)
        who = f"bot → {user.first_name}" + (" (edited)" if edited else "")
        self.out.write(f"\n[{who}]\n{message.content}\n")
        for number, button in enumerate(message.buttons(), start=1):
            self.out.write(f"  [{number}] {button.get('text', '')}\n")
        if message.document is not None:
            self.out.write(f"  (file: {message.document.file_name})\n")
        self.last_message[user.id] = message

    def handle(self, line: str) -> bool:
        """Act on one input line; False when the person wants to stop."""
        text = line.strip()
        if not text:
            return True
        if not text.startswith(":"):
            self.out.write(f"\n[{self.current.first_name}] {text}\n")
            self.sandbox.send(self.current, text)
            return True
        command, _, argument = text[1:].partition(" ")
        actions: dict[str, Callable[[str], None]] = {
            "admin": lambda _: self._switch(self.organizer),
            "user": lambda _: self._switch(self.subscriber),
            "press": self._press,
            "block": lambda _: self._block(True),
            "unblock": lambda _: self._block(False),
            "help": lambda _: self._say(DEMO_HELP),
        }
        if command in {"quit", "exit", "q"}:
            return False
        action = actions.get(command)
        if action is None:
            self.out.write(f"unknown demo command :{command}\n{DEMO_HELP}\n")
        else:
            action(argument.strip())
        return True

    def _say(self, text: str) -> None:
        self.out.write(text + "\n")

    def _switch(self, user: User) -> None:
        self.current = user
        role = "an organizer" if user is self.organizer else "a subscriber"
        self.out.write(f"(now speaking as {user.first_name}, {role})\n")

    def _press(self, argument: str) -> None:
        message = self.last_message.get(self.current.id)
        buttons = message.buttons() if message else []
        if not argument.isdigit() or not 1 <= int(argument) <= len(buttons) or message is None:
            self.out.write(f"(no button {argument or '?'} under the last message)\n")
            return
        button = buttons[int(argument) - 1]
        if "callback_data" not in button:
            self.out.write(f"(button {argument} opens {button.get('url', 'a link')})\n")
            return
        self.out.write(f"\n[{self.current.first_name} presses] {button.get('text', '')}\n")
        self.presses.append(self.sandbox.press(self.current, message, button["callback_data"]))

    def _block(self, blocked: bool) -> None:
        (self.sandbox.block if blocked else self.sandbox.unblock)(self.current)
        self.out.write(f"({self.current.first_name} {'blocked' if blocked else 'unblocked'})\n")


def _snapshot(message: TranscriptMessage) -> tuple[str, str]:
    """What a reader sees of a message: its text and its buttons."""
    return message.content, repr(message.buttons())


async def _read_lines(queue: asyncio.Queue[str | None], source: TextIO) -> None:
    """Feed input lines to ``queue`` from a thread (stdin is blocking); None at the end."""
    loop = asyncio.get_running_loop()
    while True:
        line = await loop.run_in_executor(None, source.readline)
        if not line:
            await queue.put(None)
            return
        await queue.put(line)


async def _wait_idle(sandbox: Sandbox, chat: DemoChat, runtime: Runtime) -> None:
    """Wait until the bot is idle, printing what it sends meanwhile.

    Idle: every update sent to it has been handled (answers and edits included) and no
    outbox row is due or in flight. No guessed quiet period, so a busy machine makes the
    demo slower, never shorter.
    """
    queue = runtime.application.update_queue
    while True:
        chat.print_new()
        if not sandbox.bot.updates and not runtime.engine.busy:
            await queue.join()
            due = await runtime.db.outbox.next_due_at()
            if not sandbox.bot.updates and (due is None or due > runtime.clock.now()):
                chat.print_new()
                return
        await asyncio.sleep(0.05)


async def run_demo(
    settings: Settings, clock: Clock, source: TextIO, out: TextIO, *, interactive: bool
) -> None:
    """Start the sandbox and the real bot, then relay the terminal to the chat."""
    sandbox = Sandbox(limits=Limits.real(), bot_username="deadline_demo_bot")
    await sandbox.start()
    subscriber = sandbox.create_user("Sam", username="sam_researcher")
    organizer = sandbox.create_user("Olivia", username="olivia_chair")
    with tempfile.TemporaryDirectory(prefix="deadline-bot-demo-") as folder:
        settings = settings.replace(
            token=sandbox.token,
            api_base_url=sandbox.base_url,
            admin_ids=settings.admin_ids | {organizer.id},
            data_dir=Path(folder),
            tracker_sources=(),  # the demo reads no tracker files over the network
        )
        runtime = await Runtime.open(settings, clock)
        service = runtime.subscribers
        stop = asyncio.Event()
        bot_task = asyncio.create_task(runtime.run(stop, poll_timeout=1))
        chat = DemoChat(sandbox, out, subscriber, organizer, subscriber)
        if interactive:
            out.write(
                f"deadline-bot demo: the real bot for {service.event.short_name} against a"
                f" local Telegram sandbox.\nYou are {subscriber.first_name}; try /start."
                f" Type :help for demo commands.\n"
            )
            out.flush()

        lines: asyncio.Queue[str | None] = asyncio.Queue()
        reader = asyncio.create_task(_read_lines(lines, source))
        try:
            while True:
                line = await _next_line(lines, chat, bot_task)
                if line is None or not chat.handle(line):
                    break
                if not interactive:  # a pipe: answer each line before reading the next
                    await _wait_idle(sandbox, chat, runtime)
            await _wait_idle(sandbox, chat, runtime)
        finally:
            stop.set()
            reader.cancel()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(bot_task, timeout=10)
            await sandbox.stop()


async def _next_line(
    lines: asyncio.Queue[str | None], chat: DemoChat, bot_task: asyncio.Task[None]
) -> str | None:
    """Wait for the next input line, printing what the bot pushes meanwhile."""
    while True:
        if bot_task.done():
            bot_task.result()  # surface the bot's crash
            return None
        try:
            return await asyncio.wait_for(lines.get(), timeout=0.1)
        except TimeoutError:
            chat.print_new()


def main(settings: Settings, clock: Clock) -> None:
    """Run the demo on this terminal (or pipe)."""
    interactive = sys.stdin.isatty()
    asyncio.run(run_demo(settings, clock, sys.stdin, sys.stdout, interactive=interactive))
