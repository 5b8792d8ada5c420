"""Delivery benchmarks: pace under every flood model, paid broadcasts, capacity, backlog.

The sandbox (on 127.0.0.1 only) runs in a child process started by this script; this process
runs the engine (SQLite in a temp dir, or ``--db URL``) and PTB's ``ExtBot`` with the shared
:class:`~bot.delivery.PriorityRateLimiter` and the :class:`~bot.delivery.http.AiohttpRequest`
backend, as ``deadline-bot run`` does. Scenarios:

(a) pace at Telegram's real limits, 1,000 recipients, once per sandbox flood model
    (``bucket``, ``sliding``, ``fixed``); baseline: a plain ``for`` loop of ``send_message``
    over PTB's ``AIORateLimiter`` with its defaults (a 429 raises: the message is lost);
(p) a paid broadcast (``allow_paid_broadcast``) to 10,000 recipients against the sandbox's
    paid limit (1,000/s, sliding window);
(c) capacity with limits off, 4,000 recipients; baseline: a plain ``send_message`` loop over
    python-telegram-bot as it comes (``HTTPXRequest``, no rate limiter);
(d) replies during a 2,000-recipient broadcast at limits x10 (4 people, each every 0.5 s);
(q) the sender with limits off, 5,000 sends from a backlog of 5,000 pending rows and from
    one of 1,000,000.

Timing: a monotonic clock around the whole run (enqueue to the stored report). Every figure
is cross-checked with the sandbox's own counters: accepted sends, 429s, the span from its
first to its last accepted send, and its busiest second; a pace above the sandbox's limit
would be a measurement bug and is flagged.

Run (bounded; about 6 minutes)::

    .venv/bin/python bench/bench_delivery.py                 # SQLite in a temp dir
    .venv/bin/python bench/bench_delivery.py --db postgresql+psycopg://postgres@127.0.0.1/test
    .venv/bin/python bench/bench_delivery.py --only a,p      # some scenarios
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
from sqlalchemy import text
from telegram.error import TelegramError
from telegram.ext import AIORateLimiter, BaseRateLimiter, ExtBot
from telegram.request import BaseRequest, HTTPXRequest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.delivery import DeliveryEngine, DeliveryLimits, PriorityRateLimiter
from bot.delivery.http import AiohttpRequest
from bot.domain.clock import SystemClock
from bot.storage import Database
from bot.storage.models import Audience, AudienceBroadcast

FIRST_USER = 100001  # the sandbox numbers people from here
TOTAL_USERS = 10_000 + 16
TEXT = "<b>EuroMLSys 2026</b>: the submission deadline is <i>15 Feb 2026 23:59 AoE</i>."
BACKLOG_CHATS = 10_000  # (q) rows cycle over these chats (limits are off)


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

    async def reset(self, limits: str) -> dict[str, Any]:
        applied: dict[str, Any] = await self.control("POST", "limits", {"preset": limits})
        await self.control("POST", "counters/reset", {})
        return applied

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
    limit: float
    """The sandbox's overall limit in msg/s (inf when off)."""
    messages: int
    seconds: float
    """Monotonic, around the whole run."""
    delivered: int
    lost: int
    duplicates: int
    too_many: int
    sandbox_sends: int
    sandbox_span: float
    """First to last send accepted by the sandbox, by its clock."""
    busiest_second: int
    charged: int = 0
    latencies: list[float] = field(default_factory=list)

    @property
    def pace(self) -> float:
        return self.delivered / self.seconds if self.seconds > 0 else 0.0

    @property
    def sandbox_pace(self) -> float:
        return (self.sandbox_sends - 1) / self.sandbox_span if self.sandbox_span > 0 else 0.0

    @property
    def of_limit(self) -> str:
        return "-" if self.limit == float("inf") else f"{100 * self.pace / self.limit:.0f} %"

    @property
    def plausible(self) -> bool:
        """False when a figure is above the physical limit: a measurement bug.

        In ``seconds`` no receiver lets more than its limit per second through, plus one
        second's worth at the start (a full bucket, an empty window).
        """
        return self.delivered <= self.limit * (self.seconds + 1.0)

    def latency(self, q: float) -> str:
        if not self.latencies:
            return "-"
        ordered = sorted(self.latencies)
        return f"{1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))]:.0f}"


