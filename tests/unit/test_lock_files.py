"""The lock files CI and deployments install from agree with pyproject.toml."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def _check_lock() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_lock", ROOT / ".ci" / "check_lock.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_lock_files_pin_every_requirement_of_pyproject() -> None:
    check = _check_lock()
    assert (ROOT / "requirements.lock").is_file() and (ROOT / "requirements-dev.lock").is_file()
    assert check.main() == 0


def test_a_requirement_missing_from_the_lock_is_named(tmp_path: Path) -> None:
    check = _check_lock()
    lock = tmp_path / "requirements.lock"
    lock.write_text("PyYAML==6.0.2\n    # via deadline-bot\nrequests==2.0.0\n")
    found = check.problems(["pyyaml>=6.0", "rapidfuzz>=3", "requests>=2.30"], lock)
    assert found == [
        "requirements.lock has no pin for 'rapidfuzz>=3'",
        "requirements.lock pins requests==2.0.0, outside 'requests>=2.30'",
    ]
