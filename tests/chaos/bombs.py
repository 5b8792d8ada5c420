"""Hostile inputs built at run time (the repo holds no bomb file and no token literal)."""

from __future__ import annotations

import secrets


def alias_bomb(levels: int = 9, width: int = 9) -> str:
    """A "billion laughs": ``width ** levels`` values from a few hundred bytes (342 by default)."""
    names = "abcdefghijklmnopqrstuvwxyz"
    laughs = ",".join(['"lol"'] * width)
    lines = [f"a: &a [{laughs}]"]
    for level in range(1, levels):
        name, previous = names[level], names[level - 1]
        refs = ",".join([f"*{previous}"] * width)
        lines.append(f"{name}: &{name} [{refs}]")
    return "\n".join(lines) + "\n"


def private_token() -> str:
    """A token-shaped string with a bot id of its own, built at run time.

    The instance lock is named after the bot id, and PostgreSQL advisory locks are shared
    by every schema of a database: a bot id of its own keeps these processes from waiting
    on another test run's bot against the same server.
    """
    bot_id = 8_000_000_000 + secrets.randbelow(999_999_999)
    return f"{bot_id}:" + "ChaosTest" + secrets.token_hex(13)