async def tally(sandbox: SandboxProcess, chats: Sequence[int]) -> dict[str, Any]:
    """Delivered, lost, duplicates and the sandbox's own pace figures, from its counters."""
    counters = await sandbox.counters()
    sends = {int(k): v for k, v in counters["sends"].items()}
    got = [sends.get(c, 0) for c in chats]
    delivered = sum(1 for n in got if n)
    return {
        "delivered": delivered,
        "lost": len(chats) - delivered,
        "duplicates": sum(max(0, n - 1) for n in got),
        "too_many": counters["total_429"],
        "sandbox_sends": counters["total_sends"],
        "sandbox_span": counters["pace"]["span_s"],
        "busiest_second": counters["pace"]["max_in_1s"],
        "charged": counters["total_charged"],
    }


def make_bot(
    sandbox: SandboxProcess,
    limiter: BaseRateLimiter[Any] | None,
    request: BaseRequest,
) -> ExtBot[Any]:
    return ExtBot(sandbox.token, base_url=sandbox.base_url, request=request, rate_limiter=limiter)


# ------------------------------------------------------------------------------- scenarios


@dataclass
class Scenario:
    key: str
    what: str
    limits: str
    """The sandbox's preset (``real:sliding``, ``x10``, ``off``)."""
    recipients: int
    ours: DeliveryLimits
    baseline: str = "aiorate"
    """``aiorate`` (PTB's AIORateLimiter loop), ``plain`` (no limiter) or ``none``."""
    paid: bool = False
    interactive: bool = False
    workers: int = 8


SCENARIOS = [
    *(
        Scenario(f"a-{model}", f"1,000 recipients, {model}", f"real:{model}", 1_000,
                 DeliveryLimits.telegram())
        for model in ("bucket", "sliding", "fixed")
    ),
    Scenario("p", "paid broadcast, 10,000", "real:sliding", 10_000, DeliveryLimits.telegram(),
             baseline="none", paid=True),
    Scenario("c", "capacity, limits off", "off", 10_000, DeliveryLimits.off(),
             baseline="plain", workers=32),
    Scenario("d", "replies during broadcast, x10", "x10", 2_000, DeliveryLimits.scaled(10),
             interactive=True, workers=16),
]  # fmt: skip


def sandbox_limit(applied: dict[str, Any], paid: bool) -> float:
    if not applied["enabled"]:
        return float("inf")
    return float(applied["paid_per_s" if paid else "overall_per_s"])


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
    applied = await sandbox.reset(sc.limits)
    limiter = PriorityRateLimiter(sc.ours)
    bot = make_bot(sandbox, limiter, AiohttpRequest(sc.workers + 8))
    await bot.initialize()
    engine = DeliveryEngine(db, bot, SystemClock(), workers=sc.workers, idle_poll=0.2)
    await engine.start()
    event = await subscribe(db, chats, tag)
    asker = Asker(bot, ASKERS)
    tasks = asker.start() if sc.interactive else []
    began = time.monotonic()
    created = await engine.enqueue_to(  # as a news post does: INSERT ... SELECT
        AudienceBroadcast(
            event,
            "news",
            tag,
            None,
            Audience(event),
            [{"text": TEXT}],
            f"bench:{tag}:",
            paid=sc.paid,
        )
    )
    await engine.wait_finished(created.broadcast_id, timeout=900)
    seconds = time.monotonic() - began
    if tasks:
        await asker.stop(tasks)
    await engine.stop(5)
    await bot.shutdown()
    figures = await tally(sandbox, chats)
    return Result(
        sc.key,
        "ours",
        sc.limits,
        sandbox_limit(applied, sc.paid),
        len(chats),
        seconds,
        latencies=asker.latencies,
        **figures,
    )


async def run_baseline(sc: Scenario, sandbox: SandboxProcess, chats: Sequence[int]) -> Result:
    applied = await sandbox.reset(sc.limits)
    if sc.baseline == "plain":
        bot = make_bot(sandbox, None, HTTPXRequest(connection_pool_size=16, read_timeout=10.0))
    else:
        factor = 10 if sc.limits.startswith("x10") else 1
        limiter = AIORateLimiter(overall_max_rate=30 * factor, group_max_rate=20 * factor)
        bot = make_bot(sandbox, limiter, HTTPXRequest(connection_pool_size=16, read_timeout=10.0))
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
    figures = await tally(sandbox, chats)
    return Result(
        sc.key,
        "baseline",
        sc.limits,
        sandbox_limit(applied, False),
        len(chats),
        seconds,
        latencies=asker.latencies,
        **figures,
    )


