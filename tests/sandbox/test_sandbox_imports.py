"""The sandbox depends on nothing of the bot but the shared pace (DESIGN: which way imports go)."""

from __future__ import annotations

import ast
from pathlib import Path

import bot.sandbox

ALLOWED_OUTSIDE = {"bot.domain.pace"}  # a pure leaf: the one GCRA both sides pace with


def imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_sandbox_imports_only_itself_and_the_pace() -> None:
    package = Path(bot.sandbox.__file__).parent
    outside = {
        f"{path.name}: {module}"
        for path in sorted(package.glob("*.py"))
        for module in imported_modules(path)
        if (module == "bot" or module.startswith("bot."))
        and not module.startswith("bot.sandbox")
        and module not in ALLOWED_OUTSIDE
    }
    assert outside == set()


def test_the_pace_is_a_leaf() -> None:
    pace = Path(bot.sandbox.__file__).parents[1] / "domain" / "pace.py"
    assert {m for m in imported_modules(pace) if m == "bot" or m.startswith("bot.")} == set()
