"""Every deadline of every real tracker file, imported and checked against hand-computed UTC.

The table below is written by hand from each tracker's convention (AoE and UTC−12: add
12 h; UTC−8: add 8 h; UTC: as written), not computed by the code under test.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.domain.config import load_events
from bot.importers.emit import event_yaml, notation_reads_seconds, written_instant
from bot.importers.model import TrackerName
from bot.importers.read import import_text

# Per file: event id, key date id, kind, as the tracker wrote it, its zone, UTC.
TABLE_TEXT = """
[ccf-deadlines/cvpr.yml]
cvpr2022    abstract       deadline     2021-11-09 23:59:00 UTC-8  2021-11-10T07:59:00Z
cvpr2022    paper          deadline     2021-11-16 23:59:00 UTC-8  2021-11-17T07:59:00Z
cvpr2023    paper          deadline     2022-11-11 23:59:59 UTC-8  2022-11-12T07:59:59Z
cvpr2024    paper          deadline     2023-11-17 23:59:59 UTC-8  2023-11-18T07:59:59Z
cvpr2025    abstract       deadline     2024-11-07 23:59:00 UTC-8  2024-11-08T07:59:00Z
cvpr2025    paper          deadline     2024-11-14 23:59:00 UTC-8  2024-11-15T07:59:00Z
cvpr2026    abstract       deadline     2025-11-06 23:59:00 UTC-12 2025-11-07T11:59:00Z
cvpr2026    paper          deadline     2025-11-13 23:59:00 UTC-12 2025-11-14T11:59:00Z
[ccf-deadlines/eurosys.yml]
eurosys2021 abstract       deadline     2020-10-01 23:59:59 AoE    2020-10-02T11:59:59Z
eurosys2021 paper          deadline     2020-10-09 23:59:59 AoE    2020-10-10T11:59:59Z
eurosys2022 abstract       deadline     2021-10-01 23:59:59 AoE    2021-10-02T11:59:59Z
eurosys2022 paper          deadline     2021-10-09 23:59:59 AoE    2021-10-10T11:59:59Z
eurosys2023 abstract-1     deadline     2022-05-10 23:59:59 AoE    2022-05-11T11:59:59Z
eurosys2023 paper-1        deadline     2022-05-17 23:59:59 AoE    2022-05-18T11:59:59Z
eurosys2023 abstract-2     deadline     2022-10-11 23:59:59 AoE    2022-10-12T11:59:59Z
eurosys2023 paper-2        deadline     2022-10-18 23:59:59 AoE    2022-10-19T11:59:59Z
eurosys2024 paper-1        deadline     2023-05-18 00:00:00 UTC    2023-05-18T00:00:00Z
eurosys2024 paper-2        deadline     2023-10-19 23:59:59 UTC    2023-10-19T23:59:59Z
eurosys2025 abstract-1     deadline     2024-05-14 23:59:59 AoE    2024-05-15T11:59:59Z
eurosys2025 paper-1        deadline     2024-05-21 23:59:59 AoE    2024-05-22T11:59:59Z
eurosys2025 abstract-2     deadline     2024-10-15 23:59:59 AoE    2024-10-16T11:59:59Z
eurosys2025 paper-2        deadline     2024-10-22 23:59:59 AoE    2024-10-23T11:59:59Z
eurosys2026 abstract-1     deadline     2025-05-08 23:59:59 AoE    2025-05-09T11:59:59Z
eurosys2026 paper-1        deadline     2025-05-15 23:59:59 AoE    2025-05-16T11:59:59Z
eurosys2026 abstract-2     deadline     2025-09-18 23:59:59 AoE    2025-09-19T11:59:59Z
eurosys2026 paper-2        deadline     2025-09-25 23:59:59 AoE    2025-09-26T11:59:59Z
eurosys2027 abstract-1     deadline     2026-05-07 23:59:59 AoE    2026-05-08T11:59:59Z
eurosys2027 paper-1        deadline     2026-05-14 23:59:59 AoE    2026-05-15T11:59:59Z
eurosys2027 abstract-2     deadline     2026-09-17 23:59:59 AoE    2026-09-18T11:59:59Z
eurosys2027 paper-2        deadline     2026-09-24 23:59:59 AoE    2026-09-25T11:59:59Z
[ccf-deadlines/mlsys.yml]
mlsys2021   paper          deadline     2020-10-11 23:59:59 AoE    2020-10-12T11:59:59Z
mlsys2022   paper          deadline     2021-10-15 20:00:00 AoE    2021-10-16T08:00:00Z
mlsys2023   paper          deadline     2022-10-28 20:00:00 AoE    2022-10-29T08:00:00Z
mlsys2024   paper          deadline     2023-10-27 04:00:00 AoE    2023-10-27T16:00:00Z
mlsys2025   paper          deadline     2024-10-24 20:00:00 AoE    2024-10-25T08:00:00Z
mlsys2026   paper          deadline     2025-10-30 20:00:00 AoE    2025-10-31T08:00:00Z
[ai-deadlines/cvpr.yml]
cvpr2025    abstract       deadline     2024-11-07 23:59:00 UTC-8  2024-11-08T07:59:00Z
cvpr2025    paper          deadline     2024-11-14 23:59:00 UTC-8  2024-11-15T07:59:00Z
cvpr2026    abstract       deadline     2025-11-07 23:59:59 AoE    2025-11-08T11:59:59Z
cvpr2026    paper          deadline     2025-11-13 23:59:59 AoE    2025-11-14T11:59:59Z
cvpr2026    supplementary  deadline     2025-11-20 23:59:59 AoE    2025-11-21T11:59:59Z
cvpr2026    review-release notification 2026-01-22 23:59:59 AoE    2026-01-23T11:59:59Z
cvpr2026    rebuttal-start notification 2026-01-22 23:59:59 AoE    2026-01-23T11:59:59Z
cvpr2026    rebuttal-end   deadline     2026-01-29 23:59:59 AoE    2026-01-30T11:59:59Z
cvpr2026    notification   notification 2026-02-20 23:59:59 AoE    2026-02-21T11:59:59Z
[ai-deadlines/neurips.yml]
neurips2025 abstract       deadline     2025-05-11 23:59:59 AoE    2025-05-12T11:59:59Z
neurips2025 paper          deadline     2025-05-15 23:59:59 AoE    2025-05-16T11:59:59Z
neurips2025 supplementary  deadline     2025-05-22 23:59:59 AoE    2025-05-23T11:59:59Z
neurips2025 rebuttal-start notification 2025-07-24 00:00:00 AoE    2025-07-24T12:00:00Z
neurips2025 rebuttal-end   deadline     2025-07-30 23:59:59 AoE    2025-07-31T11:59:59Z
neurips2025 notification   notification 2025-09-18 23:59:59 AoE    2025-09-19T11:59:59Z
neurips2025 camera-ready   deadline     2025-10-23 23:59:59 AoE    2025-10-24T11:59:59Z
neurips2026 abstract       deadline     2026-05-04 23:59:59 AoE    2026-05-05T11:59:59Z
neurips2026 paper          deadline     2026-05-06 23:59:59 AoE    2026-05-07T11:59:59Z
neurips2026 supplementary  deadline     2026-05-06 23:59:59 AoE    2026-05-07T11:59:59Z
neurips2026 review-release notification 2026-07-22 23:59:59 AoE    2026-07-23T11:59:59Z
neurips2026 rebuttal-start notification 2026-07-27 00:00:00 AoE    2026-07-27T12:00:00Z
neurips2026 rebuttal-end   deadline     2026-08-03 23:59:59 AoE    2026-08-04T11:59:59Z
neurips2026 notification   notification 2026-09-24 23:59:59 AoE    2026-09-25T11:59:59Z
"""


def _table() -> list[tuple[TrackerName, str, str, str, str, str, str, str]]:
    """Parse the table: (tracker, file, event, key date, kind, as written, zone, UTC)."""
    rows: list[tuple[TrackerName, str, str, str, str, str, str, str]] = []
    tracker: TrackerName = "ccf-deadlines"
    name = ""
    for line in TABLE_TEXT.strip().splitlines():
        if line.startswith("["):
            folder, name = line.strip("[]").split("/")
            tracker = "ccf-deadlines" if folder == "ccf-deadlines" else "ai-deadlines"
            continue
        event, date_id, kind, day, time, zone, instant = line.split()
        rows.append((tracker, name, event, date_id, kind, f"{day} {time}", zone, instant))
    return rows


TABLE = _table()

# What each file cannot give faithfully, reported per entry (substring of the message).
NOT_IMPORTED: dict[tuple[str, str], list[tuple[str, str]]] = {
    ("ccf-deadlines", "cvpr.yml"): [
        ("[0].confs[3].place", "'Nashville, Tennessee, USA' is not 'city, country'"),
        ("[0].confs[4].place", "'Denver, Colorado, United States' is not 'city, country'"),
    ],
    ("ccf-deadlines", "eurosys.yml"): [],
    ("ccf-deadlines", "mlsys.yml"): [
        ("[0].confs[0].place", "'virtual' is not 'city, country'"),
        ("[0].confs[5].place", "'Bellevue, Washington, USA' is not 'city, country'"),
    ],
    ("ai-deadlines", "cvpr.yml"): [
        ("[0].rebuttal_period_end", "defines no zone for this field"),
        ("[0].final_decision_date", "defines no zone for this field"),
        ("[0].review_release_date", "defines no zone for this field"),
        ("[2]", "no deadline given (note: Submission deadlines to be announced.)"),
    ],
    ("ai-deadlines", "neurips.yml"): [],
}

FILES = sorted({(row[0], row[1]) for row in TABLE})


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.mark.parametrize(("tracker", "name"), FILES)
def test_every_deadline_has_the_trackers_instant(
    trackers_dir: Path, tracker: TrackerName, name: str
) -> None:
    path = trackers_dir / tracker / name
    result = import_text(tracker, path.read_text(encoding="utf-8"), name)
    got = {
        (edition.event_id, date.id): (
            date.kind,
            date.time.written,
            date.time.zone.written,
            date.time.at,
        )
        for edition in result.editions
        for date in edition.dates
    }
    expected = {
        (row[2], row[3]): (row[4], row[5], row[6], utc(row[7]))
        for row in TABLE
        if (row[0], row[1]) == (tracker, name)
    }
    assert got == expected
    issues = [(issue.field, issue.message) for issue in result.issues]
    wanted = NOT_IMPORTED[(tracker, name)]
    assert len(issues) == len(wanted), issues
    for (field, message), (want_field, want_text) in zip(issues, wanted, strict=True):
        assert field == want_field
        assert want_text in message


@pytest.mark.parametrize(("tracker", "name"), FILES)
def test_written_files_pass_check_with_the_same_instants(
    trackers_dir: Path, tmp_path: Path, tracker: TrackerName, name: str
) -> None:
    path = trackers_dir / tracker / name
    result = import_text(tracker, path.read_text(encoding="utf-8"), name)
    for edition in result.editions:
        (tmp_path / f"{edition.event_id}.yaml").write_text(event_yaml(edition), encoding="utf-8")
    events = {event.id: event for event in load_events(tmp_path)}  # what `check` runs
    assert set(events) == {edition.event_id for edition in result.editions}
    exact = notation_reads_seconds()
    for edition in result.editions:
        event = events[edition.event_id]
        assert event.series == edition.series and event.year == edition.year
        assert event.website == edition.website
        for date in edition.dates:
            kd = event.key_date(date.id)
            assert kd is not None and kd.kind == date.kind and kd.title == date.title
            assert kd.at == written_instant(date)
            if exact:
                assert kd.at == date.time.at
            else:  # the notation stops at minutes: never later than the tracker's instant
                assert dt.timedelta(0) <= date.time.at - kd.at < dt.timedelta(minutes=1)


def test_cvpr_2026_from_both_trackers(trackers_dir: Path) -> None:
    """The brief's example: two conventions for one deadline, each kept as written."""
    ccf = import_text(
        "ccf-deadlines", (trackers_dir / "ccf-deadlines" / "cvpr.yml").read_text(), "cvpr.yml"
    )
    ai = import_text(
        "ai-deadlines", (trackers_dir / "ai-deadlines" / "cvpr.yml").read_text(), "cvpr.yml"
    )
    ccf_paper = next(e for e in ccf.editions if e.event_id == "cvpr2026").dates[1]
    ai_paper = next(e for e in ai.editions if e.event_id == "cvpr2026").dates[1]
    assert ccf_paper.time.at == utc("2025-11-14T11:59:00Z")
    assert ai_paper.time.at == utc("2025-11-14T11:59:59Z")
    ccf_text = event_yaml(next(e for e in ccf.editions if e.event_id == "cvpr2026"))
    assert "at: 2025-11-13 23:59 UTC-12  # [0].confs[4].timeline[0].deadline:" in ccf_text
    assert "'2025-11-13 23:59:00' UTC-12 = 2025-11-14T11:59:00Z" in ccf_text
    ai_text = event_yaml(next(e for e in ai.editions if e.event_id == "cvpr2026"), seconds=False)
    assert "at: 2025-11-13 23:59 AoE  # [1].deadlines[1].date: '2025-11-13 23:59:59' AoE" in ai_text
    assert "(seconds dropped" in ai_text
    exact_text = event_yaml(next(e for e in ai.editions if e.event_id == "cvpr2026"), seconds=True)
    assert "at: 2025-11-13 23:59:59 AoE" in exact_text


def test_eurosys_cycles_keep_their_comment(trackers_dir: Path) -> None:
    result = import_text(
        "ccf-deadlines", (trackers_dir / "ccf-deadlines" / "eurosys.yml").read_text(), "e.yml"
    )
    edition = next(e for e in result.editions if e.event_id == "eurosys2026")
    assert [(d.id, d.title) for d in edition.dates] == [
        ("abstract-1", "Abstract deadline (Spring Submission Deadline)"),
        ("paper-1", "Submission deadline (Spring Submission Deadline)"),
        ("abstract-2", "Abstract deadline (Fall Submission Deadline)"),
        ("paper-2", "Submission deadline (Fall Submission Deadline)"),
    ]
    assert (edition.city, edition.country) == ("Edinburgh", "UK")
    assert edition.name == "European Conference on Computer Systems"
    assert edition.short_name == "EuroSys 2026"
