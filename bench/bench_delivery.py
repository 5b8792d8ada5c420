"""Delivery benchmarks: pace, capacity and responsiveness of the delivery engine.

The sandbox (Telegram's limits, on 127.0.0.1 only) runs in a child process started by this
script; this process runs the engine (SQLite in a temp dir, or ``--db URL``) and PTB's
``ExtBot`` with the shared :class:`~bot.delivery.PriorityRateLimiter`. Scenarios:

(a) pace at Telegram's real limits: 300 private recipients;
(b) pace at scale: 10,000 recipients with the sandbox's limits ×10 (300 msg/s);
(c) capacity with limits off (messages/s on this machine);
(d) responsiveness: latency of interactive ``sendMessage`` calls (4 people, each every
    0.5 s) during a 2,000-recipient broadcast at ×10 limits;
(f) a 1,000-subscriber broadcast at real limits: total time vs the 1,000/30 s allowed.

(e) Each scenario also runs as a baseline: a plain ``for`` loop of ``send_message`` over PTB's
``AIORateLimiter`` with its defaults (``max_retries=0``: a 429 raises and the message is
lost; at ×10 its overall rate is scaled ×10 too, at "off" it is disabled), and the table
prints our/baseline ratios. Per row: achieved pace vs the sandbox's limit, lost messages,
duplicates and 429s (from the sandbox's counters).

Run (about 4-5 minutes; every run is bounded)::

    .venv/bin/python bench/bench_delivery.py                 # SQLite in a temp dir
    .venv/bin/python bench/bench_delivery.py --db postgresql+psycopg://postgres@127.0.0.1/test
    .venv/bin/python bench/bench_delivery.py --only a,c      # some scenarios
    .venv/bin/python bench/bench_delivery.py --profile c     # cProfile of scenario c
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import io
import json
import logging
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from telegram.error import TelegramError
from telegram.ext import AIORateLimiter, BaseRateLimiter, ExtBot
from telegram.request import HTTPXRequest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.delivery import DeliveryEngine, DeliveryLimits, PriorityRateLimiter
from bot.domain.clock import SystemClock
from bot.storage import Database, NewOutboxRow

FIRST_USER = 100001  # the sandbox numbers people from here
TOTAL_USERS = 10_000 + 16
SANDBOX_RATE = {"real": 30.0, "x10": 300.0, "off": float("inf")}
TEXT = "<b>EuroMLSys 2026</b>: the submission deadline is <i>15 Feb 2026 23:59 AoE</i>."


# ----------------------------------------------------------------------------- the sandbox


async def serve(users: int) -> None:
    """Child process: a sandbox with ``users`` people, serving until killed."""
    from bot.sandbox.limits import Limits
    from bot.sandbox.server import Sandbox

    sandbox = Sandbox(limits=Limits.real(), host="127.0.0.1", port=0)
    await sandbox.start()
    for n in range(users):
        sandbox.create_user(f"Reader {n}")
    info = {"url": sandbox.url, "base_url": sandbox.base_url, "token": sandbox.token}
    print(json.dumps(info), flush=True)
    await asyncio.Event().wait()


class SandboxProcess:
    """The sandbox child process and its control API."""

    def __init__(self, users: int) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--serve", str(users)], stdout=subprocess.PIPE, text=True
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("the sandbox did not start")
        info = json.loads(line)
        self.url, self.base_url, self.token = info["url"], info["base_url"], info["token"]
        if not self.url.startswith("http://127.0.0.1:"):
            raise RuntimeError(f"refusing to benchmark a non-loopback address: {self.url}")

    async def control(self, method: str, path: str, body: Any = None) -> Any:
        async with (
            aiohttp.ClientSession() as http,
            http.request(method, f"{self.url}/sandbox/{path}", json=body) as response,
        ):
            data = await response.json()
        if not data.get("ok"):
            raise RuntimeError(f"sandbox control {path}: {data}")
        return data["result"]

    async def reset(self, limits: str) -> None:
        await self.control("POST", "limits", {"preset": limits})
        await self.control("POST", "counters/reset", {})

    async def counters(self) -> dict[str, Any]:
        result: dict[str, Any] = await self.control("GET", "counters")
        return result

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


# --------------------------------------------------------------------------------- results


@dataclass
class Result:
    """One scenario run, ours or the baseline."""

    scenario: str
    who: str
    limits: str
    messages: int
    seconds: float
    delivered: int
    lost: int
    duplicates: int
    too_many: int
    latencies: list[float] = field(default_factory=list)

    @property
    def pace(self) -> float:
        return self.delivered / self.seconds if self.seconds > 0 else 0.0

    @property
    def of_limit(self) -> str:
        limit = SANDBOX_RATE[self.limits]
        return "-" if limit == float("inf") else f"{100 * self.pace / limit:.0f} %"

    def latency(self, q: float) -> str:
        if not self.latencies:
            return "-"
        ordered = sorted(self.latencies)
        return f"{1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))]:.0f}"


async def tally(sandbox: SandboxProcess, chats: Sequence[int]) -> tuple[int, int, int, int]:
    """Return (delivered chats, lost, duplicates, 429s) from the sandbox's counters."""
    counters = await sandbox.counters()
    sends = {int(k): v for k, v in counters["sends"].items()}
    got = [sends.get(c, 0) for c in chats]
    delivered = sum(1 for n in got if n)
    return delivered, len(chats) - delivered, sum(max(0, n - 1) for n in got), counters["total_429"]


