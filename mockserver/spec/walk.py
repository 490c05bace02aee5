"""Every container of a loaded document, once each, with where it is.

Resolved documents share nodes (one component inlined at every use) and may be cyclic (a
recursive schema), so a walk must remember what it has seen; the passes that rewrite a document
at load time (nullable, contradictions, dangling references) all walk it this way.
"""

from __future__ import annotations

from typing import Any

Location = tuple[str, ...]
# where a container is, as (where its parent is, its key): made in constant time for each of a
# large document's hundred thousand containers, spelled out (`location`) only for the few a
# pass reports
Trail = tuple["Trail", str] | tuple[()]


def containers(document: Any) -> list[tuple[dict[str, Any] | list[Any], Trail]]:
    """Every dict and list reachable from `document`, each once, with its trail (keys and list
    indexes as strings), collected before the caller changes anything. Only containers are
    stacked: most values of a document are scalars, and a large one (Letta's, 1.7 MB) has
    millions of them."""
    if not isinstance(document, (dict, list)):
        return []
    found: list[tuple[dict[str, Any] | list[Any], Trail]] = []
    seen: set[int] = set()
    stack: list[tuple[dict[str, Any] | list[Any], Trail]] = [(document, ())]
    while stack:
        node, where = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        found.append((node, where))
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, value in items:
            if isinstance(value, (dict, list)):
                stack.append((value, (where, str(key))))
    return found


def dicts(document: Any) -> list[tuple[dict[str, Any], Trail]]:
    """The dicts of `containers`: every node that may be a schema."""
    return [(node, where) for node, where in containers(document) if isinstance(node, dict)]


def location(trail: Trail) -> Location:
    """The keys from the document's root to the container `trail` leads to."""
    keys: list[str] = []
    while trail:
        trail, key = trail
        keys.append(key)
    return tuple(reversed(keys))
