"""Fail when the lock files no longer match pyproject.toml (run by .ci/run).

Every requirement in pyproject.toml (the dev extra too) must be pinned in the lock file
with a version its specifier accepts; otherwise CI would test versions nobody locked.
The fix is one command: ``bash .ci/lock``.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;#]+)", re.MULTILINE)


def pins(lock: Path) -> dict[str, str]:
    """Return ``{canonical name: version}`` pinned in a pip-compile lock file."""
    return {canonicalize_name(name): version for name, version in _PIN.findall(lock.read_text())}


def problems(requirements: list[str], lock: Path) -> list[str]:
    """Say which requirements the lock file lacks or pins to a version they refuse."""
    pinned = pins(lock)
    found = []
    for text in requirements:
        requirement = Requirement(text)
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue
        version = pinned.get(canonicalize_name(requirement.name))
        if version is None:
            found.append(f"{lock.name} has no pin for {text!r}")
        elif not requirement.specifier.contains(version, prereleases=True):
            found.append(f"{lock.name} pins {requirement.name}=={version}, outside {text!r}")
    return found


def main() -> int:
    """Check both lock files; print what is stale and how to fix it."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = list(project["dependencies"])
    dev = list(project["optional-dependencies"]["dev"])
    found = problems(runtime, ROOT / "requirements.lock")
    found += problems(runtime + dev, ROOT / "requirements-dev.lock")
    if found:
        print("the lock files are out of date with pyproject.toml:", file=sys.stderr)
        for problem in found:
            print(f"  {problem}", file=sys.stderr)
        print("regenerate them with: bash .ci/lock", file=sys.stderr)
        return 1
    print("lock files match pyproject.toml")
    return 0


if __name__ == "__main__":
    sys.exit(main())
