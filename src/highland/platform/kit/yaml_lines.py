"""YAML read with line numbers: mappings and sequences that remember where they stood.

Every file the platform reads as YAML (chain files, policy rules) reports its errors with the
line they are on; a key given twice in one mapping is an error, not a silent overwrite.
`line_loader(message)` gives a SafeLoader subclass of its own (so that a module may add
constructors to it, e.g. Decimal numbers, without touching another module's loader).

Every loader here is a `BoundedLoader`: anchors and aliases (`&a`, `*a`, `<<: *a`) are refused,
since a few hundred bytes of aliases expand to billions of nodes (an "alias bomb"), and a
document nested deeper than MAX_DEPTH levels is refused before anything recursive reads it.
Both are MarkedYAMLErrors with the line, reported like any other YAML error.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.composer import ComposerError

MAX_DEPTH = 50  # mappings and sequences within each other; real files need fewer than 10
ALIAS_PROBLEM = "anchors (&name) and aliases (*name) are not accepted: write each value out"
DEPTH_PROBLEM = f"nested more than {MAX_DEPTH} levels deep (the limit is {MAX_DEPTH})"


class BoundedLoader(yaml.SafeLoader):
    """A SafeLoader that refuses anchors and aliases and documents nested too deep."""

    _depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:  # noqa: D102 - see the class
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise ComposerError(None, None, ALIAS_PROBLEM, event.start_mark)
        if self._depth >= MAX_DEPTH:
            raise ComposerError(None, None, DEPTH_PROBLEM, event.start_mark)
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


class LineDict(dict[Any, Any]):
    """A mapping that remembers the line of itself and of each key."""

    line: int = 0
    lines: dict[Any, int]


class LineList(list[Any]):
    """A sequence that remembers the line of itself and of each item."""

    line: int = 0
    lines: list[int]


def line_loader(duplicate: str = "duplicate key {key!r}") -> type[yaml.SafeLoader]:
    """A BoundedLoader subclass building LineDict / LineList; `duplicate` is the problem text
    for a key given twice (`{key!r}` is filled in)."""

    class Loader(BoundedLoader):
        pass

    def mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> LineDict:
        loader.flatten_mapping(node)
        out = LineDict()
        out.line, out.lines = node.start_mark.line + 1, {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if key in out:
                raise yaml.MarkedYAMLError(
                    problem=duplicate.format(key=key), problem_mark=key_node.start_mark
                )
            out[key] = loader.construct_object(value_node, deep=True)
            out.lines[key] = key_node.start_mark.line + 1
        return out

    def sequence(loader: yaml.SafeLoader, node: yaml.SequenceNode) -> LineList:
        out = LineList(loader.construct_object(n, deep=True) for n in node.value)
        out.line, out.lines = node.start_mark.line + 1, [n.start_mark.line + 1 for n in node.value]
        return out

    Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)
    Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, sequence)
    return Loader
