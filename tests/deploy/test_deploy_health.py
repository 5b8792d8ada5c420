"""collect_health against real databases (and one that cannot be reached)."""

from __future__ import annotations

from bot.deploy.health import collect_health
from bot.domain.clock import FixedClock
from bot.storage.database import Database
from bot.storage.engine import create_engine


async def test_healthy_database_active_instance(db: Database) -> None:
    report = await collect_health(
        db,
        scheduler_running=lambda: True,
        active_instance=lambda: True,
        details={"event": "euromlsys2026"},
    )
    assert report.database
    assert report.pending_outbox == 0
    assert report.status == "ok"
    assert report.to_json()["event"] == "euromlsys2026"


async def test_standby_without_scheduler(db: Database) -> None:
    report = await collect_health(
        db, scheduler_running=lambda: False, active_instance=lambda: False
    )
    assert report.status == "standby"


async def test_unreachable_database_is_degraded(clock: FixedClock) -> None:
    engine = create_engine("postgresql+psycopg://postgres:pw@127.0.0.1:1/none")
    db = Database(engine, clock)
    try:
        report = await collect_health(
            db, scheduler_running=lambda: True, active_instance=lambda: True, db_timeout=2
        )
    finally:
        await db.close()
    assert not report.database
    assert report.status == "degraded"
    assert report.to_json()["database_error"] == "OperationalError"
