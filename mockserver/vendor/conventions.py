"""What a vendor's values look like where a document only says "string": the shape of the ids
it mints, and the values it fills in for fields a client left out.

Used by `drift` to compare the vendor with the document's examples and defaults, and by `learn`
to write them down for `--fidelity observed`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from .. import media
from ..spec import Operation

ID_SHAPES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("uuid", re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)),
    ("ulid", re.compile(r"[0-7][0-9A-HJKMNP-TV-Z]{25}")),
    ("integer", re.compile(r"\d+")),
    ("hex", re.compile(r"[0-9a-f]{16,}")),
    ("prefixed", re.compile(r"[A-Za-z]+[-_][A-Za-z0-9_-]+")),
)


def id_shape(value: Any) -> str:
    """`uuid`, `ulid`, `integer`, `hex`, `prefixed` (`mem-123`) or `other`."""
    if isinstance(value, bool):
        return "other"
    if isinstance(value, int):
        return "integer"
    if not isinstance(value, str):
        return "other"
    for name, pattern in ID_SHAPES:
        if pattern.fullmatch(value):
            return name
    return "other"


def is_id_field(name: str) -> bool:
    """`id`, `memory_id`, `userId`: a field that names something rather than says something."""
    return name == "id" or name.endswith("_id") or (name.endswith("Id") and len(name) > 2)


def objects(value: Any) -> Iterator[Mapping[str, Any]]:
    """The object itself, or the objects of a list, directly or under one key (`data`, `items`):
    where an API's records sit in its answers."""
    if isinstance(value, Mapping):
        yield value
        for inner in value.values():
            if isinstance(inner, list):
                yield from (item for item in inner if isinstance(item, Mapping))
    elif isinstance(value, list):
        yield from (item for item in value if isinstance(item, Mapping))


def id_values(bodies: Iterable[Any]) -> dict[str, list[Any]]:
    """Every value of every id-like field in these answers, per field name."""
    found: dict[str, list[Any]] = {}
    for body in bodies:
        for record in objects(body):
            for name, value in record.items():
                if is_id_field(name) and value is not None:
                    found.setdefault(name, []).append(value)
    return found


def documented_example(op: Operation, status: int) -> Any:
    """The example the document gives for `status`'s JSON body: `example`, the first of
    `examples`, or the schema's own `example`."""
    response = op.responses.get(str(status)) or op.responses.get(f"{str(status)[0]}XX") or {}
    content = response.get("content") if isinstance(response, Mapping) else None
    for media_type, definition in (content or {}).items() if isinstance(content, Mapping) else ():
        if not media.is_json(media_type) or not isinstance(definition, Mapping):
            continue
        if "example" in definition:
            return definition["example"]
        examples = definition.get("examples")
        if isinstance(examples, Mapping):
            for item in examples.values():
                if isinstance(item, Mapping) and "value" in item:
                    return item["value"]
        schema = definition.get("schema")
        if isinstance(schema, Mapping) and "example" in schema:
            return schema["example"]
    return None


def request_properties(op: Operation) -> dict[str, Mapping[str, Any]]:
    """The top-level properties of the operation's JSON request body schema (the object branch
    of an `anyOf`/`oneOf`, merged `allOf`s)."""
    body = op.request_body or {}
    content = body.get("content") if isinstance(body, Mapping) else None
    for media_type, definition in (content or {}).items() if isinstance(content, Mapping) else ():
        if media.is_json(media_type) and isinstance(definition, Mapping):
            return _properties(definition.get("schema"))
    return {}


def _properties(schema: Any) -> dict[str, Mapping[str, Any]]:
    if not isinstance(schema, Mapping):
        return {}
    found: dict[str, Mapping[str, Any]] = {}
    properties = schema.get("properties")
    if isinstance(properties, Mapping):
        found.update({str(k): v for k, v in properties.items() if isinstance(v, Mapping)})
    for key in ("allOf", "anyOf", "oneOf"):
        for branch in schema.get(key) or []:
            for name, value in _properties(branch).items():
                found.setdefault(name, value)
    return found


def declared_default(schema: Mapping[str, Any]) -> tuple[bool, Any]:
    """(whether a default is declared, the default)."""
    if "default" in schema:
        return True, schema["default"]
    return False, None