def make_bot(sandbox: SandboxProcess, limiter: BaseRateLimiter[Any], pool: int) -> ExtBot[Any]:
    return ExtBot(
        sandbox.token,
        base_url=sandbox.base_url,
        request=HTTPXRequest(connection_pool_size=pool, read_timeout=10.0),
        rate_limiter=limiter,
    )


# ------------------------------------------------------------------------------- scenarios


@dataclass
class Scenario:
    key: str
    what: str
    limits: str
    recipients: int
    interactive: bool = False
    workers: int = 8


SCENARIOS = [
    Scenario("a", "pace, real limits", "real", 300),
    # At 300 msg/s and above, more workers keep requests in flight (each waits for its
    # own commit, so the duplicate window stays one row per worker).
    Scenario("b", "pace at scale, x10", "x10", 10_000, workers=16),
    Scenario("c", "capacity, limits off", "off", 4_000, workers=16),
    Scenario("d", "replies during broadcast, x10", "x10", 2_000, interactive=True, workers=16),
    Scenario("f", "1,000 subscribers, real", "real", 1_000),
]


def our_limits(name: str) -> DeliveryLimits:
    return {
        "real": DeliveryLimits.telegram(),
        "x10": DeliveryLimits.scaled(10),
        "off": DeliveryLimits.off(),
    }[name]


def baseline_limiter(name: str) -> AIORateLimiter:
    if name == "x10":
        return AIORateLimiter(overall_max_rate=300, group_max_rate=200)
    if name == "off":
        return AIORateLimiter(overall_max_rate=0, group_max_rate=0)
    return AIORateLimiter()  # defaults: 30/s overall, 20/min per group, max_retries=0


class Asker:
    """Simulated people who each get a reply every 0.5 s; records the reply latencies."""

    def __init__(self, bot: ExtBot[Any], chats: Sequence[int]) -> None:
        self.bot, self.chats = bot, chats
        self.latencies: list[float] = []
        self.lost = 0
        self._stop = asyncio.Event()

    async def _person(self, chat: int, offset: float) -> None:
        await asyncio.sleep(offset)
        while not self._stop.is_set():
            began = time.monotonic()
            try:
                await self.bot.send_message(chat, "You asked: <b>when</b>?", parse_mode="HTML")
                self.latencies.append(time.monotonic() - began)
            except TelegramError:
                self.lost += 1
            await asyncio.sleep(max(0.0, 0.5 - (time.monotonic() - began)))

    def start(self) -> list[asyncio.Task[None]]:
        step = 0.5 / len(self.chats)
        return [asyncio.create_task(self._person(c, n * step)) for n, c in enumerate(self.chats)]

    async def stop(self, tasks: list[asyncio.Task[None]]) -> None:
        self._stop.set()
        await asyncio.gather(*tasks)


ASKERS = list(range(FIRST_USER + 10_000, FIRST_USER + 10_004))


async def run_ours(
    sc: Scenario, sandbox: SandboxProcess, db: Database, chats: Sequence[int], tag: str
) -> Result:
    await sandbox.reset(sc.limits)
    bot = make_bot(sandbox, PriorityRateLimiter(our_limits(sc.limits)), sc.workers + 4)
    await bot.initialize()
    engine = DeliveryEngine(db, bot, SystemClock(), workers=sc.workers, idle_poll=0.2)
    await engine.start()
    rows = [NewOutboxRow(c, f"bench:{tag}:{c}", {"text": TEXT}) for c in chats]
    asker = Asker(bot, ASKERS)
    tasks = asker.start() if sc.interactive else []
    began = SystemClock().now()
    broadcast_id = await engine.enqueue("bench", "news", tag, None, rows)
    await engine.wait_finished(broadcast_id, timeout=600)
    sent_at = [r.sent_at for r in await db.outbox.rows_for(broadcast_id) if r.sent_at]
    seconds = (max(sent_at) - began).total_seconds() if sent_at else float("nan")
    if tasks:
        await asker.stop(tasks)
    await engine.stop(5)
    await bot.shutdown()
    delivered, lost, dups, too_many = await tally(sandbox, chats)
    return Result(
        sc.key,
        "ours",
        sc.limits,
        len(chats),
        seconds,
        delivered,
        lost,
        dups,
        too_many,
        asker.latencies,
    )


