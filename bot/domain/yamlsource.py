"""Read YAML into plain values while remembering the line of every field.

PyYAML forgets where things came from and silently keeps the last of two equal keys;
a config error must name its line, and a repeated key is an error. Dates stay the
strings the organizers wrote (no implicit timestamp conversion).

Hostile documents are refused with :class:`YamlLimitError` before they cost much:
more than :data:`MAX_BYTES`, nesting deeper than :data:`MAX_DEPTH`, more than
:data:`MAX_ALIASES` aliases, or more than :data:`MAX_NODES` values once aliases are
expanded (a "billion laughs" of 342 bytes expands to 387 million values). Keys must be plain
values. An event file is a few kilobytes with a few hundred values, far inside all four.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

Path = tuple[str | int, ...]

MAX_BYTES = 256 * 1024
"""Largest document accepted, in bytes (UTF-8)."""
MAX_DEPTH = 64
"""Deepest nesting of mappings and sequences accepted."""
MAX_ALIASES = 200
"""Most aliases (``*name``) one document may use."""
MAX_NODES = 100_000
"""Most values one document may hold once every alias is expanded."""


class YamlSyntaxError(ValueError):
    """YAML that does not parse; carries the line."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


class YamlLimitError(YamlSyntaxError):
    """YAML refused for its size or shape (too big, too deep, too many aliases)."""


class _Loader(yaml.SafeLoader):
    """A SafeLoader that leaves timestamps as written and refuses deep or alias-heavy YAML."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.depth = 0
        self.aliases = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        """Compose one node, counting nesting and aliases as PyYAML goes."""
        if self.check_event(yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                raise YamlLimitError(f"refused: more than {MAX_ALIASES} aliases", self._line())
            return super().compose_node(parent, index)
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise YamlLimitError(
                    f"refused: nested deeper than {MAX_DEPTH} levels", self._line()
                )
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def _line(self) -> int | None:
        """The line of the event about to be composed."""
        event = self.peek_event()  # type: ignore[no-untyped-call]
        mark = getattr(event, "start_mark", None)
        return mark.line + 1 if mark is not None else None


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass
class YamlDocument:
    """A parsed YAML document and the line (1-based) of every path in it."""

    value: Any
    lines: dict[Path, int] = field(default_factory=dict)
    duplicates: list[tuple[Path, int]] = field(default_factory=list)
    """Keys that appear twice in one mapping: (path, line of the repeat)."""

    def line_of(self, path: Path) -> int | None:
        """Return the line of ``path`` or of its nearest parent that has one."""
        while True:
            if path in self.lines:
                return self.lines[path]
            if not path:
                return None
            path = path[:-1]


class _Budget:
    """Counts the values produced while expanding aliases."""

    def __init__(self) -> None:
        self.nodes = 0

    def spend(self, node: yaml.Node) -> None:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise YamlLimitError(
                f"refused: more than {MAX_NODES} values once aliases are expanded (an alias bomb?)",
                node.start_mark.line + 1,
            )


def load_yaml(text: str) -> YamlDocument:
    """Parse one YAML document, keeping the line of each value and key.

    Raises :class:`YamlSyntaxError` (or its :class:`YamlLimitError`) naming the line.
    """
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_BYTES:
        raise YamlLimitError(f"refused: {size} bytes is more than the {MAX_BYTES} allowed", None)
    loader = _Loader(text)
    document = YamlDocument(value=None)
    try:
        node = loader.get_single_node()
        if node is not None:
            document.value = _convert(node, (), document, loader, _Budget())
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        raise YamlSyntaxError(f"{exc.problem or exc.context or 'invalid YAML'}", line) from None
    finally:
        loader.dispose()
    return document


def _convert(
    node: yaml.Node, path: Path, doc: YamlDocument, loader: _Loader, budget: _Budget
) -> Any:
    """Turn a YAML node into plain Python values, recording lines (aliases are copied)."""
    budget.spend(node)
    if len(path) > MAX_DEPTH:  # an alias can nest a deep value deeper, or itself
        raise YamlLimitError(
            f"refused: nested deeper than {MAX_DEPTH} levels once aliases are expanded",
            node.start_mark.line + 1,
        )
    doc.lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise YamlSyntaxError(
                    "a key must be a plain value, not a list or mapping",
                    key_node.start_mark.line + 1,
                )
            key = loader.construct_object(key_node, deep=True)
            key = key if isinstance(key, str | int) else str(key)
            child = (*path, key)
            if key in result:
                doc.duplicates.append((child, key_node.start_mark.line + 1))
            doc.lines[child] = key_node.start_mark.line + 1
            result[key] = _convert(value_node, child, doc, loader, budget)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [
            _convert(item, (*path, index), doc, loader, budget)
            for index, item in enumerate(node.value)
        ]
    return loader.construct_object(node, deep=True)
