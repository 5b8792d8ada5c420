"""Hostile config files are refused with a clear error, by `check` and by /reload.

How fast and how small the refusal is, is measured by bench/chaos_alias_bomb.py; here
only the refusal (and that the bot keeps working) is asserted.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest

from bot import cli
from bot.domain.clock import FixedClock
from bot.domain.config import ConfigError, load_events
from bot.domain.yamlsource import (
    MAX_BYTES,
    MAX_DEPTH,
    YamlLimitError,
    YamlSyntaxError,
    load_yaml,
)
from bot.sandbox.server import Sandbox
from tests.chaos.bombs import alias_bomb
from tests.e2e.conftest import E2E_NOW, Harness

ORGANIZER_ID = 4242
SHIPPED = Path("config/euromlsys2026.yaml")


def test_the_342_byte_alias_bomb_is_refused() -> None:
    bomb = alias_bomb()
    assert len(bomb.encode()) == 342
    with pytest.raises(YamlLimitError, match="alias bomb"):
        load_yaml(bomb)


def test_ordinary_aliases_still_work() -> None:
    doc = load_yaml("base: &b {zone: AoE, time: '23:59'}\nfirst: *b\nsecond: *b\n")
    assert doc.value["first"] == doc.value["second"] == {"zone": "AoE", "time": "23:59"}
    assert doc.line_of(("second",)) == 3


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("a: " + "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5) + "\n", "nested deeper"),
        ("a: &x [*x]\n", "nested deeper"),  # an alias inside itself
        ("x: &x 1\n" + "".join(f"k{i}: *x\n" for i in range(150)), None),  # within limits
        ("x: &x 1\n" + "".join(f"k{i}: *x\n" for i in range(250)), "aliases"),
        ("a: " + "x" * (MAX_BYTES + 1) + "\n", "bytes"),
    ],
)
def test_size_depth_and_alias_limits(text: str, why: str | None) -> None:
    if why is None:
        load_yaml(text)  # within every limit
        return
    with pytest.raises(YamlLimitError, match=why):
        load_yaml(text)


def test_a_key_that_is_not_a_plain_value_is_refused() -> None:
    with pytest.raises(YamlSyntaxError, match="plain value") as caught:
        load_yaml("? [a, b]\n: 1\n")
    assert caught.value.line == 1


def test_check_refuses_the_bomb_naming_the_file(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(alias_bomb(), encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    assert cli.run(["--config", str(bomb), "check"], out, err) == cli.EXIT_USAGE
    assert f"{bomb}:1: refused: more than" in err.getvalue()
    assert "alias bomb" in err.getvalue()


def test_an_oversized_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    with big.open("wb") as handle:
        handle.truncate(MAX_BYTES * 40)  # sparse: large on paper, nothing to read
    with pytest.raises(ConfigError, match=r"big\.yaml: refused: \d+ bytes is more than"):
        load_events(big)


@pytest.mark.sandbox(bot_username="deadline_test_bot")
async def test_reload_refuses_the_bomb_and_the_bot_keeps_answering(
    sandbox: Sandbox, db_url: str, tmp_path: Path
) -> None:
    config = tmp_path / "euromlsys2026.yaml"
    shutil.copy(SHIPPED, config)
    h = Harness(
        sandbox,
        db_url,
        FixedClock(E2E_NOW),
        load_events(config),
        frozenset({ORGANIZER_ID}),
        config_path=config,
    )
    await h.start()
    try:
        organizer = sandbox.create_user("Olivia", user_id=ORGANIZER_ID)
        sam = sandbox.create_user("Sam")
        config.write_text(alias_bomb(), encoding="utf-8")
        sandbox.send(organizer, "/reload")
        refused = await sandbox.wait_for_message(organizer.id, timeout=30)
        assert "refused" in refused.content and "alias bomb" in refused.content
        assert "Paper submission deadline" in (await h.ask(sam, "/next", within=30)).content
        audit = await h.runtime.db.audit.latest(1, action="reload")
        assert audit[0].outcome == "failed" and "alias bomb" in audit[0].detail
    finally:
        if h.bot is not None:
            await h.bot.shutdown()
