"""Read YAML into plain values while remembering the line of every field.

PyYAML forgets where things came from and silently keeps the last of two equal keys;
a config error must name its line, and a repeated key is an error. Dates stay the
strings the organizers wrote (no implicit timestamp conversion).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

Path = tuple[str | int, ...]


class _Loader(yaml.SafeLoader):
    """A SafeLoader that leaves timestamps as written."""


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


class YamlSyntaxError(ValueError):
    """YAML that does not parse; carries the line."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


def load_yaml(text: str) -> YamlDocument:
    """Parse one YAML document, keeping the line of each value and key."""
    loader = _Loader(text)
    document = YamlDocument(value=None)
    try:
        node = loader.get_single_node()
        if node is not None:
            document.value = _convert(node, (), document, loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        raise YamlSyntaxError(f"{exc.problem or exc.context or 'invalid YAML'}", line) from None
    finally:
        loader.dispose()
    return document


def _convert(node: yaml.Node, path: Path, doc: YamlDocument, loader: _Loader) -> Any:
    """Turn a YAML node into plain Python values, recording lines."""
    doc.lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            key = key if isinstance(key, str | int) else str(key)
            child = (*path, key)
            if key in result:
                doc.duplicates.append((child, key_node.start_mark.line + 1))
            doc.lines[child] = key_node.start_mark.line + 1
            result[key] = _convert(value_node, child, doc, loader)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [
            _convert(item, (*path, index), doc, loader) for index, item in enumerate(node.value)
        ]
    return loader.construct_object(node, deep=True)
