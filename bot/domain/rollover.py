"""The next edition's event file, written from the last one: copied, never invented.

Topics, contacts, venue, reminder policy, website, committee, social and admins are
copied; the year moves on in the id, names and co-location; every key date keeps its
id, title and kind but its time is left ``TBD`` for the organizers, so ``check``
refuses the file until each one is filled in. Dates, news, extensions and the
submission link belong to one edition and are not carried over.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from bot.domain.config import PLACEHOLDER_DATE
from bot.domain.model import Event

PLACEHOLDER = PLACEHOLDER_DATE
"""What a date not yet filled in says (``check`` refuses it)."""

_DROPPED = ("news", "submission_url")
"""Fields of one edition only."""

_ORDINAL = re.compile(r"\b(\d+)(st|nd|rd|th)\b")


def ordinal(n: int) -> str:
    """Return 1st, 2nd, 3rd, 4th, 11th, 21st, …."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _bump_years(text: str, year: int) -> str:
    """Move a year written in full (2026) or short ('26) to the next one."""
    text = re.sub(rf"(?<!\d){year}(?!\d)", str(year + 1), text)
    return re.sub(rf"'{year % 100:02d}\b", f"'{(year + 1) % 100:02d}", text)


def next_edition(raw: dict[str, Any], event: Event) -> tuple[str, dict[str, Any]]:
    """Return the next edition's id and fields, from the last edition's file.

    ``raw`` is the last file's YAML mapping, ``event`` the same file loaded. Raises
    ``ValueError`` when the edition's year is unknown (no ``year`` and none in the id).
    """
    if event.year is None:
        raise ValueError(
            f"{event.source}: the edition's year is unknown; add 'year:' to the file first"
        )
    year = event.year
    new = {k: v for k, v in raw.items() if k not in _DROPPED}
    new["id"] = _bump_years(str(raw["id"]), year)
    if new["id"] == raw["id"]:
        new["id"] = f"{event.series or raw['id']}{year + 1}"
    new["series"] = event.series or raw["id"]
    new["year"] = year + 1
    for field in ("name", "short_name", "colocated_with"):
        if isinstance(raw.get(field), str):
            new[field] = _bump_years(raw[field], year)
    if isinstance(raw.get("edition"), int):
        old_edition = raw["edition"]
        new["edition"] = old_edition + 1
        new["name"] = str(new["name"]).replace(ordinal(old_edition), ordinal(old_edition + 1))
    new["key_dates"] = [
        {k: (PLACEHOLDER if k == "at" else v) for k, v in kd.items() if k != "extended_from"}
        for kd in raw.get("key_dates", [])
    ]
    return str(new["id"]), new


def render_file(new: dict[str, Any], last: Event) -> str:
    """Return the new edition's YAML, headed by what to fill in and the last dates."""
    lines = [
        "# yaml-language-server: $schema=./event.schema.json",
        "#",
        f"# {new.get('short_name', new['id'])}: written by 'deadline-bot new-edition' from"
        f" {last.id}.",
        f"# Every key date says {PLACEHOLDER}: write this edition's times (e.g. 2027-02-15"
        " 23:59 AoE);",
        "# 'deadline-bot check' refuses the file until each one is filled in. Check the"
        " copied fields too.",
        f"# {last.short_name} had:",
        *(f"#   {kd.id}: {kd.as_written}" for kd in last.dates_in_order()),
        "",
    ]
    body = yaml.dump(new, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    return "\n".join(lines) + body


class _Dumper(yaml.SafeDumper):
    """Writes text of several lines as a literal block, as people write it."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)
