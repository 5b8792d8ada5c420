"""Hostile YAML documents, built at run time (the repo holds no bomb file)."""

from __future__ import annotations


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
