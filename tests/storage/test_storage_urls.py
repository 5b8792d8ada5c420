from pathlib import Path

import pytest

from bot.domain.clock import FixedClock
from bot.storage import Database, normalize_database_url, redact_url


def test_empty_means_sqlite_in_data_dir() -> None:
    expected = "sqlite+aiosqlite:////srv/bot/data/deadline-bot.sqlite3"
    assert normalize_database_url(None, Path("/srv/bot/data")) == expected
    assert normalize_database_url("", Path("/srv/bot/data")) == expected
    assert (
        normalize_database_url("  ", Path("data"))
        == "sqlite+aiosqlite:///data/deadline-bot.sqlite3"
    )


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u:p@db.example:5432/bot", "postgresql+psycopg://u:p@db.example:5432/bot"),
        ("postgresql://u:p@db.example/bot", "postgresql+psycopg://u:p@db.example/bot"),
        ("postgresql+psycopg://u@h/bot", "postgresql+psycopg://u@h/bot"),
        (
            "postgres://u:p%40ss@h/bot?sslmode=require",
            "postgresql+psycopg://u:p%40ss@h/bot?sslmode=require",
        ),
        ("sqlite:///data/bot.db", "sqlite+aiosqlite:///data/bot.db"),
        ("sqlite:////var/lib/bot.db", "sqlite+aiosqlite:////var/lib/bot.db"),
        ("sqlite+aiosqlite:///bot.db", "sqlite+aiosqlite:///bot.db"),
    ],
)
def test_supported_urls(given: str, expected: str) -> None:
    assert normalize_database_url(given, Path("unused")) == expected


@pytest.mark.parametrize(
    "given",
    ["mysql://u:p@h/db", "postgresql+asyncpg://h/db", "redis://h", "just-a-path.db"],
)
def test_unsupported_scheme_names_the_supported_ones(given: str) -> None:
    with pytest.raises(ValueError, match="supported schemes") as info:
        normalize_database_url(given, Path("data"))
    assert "postgresql://" in str(info.value) and "sqlite:///" in str(info.value)
    assert ":p@" not in str(info.value)


@pytest.mark.parametrize("given", ["sqlite://", "sqlite:///:memory:", "sqlite+aiosqlite://"])
def test_in_memory_sqlite_is_refused(given: str) -> None:
    with pytest.raises(ValueError, match="in-memory"):
        normalize_database_url(given, Path("data"))


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql+psycopg://bot:s3cret@h:5432/db", "postgresql+psycopg://bot:***@h:5432/db"),
        ("postgres://bot:p@ss/word@h/db", "postgres://bot:***@h/db"),
        ("postgresql://bot@h/db", "postgresql://bot@h/db"),
        ("postgresql://h/db?user=x&password=hunter2", "postgresql://h/db?user=x&password=***"),
        ("sqlite+aiosqlite:///data/x.db", "sqlite+aiosqlite:///data/x.db"),
        (None, ""),
    ],
)
def test_redact_url(given: str | None, expected: str) -> None:
    assert redact_url(given) == expected


async def test_connect_creates_the_data_folder(tmp_path: Path, clock: FixedClock) -> None:
    data_dir = tmp_path / "not" / "yet"
    db = await Database.connect(None, clock, data_dir=data_dir)
    try:
        assert db.dialect == "sqlite"
        assert (data_dir / "deadline-bot.sqlite3").exists()
    finally:
        await db.close()


async def test_connect_failure_hides_the_password(clock: FixedClock) -> None:
    with pytest.raises(ConnectionError) as info:
        await Database.connect("postgresql://bot:topsecret@127.0.0.1:1/db", clock)
    assert "topsecret" not in str(info.value)
    assert "***" in str(info.value)