async def subscribe(db: Database, chats: Sequence[int], tag: str) -> str:
    """Subscribe ``chats`` (a range) to an event of their own, in SQL; return its id."""
    event = f"bench-{tag}"
    first, last = chats[0], chats[-1]
    assert list(chats) == list(range(first, last + 1))
    sqlite = db.dialect == "sqlite"
    true = "1" if sqlite else "true"
    if sqlite:
        prefix = (
            f"WITH RECURSIVE s(n) AS (SELECT {first} UNION ALL SELECT n + 1 FROM s "
            f"WHERE n < {last}) "
        )
        source, at = "FROM s", SystemClock().now().replace(tzinfo=None).isoformat(sep=" ")
    else:
        prefix, source, at = (
            "",
            f"FROM generate_series({first}, {last}) AS s(n)",
            SystemClock().now(),
        )
    conflict = "ON CONFLICT (chat_id) DO NOTHING" if not sqlite else "ON CONFLICT DO NOTHING"
    where = "WHERE true " if sqlite else ""  # SQLite: ON CONFLICT after a SELECT needs a WHERE
    async with db.engine.begin() as conn:
        await conn.execute(
            text(
                f"{prefix}INSERT INTO chats (chat_id, type, active, first_seen, updated_at) "
                f"SELECT n, 'private', {true}, :at, :at {source} {where}{conflict}"
            ),
            {"at": at},
        )
        await conn.execute(
            text(
                f"{prefix}INSERT INTO subscriptions (series_id, chat_id, subscribed_at, reminders,"
                f" active) SELECT :e, n, :at, 'all', {true} {source}"
            ),
            {"e": event, "at": at},
        )
    return event


# ------------------------------------------------------------------------------- backlog


async def fill_backlog(db: Database, count: int, tag: str) -> int:
    """A broadcast of ``count`` pending rows (generated in SQL, cycling over 10,000 chats)."""
    created = await db.outbox.create_broadcast("bench", "news", tag, None, [])
    bid = created.broadcast_id
    sqlite = db.dialect == "sqlite"
    if sqlite:
        last = count - 1
        prefix = (
            f"WITH RECURSIVE s(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM s WHERE n < {last}) "
        )
        source, at = "FROM s", SystemClock().now().replace(tzinfo=None).isoformat(sep=" ")
    else:
        prefix, source, at = (
            "",
            f"FROM generate_series(0, {count - 1}) AS s(n)",
            SystemClock().now(),
        )
    async with db.engine.begin() as conn:
        await conn.execute(
            text("INSERT INTO broadcast_parts (broadcast_id, part, payload) VALUES (:b, 0, :p)"),
            {"b": bid, "p": json.dumps({"text": TEXT})},
        )
        await conn.execute(
            text(
                f"{prefix}INSERT INTO outbox (broadcast_id, chat_id, idempotency_key, part,"
                " status, attempts, next_attempt_at, created_at) SELECT :b,"
                f" {FIRST_USER} + (n % {BACKLOG_CHATS}), :k || n, 0, 'pending', 0, :at, :at"
                f" {source}"
            ),
            {"b": bid, "k": f"{tag}:", "at": at},
        )
        await conn.execute(
            text("UPDATE broadcasts SET total = :n WHERE id = :b"), {"n": count, "b": bid}
        )
        if not sqlite:
            await conn.execute(text("ANALYZE outbox"))
    if not sqlite:  # write the fill's WAL out now, not during the measurement
        async with db.engine.connect() as conn:
            await conn.execute(text("CHECKPOINT"))
    return bid


async def run_backlog(sandbox: SandboxProcess, db: Database, backlog: int, tag: str) -> float:
    """msg/s of the first 5,000 sends with ``backlog`` rows pending (limits off)."""
    await sandbox.reset("off")
    bid = await fill_backlog(db, backlog, tag)
    bot = make_bot(sandbox, PriorityRateLimiter(DeliveryLimits.off()), AiohttpRequest(40))
    await bot.initialize()
    engine = DeliveryEngine(db, bot, SystemClock(), workers=32, idle_poll=0.2)
    target = 5_000
    began = time.monotonic()
    await engine.start()
    while (await sandbox.counters())["total_sends"] < target:  # noqa: ASYNC110 (another process)
        await asyncio.sleep(0.05)
    seconds = time.monotonic() - began
    sends = (await sandbox.counters())["total_sends"]
    await engine.stop(5)
    await bot.shutdown()
    await db.outbox.cancel_broadcast(bid)
    rate = sends / seconds
    print(
        f"  (q) backlog {backlog:>9,}: {sends:,} sends in {seconds:.2f} s = {rate:,.0f} msg/s",
        flush=True,
    )
    return rate


# ----------------------------------------------------------------------------------- table


