"""The health board, supervised loops and admin alerts with a cool-down (injected time)."""

from __future__ import annotations

import asyncio

import pytest

from bot.supervision import AdminAlerts, HealthBoard, supervise


async def test_a_crashing_loop_is_restarted_marked_and_cleared(
    caplog: pytest.LogCaptureFixture,
) -> None:
    board = HealthBoard()
    runs: list[int] = []
    seen_failing: list[bool] = []

    async def loop() -> None:
        runs.append(len(runs))
        seen_failing.append("worker" in board.problems)
        if len(runs) < 3:
            raise RuntimeError(f"boom {len(runs)}")

    await asyncio.wait_for(supervise("worker", loop, board, backoff=(0.0, 0.0)), 30)
    assert len(runs) == 3  # two crashes, two restarts, then it finished
    assert seen_failing == [False, True, True]  # marked while down
    assert board.problems == {}  # cleared once it ran without failing
    assert caplog.text.count("worker crashed; restarting") == 2
    assert "RuntimeError: boom 1" in caplog.text  # the traceback is logged


async def test_cancelling_a_supervised_loop_is_not_a_crash() -> None:
    board = HealthBoard()
    started = asyncio.Event()

    async def loop() -> None:
        started.set()
        await asyncio.Event().wait()

    task = asyncio.create_task(supervise("forever", loop, board))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert board.problems == {}


async def test_admins_hear_once_per_cool_down_and_when_all_is_well() -> None:
    now = [0.0]
    sent: list[str] = []

    async def send(text: str) -> None:
        sent.append(text)

    board = HealthBoard()
    alerts = AdminAlerts(send, cool_down=600, monotonic=lambda: now[0])
    alerts.attach(board)
    board.fail("storage", "writes fail (disk I/O error)")
    board.fail("storage", "writes fail again")  # still failing: nothing new
    board.fail("delivery", "claiming failed")
    board.ok("storage")
    board.ok("delivery")  # everything well again
    now[0] = 60.0
    board.fail("storage", "writes fail (flapping)")  # within the cool-down: quiet
    board.ok("storage")
    now[0] = 700.0
    board.fail("storage", "writes fail (later)")
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert sent == alerts.sent
    assert [text.split(":")[0] for text in sent] == [
        "storage is failing",
        "delivery is failing",
        "All well again",
        "storage is failing",
    ]
    assert "disk I/O error" in sent[0]
    assert board.degraded and board.problems == {"storage": "writes fail (later)"}
