"""The rules the domain owns: reminder modes, "deadlines only", the outbox's keys."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.domain.config import load_events
from bot.domain.outbox_keys import (
    BROADCAST_KINDS,
    OutboxKey,
    edition_key,
    extension_prefix,
    is_reminder_ref_of,
    moved_ref,
    news_prefix,
    parse_key,
    part_suffix,
    reminder_prefix,
    reminder_ref,
)
from bot.domain.plan import all_reminders
from bot.domain.reminding import REMINDER_MODES, in_mode, is_mode, modes_covering, reminded
from bot.storage.schema import broadcasts, subscriptions

CONFIG = Path(__file__).parents[2] / "config"
PAPER_AT = dt.datetime(2026, 2, 16, 11, 59, tzinfo=dt.UTC)


def test_the_modes_are_one_list_the_column_accepts() -> None:
    assert REMINDER_MODES == ("all", "deadlines", "off")
    check = next(c for c in subscriptions.constraints if "reminders" in str(c.name))
    assert all(f"'{mode}'" in str(check.sqltext) for mode in REMINDER_MODES)
    assert is_mode("deadlines") and not is_mode("some")


def test_deadlines_only_is_one_rule_for_the_query_and_the_settings() -> None:
    assert modes_covering("deadline") == ("all", "deadlines")
    assert modes_covering("notification") == ("all",) == modes_covering(None)
    for event in load_events(CONFIG):
        for kd in event.key_dates:
            for mode in REMINDER_MODES:
                assert in_mode(kd, mode) == (mode in modes_covering(kd.kind))
                assert reminded(kd, mode, frozenset({kd.id})) is False
            assert in_mode(kd, "deadlines") == (kd.kind == "deadline")
            assert not in_mode(kd, "off")


def test_every_broadcast_kind_has_its_key_format() -> None:
    assert BROADCAST_KINDS == ("reminder", "extension", "edition", "news")
    check = next(c for c in broadcasts.constraints if str(c.name).endswith("kind"))
    assert all(f"'{kind}'" in str(check.sqltext) for kind in BROADCAST_KINDS)
    for kind in BROADCAST_KINDS:
        assert parse_key(str(OutboxKey(kind, "r", 1, 0 if kind == "news" else None))).kind == kind


def test_keys_are_built_as_the_stored_rows_have_them() -> None:
    """The formats of rows written before this module existed (a release's database)."""
    ref = reminder_ref("euromlsys2026:paper:7d", PAPER_AT)
    assert ref == "euromlsys2026:paper:7d@2026-02-16T11:59:00Z"
    assert reminder_prefix(ref) + "42" == f"reminder:{ref}:42"
    assert news_prefix(2) + "42" + part_suffix(0) == "news:2:42:0"
    assert edition_key("euromlsys2027", -1002000000001) == "edition:euromlsys2027:-1002000000001"
    moved = moved_ref("paper", PAPER_AT)
    assert extension_prefix("euromlsys2026", moved) == (
        "extension:euromlsys2026:paper@2026-02-16T11:59:00Z:"
    )


@pytest.mark.parametrize(
    ("key", "parsed"),
    [
        (
            "reminder:euromlsys2026:paper:7d@2026-02-16T11:59:00Z:43",
            OutboxKey("reminder", "euromlsys2026:paper:7d@2026-02-16T11:59:00Z", 43),
        ),
        ("news:2:-100123:1", OutboxKey("news", "2", -100123, 1)),
        ("edition:euromlsys2027:42", OutboxKey("edition", "euromlsys2027", 42)),
        (
            "extension:euromlsys2026:paper@2026-02-22T11:59:00Z:7",
            OutboxKey("extension", "euromlsys2026:paper@2026-02-22T11:59:00Z", 7),
        ),
    ],
)
def test_keys_read_back(key: str, parsed: OutboxKey) -> None:
    assert parse_key(key) == parsed
    assert str(parsed) == key


@pytest.mark.parametrize("key", ["", "news:1:2", "edition:42", "poll:x:1", "reminder:x:me"])
def test_a_key_of_no_known_shape_is_refused(key: str) -> None:
    with pytest.raises(ValueError, match="not an outbox key"):
        parse_key(key)


def test_a_reminder_ref_names_its_key_date_and_instant() -> None:
    for reminder in all_reminders(load_events(CONFIG)):
        ref = reminder_ref(reminder.id, reminder.key_date_at)
        assert is_reminder_ref_of(
            ref, reminder.event_id, reminder.key_date_id, reminder.key_date_at
        )
        later = reminder.key_date_at + dt.timedelta(days=1)
        assert not is_reminder_ref_of(ref, reminder.event_id, reminder.key_date_id, later)
        assert not is_reminder_ref_of(ref, reminder.event_id, "other", reminder.key_date_at)
