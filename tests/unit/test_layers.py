"""Imports go one way: no module of ``bot`` imports from a layer above its own.

The order is the one of the design notes ("Which way imports go")::

    domain ← storage ← delivery ← services ← telegram / cli / deploy (the top)

``render`` turns data into text: it sees only ``domain`` (where the data the services
hand it live, :mod:`bot.domain.views`) and is used by the top layer alone. The
importers see only ``domain``; the sandbox sees nothing of the bot. Handlers see no
storage: what they need comes through the services and the domain.

Every import is checked, at the top of a module and inside functions alike, absolute
and relative, ``import x`` and ``from x import y``.

Two rules of the design notes are walked the same way:

* **SQL lives only in** ``bot/storage``: no other module imports a database library
  (:data:`DATABASE_LIBRARIES`) or holds an SQL statement in a string (:data:`SQL_STATEMENT`).
* **Every environment variable is read by** ``bot/settings.py``: no other module touches
  ``os.environ``, ``os.getenv`` and friends, but for the one read :data:`ENVIRONMENT_READERS`
  allows (and says why).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import bot

ROOT = Path(bot.__file__).parent

#: Each part of ``bot`` and its layer; a module may import its own layer and those below.
LAYERS: dict[str, int] = {
    # 0: the pure core, and the small leaves every layer may use.
    "domain": 0,
    "defaults": 0,  # the defaults of the settings and the storage, no imports
    "logs": 0,  # redaction of log records
    "supervision": 0,  # the health board the delivery engine reports to
    # 1: adapters of the domain alone.
    "importers": 1,
    "calendar": 1,
    "storage": 2,
    "delivery": 3,
    "services": 4,
    # 5: text, for the top layer only.
    "render": 5,
    # 6: the top: the Telegram adapter, the command line, deployment, the wiring.
    "telegram": 6,
    "deploy": 6,
    "settings": 6,
    "runtime": 6,
    "bootstrap": 6,
    "shell": 6,
    "demo": 6,
    "cli": 6,
    "import_cli": 6,
    "__main__": 6,
    # apart: the Bot API sandbox, a tool of the top layer (see ONLY and USERS).
    "sandbox": 6,
}

#: Parts that may import nothing of the bot but these (and themselves).
ONLY: dict[str, frozenset[str]] = {
    # The pure core and the leaves of layer 0 stand on nothing of the bot.
    "domain": frozenset(),
    "defaults": frozenset(),
    "logs": frozenset(),
    "supervision": frozenset(),
    "importers": frozenset({"domain"}),
    "calendar": frozenset({"domain"}),
    "render": frozenset({"domain"}),
    # The sandbox is a package of its own; its flood models share the bot's pure pace
    # arithmetic for now (a leaf with no imports of the bot; the sandbox lane settles it).
    "sandbox": frozenset({"domain.pace"}),
}

#: Parts only these may import: the sandbox is for the demo and ``deadline-bot sandbox``.
USERS: dict[str, frozenset[str]] = {
    "sandbox": frozenset({"cli", "demo"}),
}

#: Modules (dotted, under ``bot``) that must not import a part, though their layer may.
NEVER: dict[str, frozenset[str]] = {
    "telegram.handlers": frozenset({"storage"}),
}


@dataclass(frozen=True)
class Import:
    """One import of a module of the bot: where it is written and what it names."""

    file: str
    line: int
    importer: str
    imported: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.importer} → {self.imported}"


def module_name(path: Path, root: Path = ROOT) -> str:
    """``bot/telegram/handlers/news.py`` → ``telegram.handlers.news`` (``bot`` left out)."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, root: Path = ROOT) -> Iterator[Import]:
    """Every import of ``bot`` in the file, anywhere in it, resolved to an absolute name."""
    name = module_name(path, root)
    shown = path.relative_to(root.parent).as_posix()
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join(["bot", *base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            # ``from bot.render import subscribers`` imports the module bot.render.subscribers
            targets = [f"{module}.{alias.name}" for alias in node.names] or [module]
        else:
            continue
        for target in targets:
            if target == "bot" or target.startswith("bot."):
                yield Import(shown, node.lineno, name, target.removeprefix("bot").lstrip("."))


def part_of(name: str) -> str:
    """The top-level part of ``bot`` a dotted name belongs to."""
    return name.split(".")[0]


def within(name: str, prefix: str) -> bool:
    """Whether the dotted ``name`` is ``prefix`` or lies under it."""
    return name == prefix or name.startswith(prefix + ".")


def violation(imp: Import) -> str | None:
    """Why this import breaks the layering, or None when it is allowed."""
    own, other = part_of(imp.importer), part_of(imp.imported)
    if not imp.imported or own == other:
        return None
    if other not in LAYERS:  # a name imported from the package ``bot`` itself
        return f"{other!r} is no known part of bot: give it a layer in this test"
    allowed = ONLY.get(own)
    if allowed is not None and not any(within(imp.imported, a) for a in allowed):
        return f"{own} may import only {sorted(allowed) or 'itself'}"
    users = USERS.get(other)
    if users is not None and own not in users:
        return f"only {sorted(users)} may import {other}"
    for prefix, banned in NEVER.items():
        if within(imp.importer, prefix) and other in banned:
            return f"{prefix} must not import {other}"
    if LAYERS[other] > LAYERS[own] and allowed is None:
        return f"{own} (layer {LAYERS[own]}) imports a higher layer, {other} ({LAYERS[other]})"
    return None


def all_imports() -> list[Import]:
    """Every import of the bot by a module of the bot."""
    return [imp for path in sorted(ROOT.rglob("*.py")) for imp in imports_of(path)]


def test_every_part_of_bot_has_a_layer() -> None:
    parts = {module_name(p).split(".")[0] for p in ROOT.rglob("*.py")} - {""}
    assert parts <= set(LAYERS), f"give these a layer: {sorted(parts - set(LAYERS))}"


def test_no_import_goes_up_a_layer() -> None:
    found = all_imports()
    assert len(found) > 300  # the walk sees the bot's own imports (about 450 today)
    bad = [f"{imp}: {why}" for imp in found if (why := violation(imp)) is not None]
    assert not bad, "imports against the layering:\n" + "\n".join(bad)


def test_the_check_catches_each_kind_of_import(tmp_path: Path) -> None:
    """The walk resolves every form of import, in functions too, to the right name."""
    package = tmp_path / "bot" / "services"
    package.mkdir(parents=True)
    source = (
        "import bot.render.html\n"
        "from bot.render import subscribers\n"
        "def f():\n"
        "    from ..render.reply import Reply\n"
        "    from . import news\n"
    )
    probe = package / "_probe_layers.py"
    probe.write_text(source, encoding="utf-8")
    found = list(imports_of(probe, tmp_path / "bot"))
    assert [(i.line, i.imported) for i in found] == [
        (1, "render.html"),
        (2, "render.subscribers"),
        (4, "render.reply.Reply"),
        (5, "services.news"),
    ]
    assert [violation(i) is not None for i in found] == [True, True, True, False]
    assert str(found[0]).startswith("bot/services/_probe_layers.py:1: services._probe_layers")


def test_the_rules_hold_where_the_design_says() -> None:
    def check(importer: str, imported: str) -> bool:
        return violation(Import("x.py", 1, importer, imported)) is None

    assert check("services.news", "storage.models") and check("telegram.common", "services.x")
    assert not check("storage.outbox", "delivery.engine")
    assert not check("render.organizers", "delivery.progress")
    assert not check("importers.read", "storage.models")
    assert not check("telegram.handlers.news", "storage.models")
    assert check("telegram.handlers.news", "domain.views")
    assert check("sandbox.limits", "domain.pace") and not check("sandbox.world", "domain.model")
    assert check("demo", "sandbox.server") and not check("telegram.app", "sandbox.server")
    assert not check("domain.model", "render.html")
    assert not check("domain.model", "supervision") and not check("supervision", "domain.clock")


# ------------------------------------------------------------ SQL only in bot/storage

#: Top-level packages that talk to a database: only ``bot/storage`` may import them.
DATABASE_LIBRARIES = frozenset(
    {
        "sqlalchemy",
        "psycopg",
        "psycopg_pool",
        "psycopg2",
        "asyncpg",
        "aiosqlite",
        "sqlite3",
        "alembic",
    }
)

#: The heuristic for "an SQL statement in a string": a string constant that starts (after
#: blanks) like a statement: ``SELECT`` and something (in capitals, as the project writes
#: SQL, so that a message such as "Select a series" is not taken for one), or, in any
#: case, ``INSERT INTO``, ``UPDATE <name> SET``, ``DELETE FROM``, or
#: ``CREATE``/``ALTER``/``DROP`` of a table, index, schema, view, sequence or type. A bare
#: keyword (``"update"``, ``"drop"``, the HTTP method ``"DELETE"``) is not a statement, and
#: a bare string statement (a docstring) is documentation, not a query: both are left
#: alone. An f-string is checked piece by piece.
SQL_STATEMENT = re.compile(
    r"^\s*(SELECT\s+\S|(?i:INSERT\s+INTO\s|UPDATE\s+\S+\s+SET\s|DELETE\s+FROM\s"
    r"|(CREATE|ALTER|DROP)\s+(TABLE|(UNIQUE\s+)?INDEX|SCHEMA|VIEW|SEQUENCE|TYPE)\b))"
)


def _is_storage(path: Path, root: Path) -> bool:
    return path.relative_to(root).parts[0] == "storage"


def _shown(path: Path, root: Path) -> str:
    return path.relative_to(root.parent).as_posix()


def database_uses(path: Path, root: Path = ROOT) -> Iterator[str]:
    """``file:line: what`` for each database import and SQL string in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    documentation = {
        id(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
    }
    where = _shown(path, root)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and not node.level:
            modules = [node.module or ""]
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in documentation
            and SQL_STATEMENT.match(node.value)
        ):
            yield f"{where}:{node.lineno}: SQL in a string: {node.value.strip()[:50]!r}"
            continue
        else:
            continue
        for module in modules:
            if module.split(".")[0] in DATABASE_LIBRARIES:
                yield f"{where}:{node.lineno}: imports {module}"


def test_sql_and_database_libraries_only_in_storage() -> None:
    files = sorted(ROOT.rglob("*.py"))
    inside = [use for path in files if _is_storage(path, ROOT) for use in database_uses(path)]
    assert len(inside) > 30  # the walk does see storage's own imports and statements
    bad = [use for path in files if not _is_storage(path, ROOT) for use in database_uses(path)]
    assert not bad, "SQL or a database library outside bot/storage:\n" + "\n".join(bad)


def probe_file(tmp_path: Path, name: str, source: str) -> Path:
    """Write ``source`` as ``bot/deploy/<name>`` under ``tmp_path`` (a module outside storage)."""
    probe = tmp_path / "bot" / "deploy" / name
    probe.parent.mkdir(parents=True, exist_ok=True)
    probe.write_text(source, encoding="utf-8")
    return probe


def test_the_sql_check_catches_imports_and_statements_not_words(tmp_path: Path) -> None:
    probe = probe_file(
        tmp_path,
        "_probe_sql.py",
        '"""SELECT nothing: a docstring may say anything."""\n'
        "import psycopg\n"
        "from sqlalchemy.engine import make_url\n"
        "def f(table):\n"
        '    q = " SELECT 1"\n'
        '    w = f"delete from {table} WHERE id = 1"\n'
        '    return ("update", "drop", "DELETE", "Select a series from the list", "Create a"\n'
        '            " person", "UPDATE t SET x = 1", "create index ix ON t (x)")\n',
    )
    found = sorted(database_uses(probe, tmp_path / "bot"))
    assert [use.split(": ", 1)[0] for use in found] == [
        "bot/deploy/_probe_sql.py:2",
        "bot/deploy/_probe_sql.py:3",
        "bot/deploy/_probe_sql.py:5",
        "bot/deploy/_probe_sql.py:6",
        "bot/deploy/_probe_sql.py:8",
        "bot/deploy/_probe_sql.py:8",
    ]
    assert "imports psycopg" in found[0] and "'SELECT 1'" in found[2]


# ------------------------------------------------- the environment only in bot/settings.py

#: What reads the process environment, as ``os.<name>`` or ``from os import <name>``.
ENVIRONMENT_NAMES = frozenset({"environ", "environb", "getenv", "getenvb", "putenv", "unsetenv"})

#: Files (under ``bot``) allowed to read the environment, and how many reads each may have.
ENVIRONMENT_READERS: dict[str, int | None] = {
    "settings.py": None,  # the settings object: every variable (None: any number of reads)
    # ``config_path`` asks only whether BOT_CONFIG is set, so that ``check`` does not import
    # pydantic when it is not; the value itself comes from the settings.
    "cli.py": 1,
}


def environment_reads(path: Path, root: Path = ROOT) -> list[str]:
    """``file:line: what`` for each read of the process environment in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    aliases = {"os"} | {
        alias.asname
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
        if alias.name == "os" and alias.asname
    }
    where = _shown(path, root)
    found: list[str] = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr in ENVIRONMENT_NAMES
            and isinstance(node.value, ast.Name)
            and node.value.id in aliases
        ):
            found.append(f"{where}:{node.lineno}: {node.value.id}.{node.attr}")
        elif isinstance(node, ast.ImportFrom) and node.module == "os":
            names = [alias.name for alias in node.names if alias.name in ENVIRONMENT_NAMES]
            found += [f"{where}:{node.lineno}: from os import {name}" for name in names]
    return found


def test_the_environment_is_read_only_by_the_settings() -> None:
    bad: list[str] = []
    for path in sorted(ROOT.rglob("*.py")):
        reads = environment_reads(path)
        allowed = ENVIRONMENT_READERS.get(path.relative_to(ROOT).as_posix(), 0)
        if allowed is not None and len(reads) > allowed:
            bad += reads
    assert environment_reads(ROOT / "settings.py")  # the walk sees the settings' own read
    assert not bad, "the environment read outside bot/settings.py:\n" + "\n".join(bad)


def test_the_environment_check_catches_each_form(tmp_path: Path) -> None:
    probe = probe_file(
        tmp_path,
        "_probe_env.py",
        "import os\n"
        "import os as system\n"
        "from os import environ, getenv, path\n"
        'secret = os.environ.get("WEBHOOK_SECRET")\n'
        'port = system.getenv("PORT")\n'
        '"""os.environ in a docstring is only words."""\n',
    )
    found = sorted(environment_reads(probe, tmp_path / "bot"))
    assert found == [
        "bot/deploy/_probe_env.py:3: from os import environ",
        "bot/deploy/_probe_env.py:3: from os import getenv",
        "bot/deploy/_probe_env.py:4: os.environ",
        "bot/deploy/_probe_env.py:5: system.getenv",
    ]
