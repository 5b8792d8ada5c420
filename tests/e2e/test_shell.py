"""Organizer commands from the shell: news with a preview and a report, stats, simulate."""

from __future__ import annotations

import asyncio
import io

import pytest

from bot.cli import run
from bot.domain.clock import SystemClock
from bot.sandbox.limits import Limits
from bot.sandbox.server import SandboxThread
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
            await db.subscriptions.subscribe("euromlsys2026", chat_id)


def test_news_from_the_shell_reaches_every_subscriber_once(
    sandbox_thread: SandboxThread, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    people = [sandbox_thread.create_user(f"Reader{i}") for i in range(5)]
    asyncio.run(_subscribe(db_url, [p.id for p in people]))
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", sandbox_thread.token)
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", sandbox_thread.base_url)
    monkeypatch.setenv("DATABASE_URL", db_url)
    code, out, err = cli("news", "Camera-ready <instructions> & template are online", "--yes")
    assert code == 0, err
    assert "Preview (as subscribers will see it)" in out
    assert "5 delivered" in out
    for person in people:
        (message,) = sandbox_thread.transcript(person.id)
        assert "Camera-ready <instructions> & template are online" in (message.text or "")
    code, out, _ = cli("stats")
    assert code == 0
    assert "subscribers: 5 active" in out and "news" in out


def test_news_without_yes_from_a_pipe_sends_nothing(
    sandbox_thread: SandboxThread, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", sandbox_thread.token)
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", sandbox_thread.base_url)
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    code, out, _ = cli("news", "Not this one")
    assert code == 1 and "Nothing sent." in out


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
