"""Loading events: the shipped config is faithful, and every broken config explains itself."""

import io
import json
import textwrap
from pathlib import Path

import jsonschema
import pytest
import yaml

from bot.cli import run
from bot.domain.config import SCHEMA_FILE, load_events

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "config"
CFP = ROOT.parent / "shared" / "euromlsys2026-cfp.txt"

VALID = """\
id: demo
name: Demo Workshop
short_name: Demo 2026
website: https://example.org
key_dates:
  - id: paper
    title: Paper deadline
    kind: deadline
    at: 2026-02-15 23:59 AoE
"""


def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def write(tmp_path: Path, text: str, name: str = "event.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_shipped_config_has_every_fact_of_the_call() -> None:
    (event,) = load_events(SHIPPED)
    assert event.id == "euromlsys2026"
    assert event.edition == 6
    assert event.colocated_with == "EuroSys '26"
    assert event.venue is not None
    assert (event.venue.city, event.venue.country) == ("Edinburgh", "United Kingdom")
    assert event.venue.format == "full-day workshop"
    assert event.website == "https://www.euromlsys.eu"
    dates = {kd.id: kd for kd in event.key_dates}
    assert [kd.title for kd in event.key_dates] == [
        "Paper submission deadline",
        "Acceptance notification",
        "Final paper due",
        "Workshop",
    ]
    assert dates["paper"].as_written == "2026-02-15 23:59 AoE"
    assert dates["workshop"].kind == "event"
    assert event.topics is not None
    assert len(event.topics.items) == 20
    assert event.topics.open_ended
    assert event.topics.intro is not None and "not limited to" in event.topics.intro
    names = {(c.role, c.name, c.affiliation) for c in event.contacts}
    assert names == {
        ("TPC Chair", "Eiko Yoneki", None),
        ("TPC Chair", "Paul Patras", None),
        ("Web Chair", "Alexis Duque", "Net AI"),
    }
    assert all(c.email is None for c in event.contacts)  # the call gives no address
    assert dict(event.social) == {"twitter": "@euromlsys"}
    assert [n.text for n in event.news] == ["The workshop website is up!"]
    assert event.publication is not None
    assert event.publication.opt_out and "ACM Digital Library" in event.publication.note
    assert dict(event.committee) == {"Technical Program Committee": "Coming soon..."}


@pytest.mark.skipif(not CFP.exists(), reason="the call for papers lives in ../shared/")
def test_every_topic_is_verbatim_from_the_call() -> None:
    (event,) = load_events(SHIPPED)
    call = CFP.read_text(encoding="utf-8")
    assert event.topics is not None
    for topic in event.topics.items:
        assert f"• {topic}\n" in call
    assert call.count("  • ") == 20 + 1 + 4 + 1  # topics, news, key dates, web chair


def test_shipped_config_validates_against_the_published_schema() -> None:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    document = yaml.load((SHIPPED / "euromlsys2026.yaml").read_text(), Loader=yaml.BaseLoader)
    assert (SHIPPED / "event.schema.json").resolve() == SCHEMA_FILE.resolve()
    assert "key_dates" in document


def test_dates_json_gives_the_aoe_deadlines_in_utc() -> None:
    code, out, _ = run_cli("--config", str(SHIPPED), "dates", "--json")
    assert code == 0
    by_id = {item["id"]: item for item in json.loads(out)}
    assert by_id["paper"]["at_utc"] == "2026-02-16T11:59:00Z"
    assert by_id["final-paper"]["at_utc"] == "2026-03-26T11:59:00Z"
    assert {"event", "id", "title", "kind", "as_written", "at_utc"} <= set(by_id["paper"])


def test_dates_table_in_a_zone_with_a_pretend_now() -> None:
    code, out, _ = run_cli(
        "--config",
        str(SHIPPED),
        "dates",
        "--tz",
        "Pacific/Kiritimati",
        "--now",
        "2026-02-12T07:59:00Z",
    )
    assert code == 0
    assert "Tue 17 Feb 2026, 01:59 Pacific/Kiritimati (UTC+14)" in out
    assert "4 days 4 hours left" in out


def test_check_exits_0_on_the_shipped_config() -> None:
    code, out, err = run_cli("check", str(SHIPPED))
    assert code == 0, err
    assert "EuroMLSys 2026" in out and "OK: 1 event" in out


def test_several_events_in_one_folder(tmp_path: Path) -> None:
    write(tmp_path, VALID, "a.yaml")
    write(tmp_path, VALID.replace("id: demo", "id: other"), "b.yaml")
    assert [e.id for e in load_events(tmp_path)] == ["demo", "other"]


BROKEN = {
    "unknown key": (VALID + "colour: red\n", "colour", 10, "unknown key 'colour'"),
    "misspelt key": (
        VALID.replace("short_name", "shortname"),
        "shortname",
        3,
        "did you mean 'short_name'",
    ),
    "malformed date": (
        VALID.replace("2026-02-15 23:59", "2026-02-31 23:59"),
        "key_dates[0].at",
        9,
        "not a calendar date",
    ),
    "time without zone": (VALID.replace("23:59 AoE", "23:59"), "key_dates[0].at", 9, "no zone"),
    "unknown zone": (
        VALID.replace("AoE", "Europe/Edinburgh"),
        "key_dates[0].at",
        9,
        "unknown time zone 'Europe/Edinburgh'",
    ),
    "duplicate id": (
        VALID + "  - id: paper\n    title: Again\n    kind: deadline\n    at: 2026-03-01\n",
        "key_dates[1].id",
        10,
        "duplicate id 'paper'",
    ),
    "missing field": (
        VALID.replace("    title: Paper deadline\n", ""),
        "key_dates[0]",
        6,
        "missing required field 'title'",
    ),
    "wrong kind": (
        VALID.replace("kind: deadline", "kind: dedline"),
        "key_dates[0].kind",
        8,
        "'dedline' is not one of",
    ),
    "wrong type": (
        VALID.replace("key_dates:\n", "edition: sixth\nkey_dates:\n"),
        "edition",
        5,
        "must be a whole number, not text",
    ),
    "repeated key": (VALID + "name: Again\n", "name", 10, "key appears twice"),
    "dst gap": (
        VALID.replace("2026-02-15 23:59 AoE", "2026-03-29 01:30 Europe/London"),
        "key_dates[0].at",
        9,
        "does not exist",
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_each_kind_of_broken_config_names_file_field_and_line(tmp_path: Path, case: str) -> None:
    text, field, line, message = BROKEN[case]
    path = write(tmp_path, text)
    code, out, err = run_cli("check", str(path))
    assert code == 2
    assert out == ""
    assert f"{path}:{line}: {field}: " in err, err
    assert message in err


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    text = VALID.replace("kind: deadline", "kind: dedline") + "colour: red\nname: Again\n"
    text += "venue: {city: E, country: UK, timezone: Mars/Base}\n"
    path = write(tmp_path, text)
    code, _, err = run_cli("check", str(path))
    assert code == 2
    assert "4 problems" in err
    for piece in ("key_dates[0].kind", "colour", "name", "venue.timezone"):
        assert f": {piece}" in err


def test_yaml_syntax_error_names_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, VALID + "  - id: [unclosed\n")
    code, _, err = run_cli("check", str(path))
    assert code == 2
    assert f"{path}:" in err and "not valid YAML" in err


def test_duplicate_event_ids_across_files(tmp_path: Path) -> None:
    write(tmp_path, VALID, "a.yaml")
    write(tmp_path, VALID, "b.yaml")
    code, _, err = run_cli("check", str(tmp_path))
    assert code == 2
    assert "event id 'demo' is also used by" in err


def test_missing_path_and_empty_folder(tmp_path: Path) -> None:
    code, _, err = run_cli("check", str(tmp_path / "nope.yaml"))
    assert (code, "no such file or folder" in err) == (2, True)
    code, _, err = run_cli("check", str(tmp_path))
    assert (code, "holds no *.yaml file" in err) == (2, True)


def test_extension_history_must_be_earlier(tmp_path: Path) -> None:
    extended = VALID.replace(
        "at: 2026-02-15 23:59 AoE",
        "at: 2026-02-22 23:59 AoE\n    extended_from: [2026-02-15 23:59 AoE]",
    )
    (event,) = load_events(write(tmp_path, extended))
    (paper,) = event.key_dates
    assert [p.as_written for p in paper.history] == ["2026-02-15 23:59 AoE"]
    backwards = VALID.replace(
        "at: 2026-02-15 23:59 AoE", "at: 2026-02-15 23:59 AoE\n    extended_from: [2026-03-01]"
    )
    code, _, err = run_cli("check", str(write(tmp_path, backwards)))
    assert code == 2 and "is not before the current time" in err


def test_series_and_year_default_from_the_id_and_can_be_written() -> None:
    from bot.domain.config import series_from_id, year_from_id

    assert series_from_id("euromlsys2026") == "euromlsys"
    assert series_from_id("mlsys-2027") == "mlsys"
    assert series_from_id("nips_1999") == "nips"
    assert series_from_id("workshop") == "workshop"
    assert year_from_id("euromlsys2026") == 2026 and year_from_id("workshop") is None
