"""Series and editions (pure): the current edition, what a command names, what is news,
and the next edition's file (copied, never invented)."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import yaml

from bot.cli import run
from bot.domain.config import load_event_text, load_events
from bot.domain.rollover import PLACEHOLDER, next_edition, ordinal, render_file
from bot.domain.series import (
    KnownEdition,
    find_series,
    group_series,
    leading_year,
    new_editions,
    parse_choice,
    series_in_text,
    should_announce,
    swap_series,
)

ROOT = Path(__file__).resolve().parents[2]
UTC = dt.UTC


def edition(year: int, series: str = "euromlsys", paper: str | None = None) -> str:
    return f"""\
id: {series}{year}
name: {series.upper()} {year}
short_name: {series.capitalize()} {year}
website: https://example.org
key_dates:
  - id: paper
    title: Paper deadline
    kind: deadline
    at: {paper or f"{year}-02-15 23:59 AoE"}
  - id: workshop
    title: Workshop
    kind: event
    at: {year}-04-27
"""


def catalog(*texts: str):  # type: ignore[no-untyped-def]
    return group_series(load_event_text(t, f"e{i}.yaml") for i, t in enumerate(texts))


def test_the_current_edition_has_the_next_date_else_it_is_the_latest() -> None:
    (series,) = catalog(edition(2027), edition(2026))  # file order does not matter
    assert [e.year for e in series.editions] == [2026, 2027]
    assert series.current(dt.datetime(2026, 1, 1, tzinfo=UTC)).year == 2026
    assert series.current(dt.datetime(2026, 3, 1, tzinfo=UTC)).year == 2026  # workshop ahead
    assert series.current(dt.datetime(2026, 6, 1, tzinfo=UTC)).year == 2027
    assert series.current(dt.datetime(2028, 1, 1, tzinfo=UTC)).year == 2027  # all over: latest
    assert series.edition(2026) is not None and series.edition(2019) is None


def test_overlapping_editions_the_sooner_date_wins() -> None:
    (series,) = catalog(edition(2026), edition(2027, paper="2026-04-01 23:59 AoE"))
    assert series.current(dt.datetime(2026, 3, 20, tzinfo=UTC)).year == 2027


def test_a_reload_of_one_series_takes_up_its_files_alone() -> None:
    old_euro, old_ml = (
        load_event_text(t, "x.yaml") for t in (edition(2026), edition(2026, "mlsys"))
    )
    loaded = tuple(
        load_event_text(t, "y.yaml")
        for t in (
            edition(2026, "new"),  # a series a bot operator adds: not taken up here
            edition(2026, "mlsys", paper="2026-03-01 23:59 AoE"),  # edited: taken up
            edition(2027, "mlsys"),  # a new edition of it: taken up
            edition(2026, paper="2026-03-09 23:59 AoE"),  # euromlsys edited: not taken up
        )
    )
    swapped = swap_series((old_euro, old_ml), loaded, ["mlsys"])
    assert [e.id for e in swapped] == ["euromlsys2026", "mlsys2026", "mlsys2027"]
    assert swapped[0] is old_euro and swapped[1] is loaded[1]
    assert [e.id for e in swap_series((old_euro, old_ml), loaded[:1], ["mlsys"])] == [
        "euromlsys2026"  # its files are gone: the series is gone
    ]
    assert swap_series((old_euro,), loaded, ["mlsys"])[1:] == loaded[1:3]  # comes last


def test_what_a_command_names() -> None:
    cat = catalog(edition(2026), edition(2027), edition(2026, "mlsys"))
    euro, ml = cat
    assert parse_choice(cat, ["MLSys"]) == parse_choice(cat, ["mlsys"])
    choice, _ = parse_choice(cat, ["mlsys"])
    assert choice is not None and (choice.series, choice.year) == (ml, None)
    assert parse_choice(cat, ["mlsys", "federated", "learning"])[1] == ["federated", "learning"]
    choice, rest = parse_choice(cat, ["euromlsys", "2026", "x"])
    assert choice is not None and (choice.series.id, choice.year, rest) == (
        "euromlsys",
        2026,
        ["x"],
    )
    choice, _ = parse_choice(cat, ["euromlsys2026"])
    assert choice is not None and (choice.series, choice.year) == (euro, 2026)
    choice, _ = parse_choice(cat, ["Euromlsys-2027"])
    assert choice is not None and (choice.series, choice.year) == (euro, 2027)
    assert parse_choice(cat, ["federated", "learning"]) == (None, ["federated", "learning"])
    assert parse_choice(cat, ["2026"]) == (None, ["2026"])
    assert leading_year(["2026", "x"]) == (2026, ["x"])
    assert find_series(cat, "neurips") is None
    assert series_in_text(cat, "When is the MLSys deadline?") is ml
    assert series_in_text(cat, "is the ML Sys 2026 paper due soon") is ml
    assert series_in_text(cat, "when is the deadline?") is None
    assert series_in_text(cat, "mlsys or euromlsys?") is None  # two: the question decides
    assert find_series(cat, "mlsys") is ml and find_series(cat, "ML Sys 2026") is ml


def test_only_a_newer_edition_of_a_known_series_with_a_date_ahead_is_news() -> None:
    (series,) = catalog(edition(2025), edition(2026), edition(2027))
    e25, e26, e27 = series.editions
    now = dt.datetime(2026, 6, 1, tzinfo=UTC)
    known = [KnownEdition("euromlsys2026", 2026)]
    assert should_announce(e27, known, now)
    assert not should_announce(e27, [], now)  # the first edition a series ever had
    assert not should_announce(e25, known, now)  # older: added for the record
    assert not should_announce(e26, [KnownEdition("euromlsys2027", 2027)], now)
    assert not should_announce(e27, known, dt.datetime(2028, 1, 1, tzinfo=UTC))  # all past
    # Two new files at once: one piece of news, the newest; the other is only recorded.
    (both,) = catalog(edition(2026), edition(2027), edition(2028))
    chosen, others = new_editions(both, known, now)
    assert chosen is not None and chosen.year == 2028
    assert [e.year for e in others] == [2027]
    assert new_editions(both, [], now) == (None, both.editions)  # a series seen first


def test_the_next_edition_is_copied_with_every_date_left_to_fill(tmp_path: Path) -> None:
    (last,) = load_events(ROOT / "config")
    raw = yaml.safe_load((ROOT / "config" / "euromlsys2026.yaml").read_text(encoding="utf-8"))
    new_id, fields = next_edition(raw, last)
    assert new_id == "euromlsys2027"
    assert (fields["series"], fields["year"], fields["edition"]) == ("euromlsys", 2027, 7)
    assert fields["name"] == "The 7th Workshop on Machine Learning and Systems (EuroMLSys)"
    assert fields["short_name"] == "EuroMLSys 2027"
    assert fields["colocated_with"] == "EuroSys '27"
    for copied in ("topics", "contacts", "venue", "publication", "website", "contact_note"):
        assert fields[copied] == raw[copied], copied
    assert [kd["at"] for kd in fields["key_dates"]] == [PLACEHOLDER] * 4
    assert [kd["id"] for kd in fields["key_dates"]] == [kd["id"] for kd in raw["key_dates"]]
    assert "news" not in fields and "submission_url" not in fields
    text = render_file(fields, last)
    assert "#   paper: 2026-02-15 23:59 AoE" in text  # last year's, as a comment only
    assert yaml.safe_load(text)["key_dates"][0]["at"] == PLACEHOLDER
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st", "111th"
    ]  # fmt: skip


def test_new_edition_command_and_check(tmp_path: Path) -> None:
    (tmp_path / "euromlsys2026.yaml").write_text(
        (ROOT / "config" / "euromlsys2026.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    out, err = io.StringIO(), io.StringIO()
    assert run(["--config", str(tmp_path), "new-edition", "EuroMLSys"], out, err) == 0
    assert "Fill in its 4 dates" in out.getvalue()
    again = io.StringIO()
    assert run(["--config", str(tmp_path), "new-edition", "euromlsys"], io.StringIO(), again) == 2
    assert "exists already" in again.getvalue()
    check = io.StringIO()
    assert run(["check", str(tmp_path)], io.StringIO(), check) == 2
    assert "euromlsys2027.yaml" in check.getvalue() and "key_dates[0].at" in check.getvalue()
    wrong = io.StringIO()
    assert run(["--config", str(tmp_path), "new-edition", "neurips"], io.StringIO(), wrong) == 2
    assert "no series 'neurips'" in wrong.getvalue()


def test_event_option_and_simulate_show_the_new_edition(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(edition(2026), encoding="utf-8")
    (tmp_path / "b.yaml").write_text(edition(2027), encoding="utf-8")
    (tmp_path / "c.yaml").write_text(edition(2027, "mlsys"), encoding="utf-8")
    out = io.StringIO()
    assert run(["--config", str(tmp_path), "dates", "--event", "mlsys", "--json"], out, out) == 0
    assert {row["event"] for row in yaml.safe_load(out.getvalue())} == {"mlsys2027"}
    out = io.StringIO()
    code = run(["--config", str(tmp_path), "plan", "--event", "euromlsys2026", "--json"], out, out)
    assert code == 0 and {r["event"] for r in yaml.safe_load(out.getvalue())} <= {"euromlsys2026"}
    out = io.StringIO()
    argv = ["--config", str(tmp_path), "simulate", "--from", "2026-06-01T00:00:00Z"]
    assert run([*argv, "--to", "2027-03-01T00:00:00Z", "--event", "euromlsys"], out, out) == 0
    text = out.getvalue()
    assert "new edition euromlsys2027" in text and "The call for Euromlsys 2027 is out" in text
    assert "mlsys2027" not in text.replace("euromlsys2027", "")
    err = io.StringIO()
    assert run(["--config", str(tmp_path), "dates", "--event", "nope"], io.StringIO(), err) == 2
    assert "no event 'nope'" in err.getvalue()
    out = io.StringIO()
    assert run(["--config", str(tmp_path), "check", "--event", "mlsys"], out, out) == 0
    assert "Mlsys 2027" in out.getvalue() and "Euromlsys" not in out.getvalue()


def test_buttons_name_their_series_within_telegrams_limit() -> None:
    from bot.render import callbacks as cb

    for action in (
        cb.Follow("mlsys"),
        cb.Follow("mlsys", follow=False),
        cb.Pick("dates", "euromlsys"),
        cb.SetMode("deadlines", "mlsys"),
        cb.toggle_date("paper", "mlsys"),
        cb.Subscribe("euromlsys"),
        cb.OpenSettings("mlsys"),
        cb.SetMode("all"),  # one series: as before
    ):
        data = cb.encode(action)
        assert cb.decode(data) == action, data
    assert cb.encode(cb.SetMode("deadlines", "mlsys")) == "mode:deadlines:mlsys"
    assert cb.encode(cb.SetMode("all")) == "mode:all"
    long_id = "a-very-long-series-identifier-" + "x" * 34  # 64 characters, the id limit
    toggle = cb.toggle_date("k" * 64, long_id)
    data = cb.encode(toggle)
    assert len(data.encode()) <= cb.MAX_BYTES
    assert toggle.series_id(["mlsys", long_id]) == long_id
    assert toggle.key_date_id(["paper", "k" * 64]) == "k" * 64
    pick = cb.decode(cb.encode(cb.Pick("topics", cb.series_ref(long_id))))
    assert isinstance(pick, cb.Pick) and pick.series_id([long_id]) == long_id
    for forged in ("follow:", "follow:Bad Id", "pick:dates", "pick::mlsys", "mode:all:", "x:y"):
        assert cb.decode(forged) is None, forged
