"""Chaos: a 342-byte YAML alias bomb, given to `check`, to /reload and to SIGHUP.

1. ``deadline-bot --config bomb.yaml check`` as a child process: wall time, peak memory
   (max RSS from ``wait4``) and exit status.
2. A real ``deadline-bot run`` process against the in-process sandbox: its config is
   replaced by the bomb, an admin sends /reload while another user asks /next; the time
   to both replies is measured, and the bot's peak memory (VmHWM) before and after.
3. The same bot gets SIGHUP with the bomb in place: time to the refusal in its log.

Targets (issue 18): refuse in < 1 s and < 100 MB.

    .venv/bin/python bench/chaos_alias_bomb.py
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bot.sandbox.server import Sandbox  # noqa: E402
from tests.chaos.bombs import alias_bomb  # noqa: E402
from tests.deploy.botproc import BotProcess, child_env  # noqa: E402

ADMIN = 4242
NOW = "2026-02-01T12:00:00Z"


def peak_kb(pid: int) -> int:
    """The process's peak resident memory so far (VmHWM), in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return -1


def bench_check(bomb: Path) -> tuple[float, float, int, str]:
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "--config", str(bomb), "check"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    assert proc.stderr is not None
    err = proc.stderr.read()
    return seconds, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status), err.strip()


async def bench_reload(bomb_text: str) -> dict[str, float]:
    async with Sandbox() as sandbox:
        with tempfile.TemporaryDirectory() as folder:
            config = Path(folder) / "config"
            shutil.copytree(REPO / "config", config)
            env = child_env(
                token=sandbox.token,
                base_url=sandbox.base_url,
                database_url=f"sqlite+aiosqlite:///{folder}/bench.sqlite3",
                admin_ids=str(ADMIN),
                extra={"BOT_CONFIG": str(config)},
            )
            bot = BotProcess("bomb", ["--now", NOW], env, Path(folder))
            await bot.start()
            try:
                await bot.wait_ready(60)
                admin = sandbox.create_user("Olivia", user_id=ADMIN)
                other = sandbox.create_user("Sam")
                sandbox.send(other, "/next")
                await sandbox.wait_for_message(other.id, timeout=30)
                before = peak_kb(bot.pid)
                for file in config.glob("*.yaml"):
                    file.write_text(bomb_text, encoding="utf-8")
                started = time.perf_counter()
                sandbox.send(admin, "/reload")
                sandbox.send(other, "/next")
                refusal = await sandbox.wait_for_message(admin.id, timeout=300)
                reload_s = time.perf_counter() - started
                await sandbox.wait_for_message(other.id, timeout=300)
                other_s = time.perf_counter() - started
                assert "refused" in refusal.content, refusal.content
                after_reload = peak_kb(bot.pid)
                started = time.perf_counter()
                bot.signal(signal.SIGHUP)
                await bot.wait_for_line(r"reload on SIGHUP failed", 300)
                sighup_s = time.perf_counter() - started
                after_sighup = peak_kb(bot.pid)
                bot.signal(signal.SIGTERM)
                await bot.wait(60)
            finally:
                await bot.kill()
    return {
        "reload_s": reload_s,
        "other_s": other_s,
        "sighup_s": sighup_s,
        "peak_before_mb": before / 1024,
        "peak_reload_mb": after_reload / 1024,
        "peak_sighup_mb": after_sighup / 1024,
    }


def main() -> int:
    text = alias_bomb()
    with tempfile.TemporaryDirectory() as folder:
        bomb = Path(folder) / "bomb.yaml"
        bomb.write_text(text, encoding="utf-8")
        seconds, peak_mb, code, err = bench_check(bomb)
    print(f"alias bomb: {len(text.encode())} bytes, expanding to 9**9 = {9**9:,} values")
    print(f"check:   refused in {seconds:.2f} s, peak {peak_mb:.0f} MB, exit {code}")
    print(f"         {err.splitlines()[-1].strip()}")
    r = asyncio.run(bench_reload(text))
    print(
        f"/reload: refused in {r['reload_s']:.2f} s; another user's /next sent with it answered"
        f" after {r['other_s']:.2f} s; bot peak {r['peak_before_mb']:.0f} MB before,"
        f" {r['peak_reload_mb']:.0f} MB after"
    )
    print(f"SIGHUP:  refused in {r['sighup_s']:.2f} s; bot peak {r['peak_sighup_mb']:.0f} MB after")
    growth = max(r["peak_reload_mb"], r["peak_sighup_mb"]) - r["peak_before_mb"]
    ok = (
        code == 2
        and seconds < 1
        and peak_mb < 100
        and r["reload_s"] < 1
        and r["sighup_s"] < 1
        and growth < 100
    )
    print(f"targets < 1 s and < 100 MB (bot growth {growth:.0f} MB): {'OK' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
