"""Organizer commands from the shell: news with a preview and a report, stats, simulate."""

from __future__ import annotations

import asyncio
import io
import threading

import pytest

from bot import shell
from bot.cli import run
from bot.deploy.instance import instance_lock
from bot.domain.clock import SystemClock
from bot.sandbox.limits import Limits
from bot.sandbox.testing import SandboxThread
from bot.settings import Settings
from bot.storage.database import Database

pytestmark = pytest.mark.sandbox(limits=Limits.scaled(10))


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


async def _subscribe(url: str, chat_ids: list[int]) -> None:
    async with await Database.connect(url, SystemClock(), migrate=True) as db:
        for chat_id in chat_ids:
            await db.chats.upsert_chat(chat_id, "private", first_name="Reader")
            await db.subscriptions.subscribe("euromlsys", chat_id)


def test_news_from_the_shell_reaches_every_subscriber_once(
    sandbox_thread: SandboxThread, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    people = [
        sandbox_thread.call(sandbox_thread.sandbox.create_user, f"Reader{i}") for i in range(5)
    ]
    asyncio.run(_subscribe(db_url, [p.id for p in people]))
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", sandbox_thread.sandbox.token)
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", sandbox_thread.sandbox.base_url)
    monkeypatch.setenv("DATABASE_URL", db_url)
    code, out, err = cli("news", "Camera-ready <instructions> & template are online", "--yes")
    assert code == 0, err
    assert "Preview (as subscribers will see it)" in out
    assert "5 delivered" in out
    assert "\r" not in out  # not a terminal: plain lines, no redrawn frames
    for person in people:
        (message,) = sandbox_thread.sandbox.transcript(person.id)
        assert "Camera-ready <instructions> & template are online" in (message.text or "")
    code, out, _ = cli("stats")
    assert code == 0
    assert "Subscribers: 5 active, 0 inactive" in out
    assert "Reminders: All reminders 5" in out  # /stats's own labels (one stats text)
    assert "{" not in out and "rows" not in out  # no Python dict, no "(1 rows, …)"
    (row,) = [line for line in out.splitlines() if line.startswith("#")]
    assert row.split() == ["#1", "news", "1", "done", "5", "5"]
    assert max(len(line) for line in out.splitlines()) <= 80


def test_news_without_yes_from_a_pipe_sends_nothing(
    sandbox_thread: SandboxThread, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", sandbox_thread.sandbox.token)
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", sandbox_thread.sandbox.base_url)
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    code, out, _ = cli("news", "Not this one")
    assert code == 1 and "Nothing sent." in out


def test_paid_news_from_the_shell_shows_the_cost_asks_and_sends_allow_paid_broadcast(
    sandbox_thread: SandboxThread, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = sandbox_thread.sandbox
    people = [sandbox_thread.call(sandbox.create_user, f"Reader{i}") for i in range(4)]
    asyncio.run(_subscribe(db_url, [p.id for p in people]))
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", sandbox.token)
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", sandbox.base_url)
    monkeypatch.setenv("DATABASE_URL", db_url)
    # From a pipe nobody says yes: the preview with both estimates and the cost, nothing sent.
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    code, out, err = cli("news", "Registration closes Friday", "--paid")
    assert code == 1 and "Nothing sent." in out, err
    assert "at Telegram's free pace. As a paid broadcast it takes about" in out
    assert "Telegram Stars (0.1 per message above the free 30 a second)" in out
    assert "<" not in out  # /post's own sentence, without its markup
    assert all(sandbox.transcript(p.id) == [] for p in people)

    asked: list[str] = []

    def confirm(prompt: str) -> bool:
        asked.append(prompt)
        return True

    printed = io.StringIO()
    code = asyncio.run(
        shell.news(
            Settings.from_env(),
            SystemClock(),
            "Registration closes Friday",
            is_html=False,
            yes=False,
            out=printed,
            confirm=confirm,
            paid=True,
        )
    )
    assert code == 0
    (prompt,) = asked
    assert prompt.startswith("Send to 4 subscriber(s) as a paid broadcast (about ")
    assert "Telegram Stars" in prompt
    assert "4 delivered" in printed.getvalue()
    for person in people:
        (message,) = sandbox.transcript(person.id)
        assert "Registration closes Friday" in (message.text or "")
    # Every send carried allow_paid_broadcast, once per reader.
    assert {p.id: sandbox.counters.paid[p.id] for p in people} == {p.id: 1 for p in people}


def test_news_without_paid_sends_at_the_free_pace(
    sandbox_thread: SandboxThread, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = sandbox_thread.sandbox
    people = [sandbox_thread.call(sandbox.create_user, f"Reader{i}") for i in range(2)]
    asyncio.run(_subscribe(db_url, [p.id for p in people]))
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", sandbox.token)
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", sandbox.base_url)
    monkeypatch.setenv("DATABASE_URL", db_url)
    code, out, err = cli("news", "Free as before", "--yes")
    assert code == 0 and "2 delivered" in out, err
    assert all(len(sandbox.transcript(p.id)) == 1 for p in people)
    assert sum(sandbox.counters.paid[p.id] for p in people) == 0


def test_simulate_previews_the_reminder_campaign_in_a_zone() -> None:
    code, out, _ = cli(
        "simulate",
        "--from",
        "2026-02-01T00:00:00Z",
        "--to",
        "2026-02-17T00:00:00Z",
        "--tz",
        "Asia/Tokyo",
    )
    assert code == 0
    assert out.count("── ") == 4
    assert "Paper submission deadline is due in 7 days" in out
    assert "Mon 16 Feb 2026, 20:59 JST (UTC+9)" in out


async def _broadcasts(url: str) -> int:
    async with await Database.connect(url, SystemClock(), migrate=True) as db:
        return len(await db.outbox.list_broadcasts(10))


def test_news_without_a_token_says_so_in_one_line_and_sends_nothing(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.setenv("DATABASE_URL", db_url)
    code, out, err = cli("news", "Hello", "--yes")
    assert code == 2
    assert err.count("\n") == 1 and "TELEGRAM_BOT_TOKEN" in err
    assert "following" not in out
    assert asyncio.run(_broadcasts(db_url)) == 0


class HeldLock:
    """The instance lock a running bot holds, taken in a thread of its own."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.taken = threading.Event()
        self.release = threading.Event()
        self.thread = threading.Thread(target=lambda: asyncio.run(self._hold()), daemon=True)

    async def _hold(self) -> None:
        lock = instance_lock(Settings.from_env(), self.token)
        assert await lock.try_acquire()
        self.taken.set()
        await asyncio.to_thread(self.release.wait)
        await lock.release()

    def __enter__(self) -> HeldLock:
        self.thread.start()
        assert self.taken.wait(30)
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.thread.join(30)


def test_news_follows_the_running_bot_and_takes_over_when_it_stops(
    sandbox_thread: SandboxThread, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    people = [
        sandbox_thread.call(sandbox_thread.sandbox.create_user, f"Reader{i}") for i in range(3)
    ]
    asyncio.run(_subscribe(db_url, [p.id for p in people]))
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", sandbox_thread.sandbox.token)
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", sandbox_thread.sandbox.base_url)
    monkeypatch.setenv("DATABASE_URL", db_url)
    result: list[tuple[int, str, str]] = []
    with HeldLock(sandbox_thread.sandbox.token) as bot:
        shell = threading.Thread(target=lambda: result.append(cli("news", "Hi", "--yes")))
        shell.start()
        while asyncio.run(_broadcasts(db_url)) == 0:  # enqueued; the "bot" holds the lock
            assert shell.is_alive()
            threading.Event().wait(0.05)
        assert all(sandbox_thread.sandbox.transcript(p.id) == [] for p in people)
    # The bot stopped (its lock is free) before sending: news sends the rest itself.
    shell.join(60)
    assert bot.release.is_set() and not shell.is_alive()
    ((code, out, err),) = result
    assert code == 0, err
    assert "following its progress" in out and "sending the rest from here" in out
    assert "3 delivered" in out
    assert all(len(sandbox_thread.sandbox.transcript(p.id)) == 1 for p in people)


def test_progress_in_a_pipe_is_a_line_every_few_seconds_and_the_report() -> None:
    from bot.delivery import Progress
    from bot.shell import PIPE_LINE_SECONDS, ProgressPrinter

    now = [0.0]
    out = io.StringIO()
    printer = ProgressPrinter(out, tty=False, monotonic=lambda: now[0])

    def snapshot(sent: int, finished: bool) -> Progress:
        return Progress(1, "done" if finished else "running", 20, sent, 0, 0, 0, 0, 20 - sent,
                        2.0, None, float(sent), finished)  # fmt: skip

    for second in range(20):  # the watcher reports every second
        now[0] = float(second)
        printer.show(snapshot(second, finished=False))
    printer.show(snapshot(20, finished=True))
    lines = out.getvalue().splitlines()
    bars = [line for line in lines if line.startswith("[")]
    assert len(bars) == 20 // PIPE_LINE_SECONDS + 1  # 0, 5, 10, 15 s, and the end
    assert "\r" not in out.getvalue() and "20/20" in bars[-1]
