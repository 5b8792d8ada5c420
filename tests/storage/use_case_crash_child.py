"""A process killed (SIGKILL) between the steps of a use case.

    python -m tests.storage.use_case_crash_child DB_URL CONFIG CASE KILL_POINT

Runs use case CASE (see ``tests.storage.use_cases``) and dies right after the repository
call KILL_POINT returns: its unit of work never commits.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from tests.storage.use_cases import UseCases, die_after


async def run(db_url: str, config: Path, case: str, point: str) -> None:
    cases = await UseCases.open(db_url, config)
    die_after(cases.db, point)
    await cases.run(case)
    print(f"{case} finished without reaching {point}", flush=True)


if __name__ == "__main__":
    db_url, config, case, point = sys.argv[1:]
    asyncio.run(run(db_url, Path(config), case, point))
