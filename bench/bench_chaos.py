"""The chaos suite with long outages: PostgreSQL cut and stalled for 10 s, read-only SQLite.

Runs ``tests/chaos`` (real ``deadline-bot run`` processes against the sandbox, PostgreSQL
behind a TCP proxy) with ``CHAOS_OUTAGE_S`` set, and prints each scenario's figures: lost
messages, duplicates against the documented window, ``/healthz`` statuses, exit status.

    REQUIRE_POSTGRES=1 python bench/bench_chaos.py            # 10 s outages
    REQUIRE_POSTGRES=1 python bench/bench_chaos.py --outage 30
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MARKERS = ("PostgreSQL ", "SQLite ", "takeover on PostgreSQL")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outage", type=float, default=10.0, help="seconds of each outage")
    parser.add_argument("-k", default="", help="only the scenarios matching (pytest -k)")
    args = parser.parse_args()
    env = dict(os.environ, CHAOS_OUTAGE_S=str(args.outage))
    command = [sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider"]
    command += ["tests/chaos", "-o", "timeout=900"]
    if args.k:
        command += ["-k", args.k]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    for line in done.stdout.splitlines():
        if line.startswith(MARKERS):
            print(line)
    summary = [line for line in done.stdout.splitlines() if " passed" in line or "failed" in line]
    print(summary[-1] if summary else done.stdout[-2000:])
    if done.returncode != 0:
        print(done.stdout[-6000:], done.stderr[-2000:], sep="\n")
    return done.returncode


if __name__ == "__main__":
    raise SystemExit(main())
