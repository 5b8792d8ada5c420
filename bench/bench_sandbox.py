"""How many Bot API requests per second does the sandbox serve?

The sandbox runs in its own process (``python -m bot.sandbox --limits off``) on 127.0.0.1; this
process drives it with a concurrent aiohttp client (keep-alive connections).  Each scenario is
run several times with a bounded number of requests and a time cap; the table shows the median.

    .venv/bin/python bench/bench_sandbox.py [--requests 3000] [--concurrency 32] [--runs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from typing import Any

import aiohttp

Payload = Callable[[int], dict[str, str]]


def start_server() -> tuple[subprocess.Popen[str], str, str, int]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.sandbox", "--port", "0", "--limits", "off", "--user", "Bench"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    lines: list[str] = []
    while not any(line.startswith("  user ") for line in lines):
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError("sandbox did not start:\n" + "".join(lines))
        lines.append(line)
    base = next(x for x in lines if "base_url " in x).split("= ")[1].strip()
    token = next(x for x in lines if "token" in x).rsplit(" ", 1)[1].strip()
    user_id = int(next(x for x in lines if x.startswith("  user ")).rsplit(" ", 1)[1])
    if not base.startswith("http://127.0.0.1:"):
        raise RuntimeError(f"refusing to benchmark a non-loopback address: {base}")
    return proc, base, token, user_id


async def run_once(
    url: str, payload: Payload, requests: int, concurrency: int, max_seconds: float
) -> tuple[int, float, int]:
    """Send ``requests`` POSTs with ``concurrency`` workers; return (done, seconds, errors)."""
    counter = iter(range(requests))
    done = errors = 0
    deadline = time.perf_counter() + max_seconds
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as http:

        async def worker() -> None:
            nonlocal done, errors
            for i in counter:
                if time.perf_counter() > deadline:
                    return
                async with http.post(url, data=payload(i)) as resp:
                    body = await resp.read()
                    if resp.status != 200 or b'"ok":true' not in body:
                        errors += 1
                done += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return done, time.perf_counter() - started, errors


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--max-seconds", type=float, default=20.0, help="cap per run")
    args = parser.parse_args()
    proc, base, token, user_id = start_server()
    try:
        api = f"{base}{token}"
        markup = json.dumps({"inline_keyboard": [[{"text": "ok", "callback_data": "ok"}]]})
        scenarios: list[tuple[str, str, Payload]] = [
            ("getMe", "getMe", lambda i: {}),
            (
                "sendMessage (plain)",
                "sendMessage",
                lambda i: {"chat_id": str(user_id), "text": f"Deadline reminder #{i}"},
            ),
            (
                "sendMessage (HTML + keyboard)",
                "sendMessage",
                lambda i: {
                    "chat_id": str(user_id),
                    "text": f"<b>Deadline</b> #{i} in <i>3 days</i> <a href='https://x.org'>CFP</a>",
                    "parse_mode": "HTML",
                    "reply_markup": markup,
                },
            ),
        ]
        rows: list[tuple[str, float, float, float, int]] = []
        for name, method, payload in scenarios:
            rates: list[float] = []
            failed = 0
            asyncio.run(run_once(f"{api}/{method}", payload, 200, args.concurrency, 5.0))  # warm-up
            for _ in range(args.runs):
                done, seconds, errors = asyncio.run(
                    run_once(
                        f"{api}/{method}",
                        payload,
                        args.requests,
                        args.concurrency,
                        args.max_seconds,
                    )
                )
                rates.append(done / seconds)
                failed += errors
            rows.append((name, statistics.median(rates), min(rates), max(rates), failed))
        with urllib.request.urlopen(f"{base.rsplit('/bot', 1)[0]}/sandbox/counters") as resp:
            counters: Any = json.loads(resp.read())["result"]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    print(
        f"\nsandbox throughput, {args.runs} runs x {args.requests} requests, "
        f"concurrency {args.concurrency}, limits off, 127.0.0.1"
    )
    print(f"{'scenario':<32} {'median req/s':>12} {'min':>8} {'max':>8} {'errors':>7}")
    for name, median, low, high, failed in rows:
        print(f"{name:<32} {median:>12.0f} {low:>8.0f} {high:>8.0f} {failed:>7}")
    print(f"server counted {counters['total_requests']} requests, {counters['total_429']} 429s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
