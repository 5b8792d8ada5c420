"""The models (``bot/storage/schema.py``) and the migrations (Alembic revisions) agree.

A database upgraded from empty to the head revision is compared with the SQLAlchemy
metadata by Alembic's ``compare_metadata`` (tables, columns, types, nullability, server
defaults, keys, unique constraints, indexes), and nothing may differ. Nothing is excluded
from that comparison. Two things Alembic does not compare are checked here by hand: CHECK
constraints, and the condition of a partial index (``ix_outbox_due``).
"""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection

from bot.storage import Database
from bot.storage.schema import NAMING, metadata


def _differences(conn: Connection, target: sa.MetaData) -> list[Any]:
    context = MigrationContext.configure(
        conn, opts={"compare_type": True, "compare_server_default": True}
    )
    return list(compare_metadata(context, target))


def _literals(sqltext: str) -> set[str]:
    """The quoted values a CHECK allows (PostgreSQL rewrites ``IN`` as ``= ANY (ARRAY…)``)."""
    return set(re.findall(r"'([^']*)'", sqltext))


def _condition(where: Any) -> str:
    """A partial index's condition without PostgreSQL's casts and parentheses."""
    text = re.sub(r"::[a-z]+(?: varying)?", "", str(where))
    return re.sub(r"\s+", " ", text.replace("(", "").replace(")", "")).strip()


def _unchecked(conn: Connection, target: sa.MetaData) -> list[str]:
    """CHECK constraints and partial index conditions that differ from ``target``."""
    insp = sa.inspect(conn)
    dialect = conn.dialect.name
    problems = []
    for table in target.sorted_tables:
        wanted = {
            str(c.name): _literals(str(c.sqltext))
            for c in table.constraints
            if isinstance(c, sa.CheckConstraint)
        }
        found = {
            str(c["name"]): _literals(c["sqltext"]) for c in insp.get_check_constraints(table.name)
        }
        if found != wanted:
            problems.append(f"{table.name} CHECKs: database {found}, schema.py {wanted}")
        reflected = {i["name"]: i for i in insp.get_indexes(table.name)}
        for index in table.indexes:
            where = index.dialect_options[dialect]["where"]
            got = reflected.get(str(index.name), {}).get("dialect_options", {})
            there = got.get(f"{dialect}_where")
            if (where is None) != (there is None) or (
                where is not None and _condition(where) != _condition(there)
            ):
                problems.append(f"index {index.name}: database WHERE {there}, schema.py {where}")
    return problems


async def test_models_and_migrations_agree(db: Database) -> None:
    async with db.engine.connect() as conn:
        assert await conn.run_sync(_differences, metadata) == []
        assert await conn.run_sync(_unchecked, metadata) == []


def _altered() -> sa.MetaData:
    """schema.py with one change of each kind the comparison must notice."""
    md = sa.MetaData(naming_convention=NAMING)
    for table in metadata.sorted_tables:
        table.to_metadata(md)
    md.tables["chats"].append_column(sa.Column("muted_until", sa.Integer))
    md.tables["kv"].c.value.nullable = True
    md.tables["outbox"].c.part.server_default = sa.DefaultClause("1")
    due = next(i for i in md.tables["outbox"].indexes if i.name == "ix_outbox_due")
    for dialect in ("sqlite", "postgresql"):
        due.dialect_options[dialect]["where"] = sa.text("status = 'sending'")
    news = md.tables["news"]
    check = next(c for c in news.constraints if isinstance(c, sa.CheckConstraint))
    check.sqltext = sa.text("source IN ('config', 'admin', 'import')")
    return md


async def test_the_comparison_sees_a_difference(db: Database) -> None:
    """Guard for the test above: a schema.py that drifted from the revisions fails it."""
    altered = _altered()
    async with db.engine.connect() as conn:
        found = await conn.run_sync(_differences, altered)
        unchecked = await conn.run_sync(_unchecked, altered)
    kinds = sorted({diff[0] if isinstance(diff, tuple) else diff[0][0] for diff in found})
    assert kinds == ["add_column", "modify_default", "modify_nullable"]
    assert len(unchecked) == 2
    assert unchecked[0].startswith("news CHECKs") and "ix_outbox_due" in unchecked[1]
