"""Shared fixtures: the Bot API sandbox, and databases on SQLite and a real PostgreSQL.

The sandbox fixtures come from ``bot.sandbox.testing`` (``sandbox``, ``sandbox_user``,
``tg_bot``, ``sandbox_thread``).

* ``sqlite_url``: a fresh SQLite file in ``tmp_path``.
* ``postgres_url``: a fresh schema on the server named by ``TEST_POSTGRES_URL``
  (default ``postgresql+psycopg://postgres@127.0.0.1:5432/test``). Every test gets
  its own schema ``t_<random>``, selected through ``options=-csearch_path=...`` in
  the URL, and dropped afterwards; parallel runs never see each other's tables.
  An unreachable server skips the test, unless ``CI`` is set or
  ``REQUIRE_POSTGRES=1``, which turn the skip into a failure.
* ``db_url``: parametrized over both; ``db``: a migrated ``Database`` on it.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import AsyncIterator, Iterator

import psycopg
import pytest
from psycopg import sql
from sqlalchemy.engine import make_url

from bot.domain.clock import FixedClock
from bot.storage import Database

pytest_plugins = ["bot.sandbox.testing"]

POSTGRES_URL_ENV = "TEST_POSTGRES_URL"
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
#: A fixed, unremarkable instant every test clock starts at.
T0 = dt.datetime(2026, 2, 1, 12, 0, tzinfo=dt.UTC)


def _postgres_required() -> bool:
    return bool(os.environ.get("CI")) or os.environ.get("REQUIRE_POSTGRES") == "1"


def _base_postgres_url() -> str:
    url = make_url(os.environ.get(POSTGRES_URL_ENV) or DEFAULT_POSTGRES_URL)
    if url.drivername in ("postgres", "postgresql"):
        url = url.set(drivername="postgresql+psycopg")
    return url.render_as_string(hide_password=False)


def _libpq_conninfo(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """Return the base PostgreSQL URL, or skip (fail on CI) when it is unreachable."""
    url = _base_postgres_url()
    shown = make_url(url).render_as_string(hide_password=True)
    problem = ""
    try:
        with psycopg.connect(_libpq_conninfo(url), connect_timeout=3, autocommit=True) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        problem = f"{type(exc).__name__}: {detail}"
    if problem:
        message = f"PostgreSQL not reachable at {shown}; set {POSTGRES_URL_ENV} ({problem})"
        if _postgres_required():
            pytest.fail(
                message + " [required because CI or REQUIRE_POSTGRES=1 is set]", pytrace=False
            )
        pytest.skip(message)
    return url


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """Yield a URL whose connections see only a fresh, private schema."""
    schema = f"t_{uuid.uuid4().hex[:16]}"
    conninfo = _libpq_conninfo(postgres_server)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    url = make_url(postgres_server).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


@pytest.fixture
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Return the URL of a fresh SQLite file (its folder does not exist yet)."""
    folder = tmp_path_factory.mktemp("sqlite") / "data"
    return f"sqlite+aiosqlite:///{(folder / 'test.sqlite3').as_posix()}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    """Return a fresh database URL, once per dialect."""
    return str(request.getfixturevalue(f"{request.param}_url"))


@pytest.fixture
def clock() -> FixedClock:
    """Return a clock fixed at ``T0``; tests move it by hand."""
    return FixedClock(T0)


@pytest.fixture
async def db(db_url: str, clock: FixedClock) -> AsyncIterator[Database]:
    """Yield a migrated database on each dialect."""
    database = await Database.connect(db_url, clock, migrate=True)
    try:
        yield database
    finally:
        await database.close()
