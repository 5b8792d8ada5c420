"""Databases the hand-written migration runner left behind (``tests/data/legacy``).

``restore`` loads the dump of schema version N into a fresh database; ``rows`` reads every
row the way ``make_legacy_dumps.py`` wrote the expected rows; ``describe`` is everything
the reflection sees of a schema (and, on SQLite, the stored table definitions).
"""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import inspect
from sqlalchemy.engine import Connection, make_url

from bot.storage.migrations import LEGACY_VERSION_TABLE, VERSION_TABLE

LEGACY = Path(__file__).parents[1] / "data" / "legacy"

#: Columns whose value is the database server's clock at migration time (not comparable).
SERVER_TIME = {("editions", "first_seen")}


def dialect_of(url: str) -> str:
    """``sqlite`` or ``postgresql``."""
    return make_url(url).get_backend_name()


def restore(url: str, version: int) -> None:
    """Load the old runner's database at ``version`` into the fresh database at ``url``."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = Path(str(parsed.database))
        path.parent.mkdir(parents=True, exist_ok=True)
        with sqlite3.connect(path) as conn:
            conn.executescript((LEGACY / f"v{version}.sqlite.sql").read_text())
        return
    schema = str(parsed.query["options"]).split("=", 1)[1]
    dumped = f"legacy_v{version}"
    lines = []
    for line in (LEGACY / f"v{version}.postgresql.sql").read_text().splitlines():
        if "set_config('search_path'" in line or line.startswith(f"CREATE SCHEMA {dumped}"):
            continue  # the dump's own schema; the test's is already there
        lines.append(line.replace(f"{dumped}.", f"{schema}."))
    conninfo = parsed.set(drivername="postgresql").set(query={}).render_as_string(False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("\n".join(lines).encode())


def expected_rows(dialect: str, version: int) -> dict[str, list[dict[str, Any]]]:
    """Every row the old runner held after upgrading the dump of ``version`` to 4."""
    data: dict[str, list[dict[str, Any]]] = json.loads(
        (LEGACY / f"v{version}.{dialect}.rows.json").read_text()
    )
    return data


def rows(conn: Connection) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, in primary key order, as JSON-ready values."""
    out: dict[str, list[dict[str, Any]]] = {}
    insp = inspect(conn)
    for table in sorted(insp.get_table_names()):
        if table in (LEGACY_VERSION_TABLE, VERSION_TABLE):
            continue
        columns = sorted(c["name"] for c in insp.get_columns(table))
        keys = insp.get_pk_constraint(table)["constrained_columns"]
        result = conn.exec_driver_sql(
            f"SELECT {', '.join(columns)} FROM {table} ORDER BY {', '.join(keys)}"
        )
        out[table] = [
            {c: None if (table, c) in SERVER_TIME else v for c, v in zip(columns, row, strict=True)}
            for row in result
        ]
    data: dict[str, list[dict[str, Any]]] = json.loads(json.dumps(out, default=str))
    return data


def describe(conn: Connection) -> dict[str, Any]:
    """Tables, columns, keys, constraints and indexes as reflection sees them."""
    insp = inspect(conn)
    out: dict[str, Any] = {}
    for table in sorted(insp.get_table_names()):
        if table == VERSION_TABLE:
            continue
        out[table] = {
            "columns": [
                (c["name"], str(c["type"]), c["nullable"], c["default"])
                for c in insp.get_columns(table)
            ],
            "pk": insp.get_pk_constraint(table),
            "fks": sorted(map(repr, insp.get_foreign_keys(table))),
            "uniques": sorted(map(repr, insp.get_unique_constraints(table))),
            "checks": sorted(
                (c["name"], _without_casts(c["sqltext"])) for c in insp.get_check_constraints(table)
            ),
            "indexes": sorted(
                (i["name"], i["column_names"], bool(i["unique"]), _where(i))
                for i in insp.get_indexes(table)
            ),
        }
    if conn.dialect.name == "sqlite":
        out["sqlite_master"] = sorted(
            conn.exec_driver_sql(
                "SELECT type, name, tbl_name, sql FROM sqlite_master"
                f" WHERE tbl_name != '{VERSION_TABLE}'"
            ).all()
        )
    return out


def _where(index: Any) -> str:
    options = index.get("dialect_options", {})
    where = options.get("sqlite_where", options.get("postgresql_where"))
    return re.sub(r"\s+", " ", str(where)) if where is not None else ""


def _without_casts(sqltext: str) -> str:
    """A CHECK's text without PostgreSQL's casts.

    PostgreSQL deparses ``kind IN ('a', 'b')`` as ``kind::text = ANY (ARRAY['a'::character
    varying, …]::text[])``, and a CHECK restored from ``pg_dump`` output gets its casts
    inside the array instead (``'a'::character varying::text``): the same condition.
    """
    return re.sub(r"::[a-z]+(?: varying)?(?:\[\])?", "", sqltext)
