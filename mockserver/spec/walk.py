"""Every container of a loaded document, once each, with where it is.

Resolved documents share nodes (one component inlined at every use) and may be cyclic (a
recursive schema), so a walk must remember what it has seen; the passes that rewrite a document
at load time (nullable, contradictions, dangling references) all walk it this way.
"""

from __future__ import annotations

from typing import Any

Location = tuple[str, ...]


def containers(document: Any) -> list[tuple[dict[str, Any] | list[Any], Location]]:
    """Every dict and list reachable from `document`, each once, with its location (keys and
    list indexes as strings), collected before the caller changes anything."""
    found: list[tuple[dict[str, Any] | list[Any], Location]] = []
    seen: set[int] = set()
    stack: list[tuple[Any, Location]] = [(document, ())]
    while stack:
        node, where = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, dict):
            found.append((node, where))
            stack.extend((value, (*where, str(key))) for key, value in node.items())
        elif isinstance(node, list):
            found.append((node, where))
            stack.extend((value, (*where, str(index))) for index, value in enumerate(node))
    return found


def dicts(document: Any) -> list[tuple[dict[str, Any], Location]]:
    """The dicts of `containers`: every node that may be a schema."""
    return [(node, where) for node, where in containers(document) if isinstance(node, dict)]
