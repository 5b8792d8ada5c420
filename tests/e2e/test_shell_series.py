"""The shell's news and stats take --event: a series' followers only."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest

from bot.cli import run
from bot.domain.clock import SystemClock
from bot.sandbox.limits import Limits
from bot.sandbox.testing import SandboxThread
from bot.storage.database import Database

pytestmark = pytest.mark.sandbox(limits=Limits.scaled(10))


async def _follow(url: str, follows: dict[int, str]) -> None:
    async with await Database.connect(url, SystemClock(), migrate=True) as db:
        for chat_id, series in follows.items():
            await db.chats.upsert_chat(chat_id, "private", first_name="Reader")
            await db.subscriptions.subscribe(series, chat_id)


def test_news_and_stats_for_one_series(
    sandbox_thread: SandboxThread, db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = tmp_path / "config"
    config.mkdir()
    for source in (Path("config/euromlsys2026.yaml"), Path("tests/e2e/data/mlsys2026.yaml")):
        (config / source.name).write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    euro, ml = (sandbox_thread.call(sandbox_thread.sandbox.create_user, n) for n in ("Euro", "Ml"))
    asyncio.run(_follow(db_url, {euro.id: "euromlsys", ml.id: "mlsys"}))
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", sandbox_thread.sandbox.token)
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", sandbox_thread.sandbox.base_url)
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("BOT_CONFIG", str(config))
    out, err = io.StringIO(), io.StringIO()
    assert run(["news", "Posters are up", "--yes", "--event", "mlsys"], out, err) == 0, err
    assert "1 delivered" in out.getvalue()
    (message,) = sandbox_thread.sandbox.transcript(ml.id)
    assert "Posters are up" in (message.text or "") and "MLSys 2026" in (message.text or "")
    assert sandbox_thread.sandbox.transcript(euro.id) == []
    out = io.StringIO()
    assert run(["stats", "--event", "mlsys"], out, io.StringIO()) == 0
    assert "MLSys 2026 [mlsys2026]" in out.getvalue() and "Subscribers: 1 active" in out.getvalue()
    err = io.StringIO()
    assert run(["stats", "--event", "neurips"], io.StringIO(), err) == 2
    assert "no event 'neurips'" in err.getvalue()