async def run_baseline(sc: Scenario, sandbox: SandboxProcess, chats: Sequence[int]) -> Result:
    await sandbox.reset(sc.limits)
    bot = make_bot(sandbox, baseline_limiter(sc.limits), 16)
    await bot.initialize()
    asker = Asker(bot, ASKERS)
    tasks = asker.start() if sc.interactive else []
    began = time.monotonic()
    for chat in chats:  # the plain loop
        with contextlib.suppress(TelegramError):  # lost: counted from the sandbox below
            await bot.send_message(chat, TEXT, parse_mode="HTML")
    seconds = time.monotonic() - began
    if tasks:
        await asker.stop(tasks)
    await bot.shutdown()
    delivered, lost, dups, too_many = await tally(sandbox, chats)
    return Result(
        sc.key,
        "baseline",
        sc.limits,
        len(chats),
        seconds,
        delivered,
        lost,
        dups,
        too_many,
        asker.latencies,
    )


# ----------------------------------------------------------------------------------- table


def print_table(results: list[Result]) -> None:
    head = (
        f"{'':2} {'scenario':32} {'who':9} {'msgs':>6} {'secs':>7} {'msg/s':>7} {'of limit':>8} "
        f"{'lost':>5} {'dups':>5} {'429s':>5} {'p50 ms':>7} {'p95 ms':>7}"
    )
    print(head)
    print("-" * len(head))
    what = {s.key: s.what for s in SCENARIOS}
    for r in results:
        print(
            f"{r.scenario:2} {what[r.scenario]:32} {r.who:9} {r.messages:>6} {r.seconds:>7.1f} "
            f"{r.pace:>7.1f} {r.of_limit:>8} {r.lost:>5} {r.duplicates:>5} {r.too_many:>5} "
            f"{r.latency(0.5):>7} {r.latency(0.95):>7}"
        )
    print()
    print("ours / baseline:")
    by = {(r.scenario, r.who): r for r in results}
    for key in dict.fromkeys(r.scenario for r in results):
        ours, base = by.get((key, "ours")), by.get((key, "baseline"))
        if ours is None or base is None:
            continue
        parts = [f"pace {ours.pace / base.pace:.2f}x" if base.pace else "pace -"]
        parts.append(f"lost {ours.lost} vs {base.lost}")
        parts.append(f"429s {ours.too_many} vs {base.too_many}")
        if ours.latencies and base.latencies:
            p95o = statistics.quantiles(ours.latencies, n=20)[-1]
            p95b = statistics.quantiles(base.latencies, n=20)[-1]
            parts.append(
                f"reply p95 {p95o / p95b:.2f}x ({1000 * p95o:.0f} vs {1000 * p95b:.0f} ms)"
            )
        print(f"  ({key}) " + ", ".join(parts))
    for r in results:
        if r.scenario == "f" and r.who == "ours":
            allowed = r.messages / 30.0
            print(
                f"  (f) {r.messages} subscribers in {r.seconds:.1f} s; Telegram allows "
                f"{allowed:.1f} s: {r.seconds / allowed:.2f}x (target <= 1.15x)"
            )


# ------------------------------------------------------------------------------------ main


async def main_async(args: argparse.Namespace) -> None:
    only = set(args.only.split(",")) if args.only else {s.key for s in SCENARIOS}
    sandbox = SandboxProcess(TOTAL_USERS)
    tmp = tempfile.TemporaryDirectory()
    url = args.db or f"sqlite+aiosqlite:///{tmp.name}/bench.sqlite3"
    db = await Database.connect(url, SystemClock(), migrate=True)
    stamp = str(int(time.time()))
    results: list[Result] = []
    try:
        print(f"database: {db.url}; sandbox: {sandbox.url} (child process)\n", flush=True)
        for sc in SCENARIOS:
            if sc.key not in only:
                continue
            chats = list(range(FIRST_USER, FIRST_USER + sc.recipients))
            if args.profile == sc.key:
                profiler = cProfile.Profile()
                profiler.enable()
            ours = await run_ours(sc, sandbox, db, chats, f"{stamp}-{sc.key}")
            if args.profile == sc.key:
                profiler.disable()
                out = io.StringIO()
                pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(25)
                print(out.getvalue())
            results.append(ours)
            print(f"  ({sc.key}) ours: {ours.pace:.1f} msg/s, lost {ours.lost}", flush=True)
            if not args.no_baseline:
                base_chats = chats[: args.baseline_cap] if sc.key == "c" else chats
                base = await run_baseline(sc, sandbox, base_chats)
                results.append(base)
                print(f"  ({sc.key}) baseline: {base.pace:.1f} msg/s, lost {base.lost}", flush=True)
        print()
        print_table(results)
    finally:
        await db.close()
        sandbox.close()
        tmp.cleanup()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--db", help="database URL (default: SQLite in a temp dir)")
    parser.add_argument("--only", help="comma-separated scenarios: a,b,c,d,f")
    parser.add_argument("--no-baseline", action="store_true", help="skip the AIORateLimiter loop")
    parser.add_argument("--baseline-cap", type=int, default=2_000, help="messages in (c) baseline")
    parser.add_argument("--profile", help="cProfile one scenario of ours (e.g. c)")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve is not None:
        asyncio.run(serve(args.serve))
        return
    # The baseline's lost messages are counted; PTB's traceback for each is noise here.
    logging.getLogger("telegram.ext.AIORateLimiter").setLevel(logging.CRITICAL)
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
