"""The command line loads only what a command uses: a verdict on imports, not on time.

Each case runs a fresh interpreter (this process has loaded everything already) and lists
the third-party packages in ``sys.modules`` after the command; bench/bench_startup.py
measures what that is worth in milliseconds.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import run
from bot.defaults import CONFIG_VARIABLE, ENV_FILE
from bot.settings import Settings

REPO = Path(__file__).resolve().parents[2]
SERVER_STACK = {
    "telegram",
    "sqlalchemy",
    "aiohttp",
    "httpx",
    "apscheduler",
    "aiosqlite",
    "psycopg",
    "pydantic",
    "pydantic_settings",
    "rapidfuzz",
    "icalendar",
}
PROBE = """
import io, json, sys
at_start = set(sys.modules)  # the interpreter's own (site, .pth hooks)
from bot import cli
try:
    cli.run(sys.argv[1:], io.StringIO(), io.StringIO())
except SystemExit:
    pass
new = set(sys.modules) - at_start
names = {m.split(".")[0] for m in new} - set(sys.stdlib_module_names) - {"bot"}
print(json.dumps({"third_party": sorted(names), "asyncio": "asyncio" in sys.modules}))
"""


def loaded_by(argv: list[str], cwd: Path) -> tuple[set[str], bool]:
    """Run ``deadline-bot *argv`` in a fresh interpreter: its third-party packages, asyncio."""
    env = {k: v for k, v in os.environ.items() if k != CONFIG_VARIABLE}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *argv],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    seen = json.loads(done.stdout.splitlines()[-1])
    return set(seen["third_party"]), seen["asyncio"]


@pytest.fixture
def bot_folder(tmp_path: Path) -> Path:
    """A folder like the bot's: the shipped config/, no .env."""
    shutil.copytree(REPO / "config", tmp_path / "config")
    return tmp_path


@pytest.mark.parametrize("argv", [["--help"], ["check", "--help"], ["chek"]])
def test_help_and_a_mistyped_command_load_no_third_party_package(
    argv: list[str], bot_folder: Path
) -> None:
    packages, asyncio = loaded_by(argv, bot_folder)
    assert not packages and not asyncio, packages


@pytest.mark.parametrize("argv", [["check"], ["dates"], ["plan"], ["check", "--config", "config"]])
def test_config_commands_load_no_server_stack(argv: list[str], bot_folder: Path) -> None:
    packages, asyncio = loaded_by(argv, bot_folder)
    assert {"yaml", "jsonschema"} <= packages  # they did read and validate the config
    assert not packages & SERVER_STACK and not asyncio, packages & SERVER_STACK


def test_a_dot_env_naming_the_config_is_still_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(REPO / "config", tmp_path / "elsewhere")
    (tmp_path / ENV_FILE).write_text(f"{CONFIG_VARIABLE}=elsewhere\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(CONFIG_VARIABLE, raising=False)
    out, err = io.StringIO(), io.StringIO()
    assert run(["check"], out, err) == 0, err.getvalue()
    assert "in elsewhere" in out.getvalue()


def test_the_command_line_names_the_variable_and_file_the_settings_read() -> None:
    # The CLI looks for these two before loading the settings; they must stay the same.
    assert Settings.model_fields["config_path"].validation_alias == CONFIG_VARIABLE
    assert Settings.model_config.get("env_file") == ENV_FILE
