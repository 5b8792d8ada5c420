"""``deadline-bot import``: files written, what is left out reported, exit status, check passes."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest

from bot.cli import run
from bot.domain.config import load_events

SHARED = [
    ("ccf-deadlines", "cvpr.yml", 5, 2),
    ("ccf-deadlines", "eurosys.yml", 7, 0),
    ("ccf-deadlines", "mlsys.yml", 6, 2),
    ("ai-deadlines", "cvpr.yml", 2, 4),
    ("ai-deadlines", "neurips.yml", 2, 0),
]


def deadline_bot(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err):
        status = run(list(argv), out, err)
    return status, out.getvalue(), err.getvalue()


@pytest.mark.parametrize(("tracker", "name", "files", "left_out"), SHARED)
def test_import_then_check(
    trackers_dir: Path, tmp_path: Path, tracker: str, name: str, files: int, left_out: int
) -> None:
    folder = tmp_path / "events"
    status, out, err = deadline_bot(
        "import", tracker, str(trackers_dir / tracker / name), "-o", str(folder)
    )
    assert status == (1 if left_out else 0), err
    assert len(list(folder.glob("*.yaml"))) == files
    assert out.count("wrote ") == files
    assert f"{files} event file{'s' if files != 1 else ''} in {folder}" in out
    if left_out:
        assert f"not imported ({left_out}):" in err
    else:
        assert err == ""
    status, out, err = deadline_bot("check", str(folder))
    assert status == 0, err
    assert f"OK: {files} event" in out
    assert len(load_events(folder)) == files


def test_reimport_overwrites_its_own_files_but_never_a_hand_written_one(
    trackers_dir: Path, tmp_path: Path
) -> None:
    source = str(trackers_dir / "ai-deadlines" / "neurips.yml")
    hand = tmp_path / "neurips2026.yaml"
    hand.write_text("# my own file\nid: neurips2026\n", encoding="utf-8")
    status, _, err = deadline_bot("import", "ai-deadlines", source, "-o", str(tmp_path))
    assert status == 1
    assert "neurips2026.yaml: exists and was not written by the importer; kept" in err
    assert hand.read_text(encoding="utf-8") == "# my own file\nid: neurips2026\n"
    hand.unlink()
    assert deadline_bot("import", "ai-deadlines", source, "-o", str(tmp_path))[0] == 0
    assert deadline_bot("import", "ai-deadlines", source, "-o", str(tmp_path))[0] == 0


def test_wrong_tracker_or_missing_file_exits_2_with_the_reason(
    trackers_dir: Path, tmp_path: Path
) -> None:
    ccf_file = str(trackers_dir / "ccf-deadlines" / "mlsys.yml")
    status, _, err = deadline_bot("import", "ai-deadlines", ccf_file, "-o", str(tmp_path))
    assert status == 2
    assert "this is a ccf-deadlines file (try: deadline-bot import ccf-deadlines" in err
    assert not list(tmp_path.glob("*.yaml"))
    status, _, err = deadline_bot(
        "import", "ccf-deadlines", str(tmp_path / "nope.yml"), "-o", str(tmp_path)
    )
    assert status == 2
    assert "cannot read" in err


def test_an_unknown_tracker_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        run(["import", "dblp", "x.yml", "-o", "out"], io.StringIO(), io.StringIO())
    assert exit_.value.code == 2
    assert "ccf-deadlines" in capsys.readouterr().err


def test_an_output_that_is_a_file_exits_2(trackers_dir: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "events"
    blocker.write_text("not a folder", encoding="utf-8")
    source = str(trackers_dir / "ai-deadlines" / "neurips.yml")
    status, _, err = deadline_bot("import", "ai-deadlines", source, "-o", str(blocker))
    assert status == 2
    assert f"cannot write into {blocker}" in err
