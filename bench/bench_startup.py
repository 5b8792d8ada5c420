"""How long the command line takes to start, as a ratio to a bare ``python -c pass``.

Runs ``python -c pass``, ``python -m bot --help`` and ``python -m bot check`` as fresh
subprocesses in the checkout's folder (``check`` reads its shipped ``config/``; BOT_CONFIG
is unset), round-robin so a change in the machine's load touches all three alike, and
prints the median, the spread and the ratio of each median to that of ``python -c pass``.

    .venv/bin/python bench/bench_startup.py [--runs N]
    .venv/bin/python bench/bench_startup.py --checkout OLD_TREE . [--python OTHER_PYTHON]

``--checkout`` measures other trees of the bot (e.g. ``git archive REV | tar -x -C DIR``
for a "before" figure), interleaved so both see the same load: each tree's ``bot`` is put
first on the path, so the same interpreter and dependencies run the other code. Each
table names the ``bot`` it ran.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent


def commands(python: str) -> dict[str, list[str]]:
    """Return each measured command line by its label."""
    return {
        "python -c pass": [python, "-c", "pass"],
        "deadline-bot --help": [python, "-m", "bot", "--help"],
        "deadline-bot check": [python, "-m", "bot", "check"],
    }


def run_once(argv: list[str], cwd: Path, env: dict[str, str]) -> float:
    """Run ``argv`` once and return its wall time in seconds; fail loudly if it fails."""
    start = time.monotonic()
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, check=False)
    elapsed = time.monotonic() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} exited {done.returncode}: {done.stderr.decode()}")
    return elapsed


def quartiles(samples: list[float]) -> tuple[float, float]:
    """Return the first and third quartiles of ``samples``."""
    q = statistics.quantiles(samples, n=4, method="inclusive")
    return q[0], q[2]


def table(results: dict[str, list[float]]) -> str:
    """Return the figures as an aligned text table (milliseconds)."""
    base = statistics.median(results["python -c pass"])
    head = f"{'command':<22}{'median ms':>10}{'q1–q3 ms':>16}{'min–max ms':>16}{'× python':>10}"
    lines = [head, "-" * len(head)]
    for label, samples in results.items():
        median = statistics.median(samples)
        q1, q3 = quartiles(samples)
        lines.append(
            f"{label:<22}{median * 1000:>10.0f}"
            f"{f'{q1 * 1000:.0f}–{q3 * 1000:.0f}':>16}"
            f"{f'{min(samples) * 1000:.0f}–{max(samples) * 1000:.0f}':>16}"
            f"{median / base:>10.1f}"
        )
    return "\n".join(lines)


def environment(checkout: Path) -> dict[str, str]:
    """Return the environment that makes ``checkout``'s bot the one imported."""
    env = dict(os.environ, PYTHONPATH=str(checkout))
    for name in ("BOT_CONFIG", "DATABASE_URL", "TELEGRAM_BOT_TOKEN"):
        env.pop(name, None)
    return env


def main() -> None:
    """Measure and print one table per checkout."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30, help="runs of each command (30)")
    parser.add_argument("--warmup", type=int, default=3, help="unmeasured runs first (3)")
    parser.add_argument(
        "--checkout",
        type=Path,
        nargs="+",
        default=[HERE],
        help="the trees whose bot runs (this one); several are measured interleaved",
    )
    parser.add_argument("--python", default=sys.executable, help="the interpreter (this one)")
    args = parser.parse_args()
    checkouts = [checkout.resolve() for checkout in args.checkout]
    envs = {checkout: environment(checkout) for checkout in checkouts}
    argvs = commands(args.python)
    results = {checkout: {label: [] for label in argvs} for checkout in checkouts}
    print(f"{args.runs} runs each, interleaved; {os.cpu_count()} CPUs; {args.python}")
    for i in range(args.warmup + args.runs):
        for checkout in checkouts:
            for label, argv in argvs.items():
                elapsed = run_once(argv, checkout, envs[checkout])
                if i >= args.warmup:
                    results[checkout][label].append(elapsed)
    for checkout in checkouts:
        which = subprocess.run(
            [args.python, "-c", "import bot; print(bot.__file__)"],
            cwd=checkout,
            env=envs[checkout],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        print(f"\nbot from {which}")
        print(table(results[checkout]))


if __name__ == "__main__":
    main()
