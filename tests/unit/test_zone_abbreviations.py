import datetime as dt

import pytest
import pytz

from bot.domain.zone_abbreviations import ABBREVIATIONS, lookup_abbreviation

_JAN = dt.datetime(2026, 1, 15, 12, tzinfo=dt.UTC)
_JUL = dt.datetime(2026, 7, 15, 12, tzinfo=dt.UTC)


@pytest.mark.parametrize("entry", list(ABBREVIATIONS.values()), ids=list(ABBREVIATIONS))
def test_every_zone_exists_and_one_of_them_uses_the_fixed_offset(entry) -> None:
    offsets = set()
    for name in entry.zones:
        tz = pytz.timezone(name)
        for instant in (_JAN, _JUL):
            delta = instant.astimezone(tz).utcoffset()
            assert delta is not None
            offsets.add(int(delta.total_seconds() // 60))
    if entry.utc_offset_minutes is not None:
        assert entry.utc_offset_minutes in offsets


def test_lookup_is_case_insensitive_and_hints_name_the_zone_and_offset() -> None:
    pst = lookup_abbreviation(" pst ")
    assert pst is not None
    assert (
        pst.hint()
        == "PST: write America/Los_Angeles or America/Vancouver, or UTC-08:00 for a fixed offset"
    )
    ist = lookup_abbreviation("IST")
    assert ist is not None and ist.utc_offset_minutes is None
    assert "ambiguous" in ist.hint() and "Asia/Kolkata" in ist.hint()
    assert lookup_abbreviation("Europe/Berlin") is None
    assert lookup_abbreviation("UTC") is None and lookup_abbreviation("AoE") is None
    cet = lookup_abbreviation("cet")
    assert cet is not None and cet.zones[0] == "Europe/Berlin" and cet.offset_text() == "UTC+01:00"