def print_table(results: list[Result]) -> None:
    head = (
        f"{'scenario':34} {'who':9} {'msgs':>6} {'secs':>7} {'msg/s':>7} {'of limit':>8} "
        f"{'sandbox':>7} {'max/1s':>6} {'lost':>5} {'dups':>5} {'429s':>5} {'p50 ms':>7} "
        f"{'p95 ms':>7}"
    )
    print(head)
    print("-" * len(head))
    what = {s.key: s.what for s in SCENARIOS}
    for r in results:
        flag = "" if r.plausible else "  <-- above the physical limit: measurement bug"
        print(
            f"{r.scenario + ' ' + what[r.scenario]:34} {r.who:9} {r.messages:>6} "
            f"{r.seconds:>7.1f} {r.pace:>7.1f} {r.of_limit:>8} {r.sandbox_pace:>7.1f} "
            f"{r.busiest_second:>6} {r.lost:>5} {r.duplicates:>5} {r.too_many:>5} "
            f"{r.latency(0.5):>7} {r.latency(0.95):>7}{flag}"
        )
    print()
    print("ours / baseline:")
    by = {(r.scenario, r.who): r for r in results}
    for key in dict.fromkeys(r.scenario for r in results):
        ours, base = by.get((key, "ours")), by.get((key, "baseline"))
        if ours is None:
            continue
        parts = []
        if base is not None and base.pace:
            parts.append(f"pace {ours.pace / base.pace:.2f}x")
            parts.append(f"lost {ours.lost} vs {base.lost}")
            parts.append(f"429s {ours.too_many} vs {base.too_many}")
        if ours.limit != float("inf"):
            parts.append(f"{ours.pace / ours.limit:.3f} of the limit")
        if ours.charged:
            parts.append(f"{ours.charged} paid messages charged ({ours.charged * 0.1:.1f} Stars)")
        if ours.latencies and base is not None and base.latencies:
            p95o = statistics.quantiles(ours.latencies, n=20)[-1]
            p95b = statistics.quantiles(base.latencies, n=20)[-1]
            parts.append(f"reply p95 {1000 * p95o:.0f} vs {1000 * p95b:.0f} ms")
        print(f"  ({key}) " + ", ".join(parts))


# ------------------------------------------------------------------------------------ main


async def open_db(url: str) -> Database:
    """A migrated database; on PostgreSQL in a schema of its own (dropped by close_db)."""
    if not url.startswith("postgres"):
        return await Database.connect(url, SystemClock(), migrate=True)
    schema = f"bench_delivery_{time.monotonic_ns()}"
    admin = await Database.connect(url, SystemClock())
    async with admin.engine.begin() as conn:
        await conn.execute(text(f"CREATE SCHEMA {schema}"))
    await admin.close()
    options = {"options": f"-csearch_path={schema}"}
    return await Database.connect(url, SystemClock(), migrate=True, connect_args=options)


async def close_db(db: Database) -> None:
    if db.dialect == "postgresql":
        async with db.engine.begin() as conn:
            schema = (await conn.execute(text("SELECT current_schema()"))).scalar_one()
            await conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    await db.close()


async def main_async(args: argparse.Namespace) -> None:
    keys = [s.key for s in SCENARIOS] + ["q"]
    wanted = set(args.only.split(",")) if args.only else set(keys)
    only = {k for k in keys if k in wanted or k.split("-")[0] in wanted}
    sandbox = SandboxProcess(TOTAL_USERS)
    tmp = tempfile.TemporaryDirectory()
    url = args.db or f"sqlite+aiosqlite:///{tmp.name}/bench.sqlite3"
    db = await open_db(url)
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
            print(
                f"  ({sc.key}) ours: {ours.pace:.1f} msg/s, lost {ours.lost}, 429s {ours.too_many}",
                flush=True,
            )
            if sc.baseline != "none" and not args.no_baseline:
                base = await run_baseline(sc, sandbox, chats)
                results.append(base)
                print(
                    f"  ({sc.key}) baseline: {base.pace:.1f} msg/s, lost {base.lost}, "
                    f"429s {base.too_many}",
                    flush=True,
                )
        if "q" in only:
            small = await run_backlog(sandbox, db, 5_000, f"{stamp}-q5k")
            large = await run_backlog(sandbox, db, args.backlog, f"{stamp}-q1m")
            print(
                f"  (q) rate at {args.backlog:,} / at 5,000: {large / small:.2f}x (target >= 0.67)"
            )
        print()
        print_table(results)
    finally:
        await close_db(db)
        sandbox.close()
        tmp.cleanup()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--db", help="database URL (default: SQLite in a temp dir)")
    parser.add_argument(
        "--only", help="comma-separated scenarios: a (all models), a-sliding, p, c, d, q"
    )
    parser.add_argument("--no-baseline", action="store_true", help="skip the baselines")
    parser.add_argument("--backlog", type=int, default=1_000_000, help="(q) large backlog")
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
