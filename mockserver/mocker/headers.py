"""The response headers a document declares, with values generated from their schemas.

A `Location` (or `Content-Location`) is the URL of what the request created or addressed; every
other header gets a value of its schema, serialised in the `simple` style headers use (arrays
comma-separated, objects as `key,value` pairs or `key=value` when exploded). Headers the HTTP
layer owns (`Content-Type`, `Content-Length`, …) are never taken from the document.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

_OWNED = frozenset(
    {"content-type", "content-length", "transfer-encoding", "connection", "keep-alive", "date", "server"}
)
_LOCATIONS = frozenset({"location", "content-location"})


def declared_headers(
    declared: Mapping[str, Any],
    generate: Callable[[Any, str], Any],
    location: str,
) -> list[tuple[str, str, Any]]:
    """`(name, serialised value, value)` for each declared header; `location` is the absolute
    URL `Location` headers point at."""
    found: list[tuple[str, str, Any]] = []
    for name, header in declared.items():
        if not isinstance(header, Mapping) or name.lower() in _OWNED:
            continue
        schema = header.get("schema")
        if schema is None:
            content = header.get("content")
            first = next(iter(content.values()), None) if isinstance(content, Mapping) and content else None
            schema = first.get("schema") if isinstance(first, Mapping) else None
        schema = schema if isinstance(schema, Mapping) else {"type": "string"}
        if name.lower() in _LOCATIONS:
            value: Any = location
        else:
            value = generate(schema, name)
        found.append((name, serialise(value, bool(header.get("explode", False))), value))
    return found


def serialise(value: Any, explode: bool = False) -> str:
    """A header value in OpenAPI's `simple` style."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, list):
        return ",".join(serialise(item) for item in value)
    if isinstance(value, dict):
        if explode:
            return ",".join(f"{key}={serialise(item)}" for key, item in value.items())
        return ",".join(f"{key},{serialise(item)}" for key, item in value.items())
    return str(value)
