"""Read a document's evident intent where it contradicts itself (each such reading is a nit).

OpenAPI 3.1 dropped `nullable`; in a 3.1 document the keyword means nothing to a validator, so
`{$ref: Config, nullable: true}` forbids the `null` its author meant to allow. Generators that
emit 3.1 with 3.0 habits (utoipa, older FastAPI plugins) do this throughout, and the clients and
fuzzers that read those documents send `null`. The loaded (never the on-disk) document is
rewritten to the 3.1 spelling of the same intent: `null` added to the `type` (and `enum`), or the
schema wrapped in `anyOf: [schema, {type: 'null'}]`.

The same habit writes 3.0's boolean `exclusiveMinimum: true` (with `minimum: 0`) into 3.1
documents, where JSON Schema reads `true` as the number 1 ("greater than 1"); it is rewritten to
3.1's `exclusiveMinimum: 0` (and `false` dropped), likewise for the maximum.

Two more contradictions are read the way the document's author evidently meant them:

- a schema that `required`s a property it does not define while `additionalProperties: false`
  forbids undefined ones (no value could satisfy it) gets the property defined, as anything;
- a `discriminator` whose values name no schema (inline `oneOf` branches, no `mapping`) cannot
  pick a branch, so validators that follow it reject every value; it is dropped, and the
  `oneOf` alone decides.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .model import Nit
from .walk import dicts, location

_KEEP_OUTSIDE = ("title", "description", "default", "example", "examples", "deprecated", "readOnly", "writeOnly")


def nullable_in_31(source: Path, document: dict[str, Any]) -> list[Nit]:
    """Rewrite every `nullable: true` of a 3.1 document; one nit naming the first and the count."""
    found: list[tuple[str, ...]] = []
    for node, where in dicts(document):
        if node.get("nullable") is True:
            _allow_null(node)
            found.append(location(where))
        elif "nullable" in node and isinstance(node["nullable"], bool):
            del node["nullable"]
    if not found:
        return []
    first = min(found)
    return [
        Nit(
            source,
            first,
            f"'nullable' is an OpenAPI 3.0 keyword; read as allowing null here and in {len(found) - 1} other schemas "
            "of this 3.1 document",
        )
    ]


def boolean_exclusive_bounds_in_31(source: Path, document: dict[str, Any]) -> list[Nit]:
    """Rewrite 3.0-style boolean `exclusiveMinimum`/`exclusiveMaximum` of a 3.1 document."""
    found: list[tuple[str, ...]] = []
    for node, where in dicts(document):
        for exclusive, bound in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
            flag = node.get(exclusive)
            if not isinstance(flag, bool):
                continue
            found.append((*location(where), exclusive))
            del node[exclusive]
            if flag and isinstance(node.get(bound), (int, float)) and not isinstance(node.get(bound), bool):
                node[exclusive] = node.pop(bound)
    if not found:
        return []
    first = min(found)
    return [
        Nit(
            source,
            first,
            f"a boolean {first[-1]} is OpenAPI 3.0; read as 3.0 meant it here and in {len(found) - 1} other schemas "
            "of this 3.1 document",
        )
    ]


def contradictions(source: Path, document: dict[str, Any]) -> list[Nit]:
    """Unsatisfiable `required` and unusable `discriminator`s, rewritten as described above."""
    nits: list[Nit] = []
    for schema, where in dicts(document):
        required = schema.get("required")
        properties = schema.get("properties")
        if schema.get("additionalProperties") is False and isinstance(required, list) and isinstance(properties, dict):
            missing = [name for name in required if isinstance(name, str) and name not in properties]
            if missing:
                schema["properties"] = {**properties, **{name: {} for name in missing}}
                nits.append(
                    Nit(
                        source,
                        location(where),
                        f"requires {', '.join(missing)} but defines no such property and forbids undefined ones; read "
                        "as defining it",
                    )
                )
        discriminator = schema.get("discriminator")
        branches = schema.get("oneOf") or schema.get("anyOf")
        if (
            isinstance(discriminator, dict)
            and isinstance(branches, list)
            and not _usable(discriminator, branches, document)
        ):
            del schema["discriminator"]
            nits.append(
                Nit(
                    source,
                    (*location(where), "discriminator"),
                    "its values name no schema (no mapping, inline branches); the oneOf/anyOf alone decides",
                )
            )
    return nits


def _usable(discriminator: dict[str, Any], branches: list[Any], document: dict[str, Any]) -> bool:
    """Whether every branch's discriminator value leads to a schema (by mapping or by name)."""
    from .references import lookup

    name = discriminator.get("propertyName")
    declared = discriminator.get("mapping")
    mapping: dict[str, Any] = declared if isinstance(declared, dict) else {}
    for branch in branches:
        prop = ((branch.get("properties") or {}).get(name) if isinstance(branch, dict) else None) or {}
        values = prop.get("enum") or ([prop["const"]] if "const" in prop else [])
        for value in values if isinstance(values, list) else []:
            target = mapping.get(value) or f"#/components/schemas/{value}"
            if (
                not isinstance(target, str)
                or lookup(document, target if target.startswith("#") else f"#/components/schemas/{target}") is None
            ):
                return False
    return True


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
