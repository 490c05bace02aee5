"""Read a document's evident intent where it mixes OpenAPI versions (each such reading is a nit).

OpenAPI 3.1 dropped `nullable`; in a 3.1 document the keyword means nothing to a validator, so
`{$ref: Config, nullable: true}` forbids the `null` its author meant to allow. Generators that
emit 3.1 with 3.0 habits (utoipa, older FastAPI plugins) do this throughout, and the clients and
fuzzers that read those documents send `null`. The loaded (never the on-disk) document is
rewritten to the 3.1 spelling of the same intent: `null` added to the `type` (and `enum`), or the
schema wrapped in `anyOf: [schema, {type: 'null'}]`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .model import Nit

_KEEP_OUTSIDE = ("title", "description", "default", "example", "examples", "deprecated", "readOnly", "writeOnly")


def nullable_in_31(source: Path, document: dict[str, Any]) -> list[Nit]:
    """Rewrite every `nullable: true` of a 3.1 document; one nit naming the first and the count."""
    found: list[tuple[str, ...]] = []
    seen: set[int] = set()
    stack: list[tuple[Any, tuple[str, ...]]] = [(document, ())]
    while stack:
        node, where = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, dict):
            if node.get("nullable") is True:
                _allow_null(node)
                found.append(where)
            elif "nullable" in node and isinstance(node["nullable"], bool):
                del node["nullable"]
            stack.extend((value, (*where, str(key))) for key, value in node.items())
        elif isinstance(node, list):
            stack.extend((value, (*where, str(index))) for index, value in enumerate(node))
    if not found:
        return []
    first = min(found)
    return [Nit(source, first, f"'nullable' is an OpenAPI 3.0 keyword; read as allowing null here and in {len(found) - 1} other schemas of this 3.1 document")]


def _allow_null(schema: dict[str, Any]) -> None:
    del schema["nullable"]
    kind = schema.get("type")
    if isinstance(kind, str) or isinstance(kind, list):
        kinds = [kind] if isinstance(kind, str) else list(kind)
        if "null" not in kinds:
            schema["type"] = [*kinds, "null"]
        if isinstance(schema.get("enum"), list) and None not in schema["enum"]:
            schema["enum"] = [*schema["enum"], None]
        return
    inner = {key: value for key, value in schema.items() if key not in _KEEP_OUTSIDE}
    outer = {key: value for key, value in schema.items() if key in _KEEP_OUTSIDE}
    schema.clear()
    schema.update(outer)
    schema["anyOf"] = [inner, {"type": "null"}]
