"""Where a JSON pointer lands in the text of a document, as `line:column` for messages.

The document is composed (not constructed) once into PyYAML's node tree, which keeps each node's
start mark; JSON documents are YAML too. When the pointer leaves the file (through a `$ref`
into another file, or into a path the document does not spell out), the position of the
deepest entry that does exist is given, which is where a reader should start looking.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import yaml

from .yaml12 import Yaml12Loader


class Positions:
    """Line and column (1-based) of document entries, found by their path."""

    def __init__(self, text: str) -> None:
        try:
            self._root: yaml.Node | None = yaml.compose(text, Loader=Yaml12Loader)
        except yaml.YAMLError:
            self._root = None

    def of(self, location: Sequence[Any]) -> tuple[int, int] | None:
        """`(line, column)` of the entry at `location`, or of its nearest existing ancestor."""
        node = self._root
        mark = None
        for part in location:
            entry = None
            if isinstance(node, yaml.MappingNode):
                entry = next(((k, v) for k, v in node.value if str(k.value) == str(part)), None)
            elif isinstance(node, yaml.SequenceNode) and str(part).isdigit() and int(part) < len(node.value):
                item = node.value[int(part)]
                entry = (item, item)
            if entry is None:
                break
            mark, node = entry[0].start_mark, entry[1]
        if mark is None:
            return None
        return mark.line + 1, mark.column + 1


def text_position(text: str, needle: str) -> tuple[int, int] | None:
    """`(line, column)` of the first occurrence of `needle` in `text` (for `$ref` strings)."""
    if not needle:
        return None
    for number, line in enumerate(text.splitlines(), start=1):
        column = line.find(needle)
        if column >= 0:
            return number, column + 1
    return None
