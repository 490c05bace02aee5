"""A list response in the document's own envelope, filled with stored objects.

`envelope` finds, once per schema, where the array of objects sits (the body itself, `data`,
`results`, `items`…) and which fields describe the page (`total`, `count`, `meta.total_pages`,
`next`, `has_more`, `next_cursor`…), by name and type. `fill` then puts a page of objects
into a generated envelope and sets each page field it recognises, where the value is valid for
that field's schema; anything it does not recognise keeps its generated value.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .generator import Schema, SchemaFaker, type_of

_ARRAY_NAMES = ("data", "results", "items", "records", "entries", "objects", "list", "values", "hits", "rows")
_PAGE_FIELDS = {
    "total": (
        "total",
        "total_count",
        "totalCount",
        "count",
        "total_items",
        "totalItems",
        "total_results",
        "totalResults",
        "totalElements",
    ),
    "pages": ("total_pages", "totalPages", "pages", "page_count", "pageCount"),
    "page": ("page", "page_number", "pageNumber", "current_page", "currentPage"),
    "limit": ("limit", "page_size", "pageSize", "per_page", "perPage", "size"),
    "offset": ("offset", "skip", "start"),
    "next": ("next", "next_url", "nextUrl", "next_page_url", "next_link"),
    "previous": ("previous", "prev", "previous_url", "prev_url", "previousUrl"),
    "has_more": ("has_more", "hasMore", "has_next", "hasNext", "more"),
    "cursor": ("next_cursor", "nextCursor", "cursor", "next_page_token", "nextPageToken", "last_id", "lastId"),
    "first_id": ("first_id", "firstId"),
}
_ROLE_OF = {name: role for role, names in _PAGE_FIELDS.items() for name in names}


@dataclass(frozen=True)
class Envelope:
    """Where a list response keeps its items and its page facts."""

    items_at: tuple[str, ...]  # () for a bare array
    item_schema: Schema
    max_items: int | None
    fields: tuple[tuple[str, tuple[str, ...], Schema, bool], ...]  # (role, path, schema, required)


def envelope(schema: Schema | None, faker: SchemaFaker, collection: str = "") -> Envelope | None:
    """The envelope of a list response, or None when `schema` does not list objects."""
    if schema is None:
        return None
    flat = _real(faker.flatten(schema), faker)
    if type_of(flat) == "array":
        items = faker.flatten(flat.get("items") or {})
        return Envelope((), items, _int(flat.get("maxItems")), ()) if type_of(_real(items, faker)) == "object" else None
    properties = flat.get("properties")
    if type_of(flat) != "object" or not isinstance(properties, Mapping):
        return None
    arrays = {}
    for name, prop in properties.items():
        prop = _real(faker.flatten(prop), faker)
        if type_of(prop) == "array" and type_of(_real(faker.flatten(prop.get("items") or {}), faker)) == "object":
            arrays[name] = prop
    last = collection.rstrip("/").rpartition("/")[2]
    chosen = next((n for n in (*_ARRAY_NAMES, last) if n in arrays), None) or (
        next(iter(arrays)) if len(arrays) == 1 else None
    )
    if chosen is None:
        return None
    fields: list[tuple[str, tuple[str, ...], Schema, bool]] = []
    required = set(flat.get("required") or ())
    for name, prop in properties.items():
        sub = _real(faker.flatten(prop), faker)
        if name in _ROLE_OF:
            fields.append((_ROLE_OF[name], (name,), faker.flatten(prop), name in required))
        elif type_of(sub) == "object" and isinstance(sub.get("properties"), Mapping):
            inner_required = set(sub.get("required") or ())
            for inner, inner_prop in sub["properties"].items():
                if inner in _ROLE_OF:
                    fields.append((_ROLE_OF[inner], (name, inner), faker.flatten(inner_prop), inner in inner_required))
    array = arrays[chosen]
    return Envelope((chosen,), faker.flatten(array.get("items") or {}), _int(array.get("maxItems")), tuple(fields))


@dataclass(frozen=True)
class PageFacts:
    """What the list answered, for the envelope's page fields."""

    total: int
    offset: int
    limit: int
    page: int | None  # the page number, in the document's base, when it pages by number
    next_url: str | None
    previous_url: str | None
    next_cursor: str | None
    first_id: str | None


def fill(
    generated: Any, shape: Envelope, items: list[Any], facts: PageFacts, valid: Callable[[Schema, Any], bool]
) -> Any:
    """`generated` (a valid envelope) with `items` in place and the page fields set."""
    if not shape.items_at:
        return items
    body = dict(generated) if isinstance(generated, dict) else {}
    _set(body, shape.items_at, items)
    pages = -(-facts.total // facts.limit) if facts.limit > 0 else 0
    values: dict[str, Any] = {
        "total": facts.total,
        "pages": pages,
        "page": facts.page,
        "limit": facts.limit,
        "offset": facts.offset,
        "next": facts.next_url,
        "previous": facts.previous_url,
        "has_more": facts.next_url is not None or facts.next_cursor is not None,
        "cursor": facts.next_cursor,
        "first_id": facts.first_id,
    }
    for role, path, schema, required in shape.fields:
        value = values.get(role)
        if role == "page" and value is None:
            continue
        if valid(schema, value):
            _set(body, path, value)
        elif value is None and not required:
            _set(body, path, _ABSENT)
    return body


_ABSENT = object()


def _set(body: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    """Set (or, with `_ABSENT`, remove) the field at `path`, copying the objects on the way so
    a cached generated envelope is never changed."""
    node = body
    for name in path[:-1]:
        child = node.get(name)
        if not isinstance(child, dict):
            return
        node[name] = child = dict(child)
        node = child
    if value is _ABSENT:
        node.pop(path[-1], None)
    else:
        node[path[-1]] = value


def _real(schema: Schema, faker: SchemaFaker) -> Schema:
    """The non-null alternative of a nullable `anyOf`/`oneOf` (FastAPI's `X | None`)."""
    options = schema.get("anyOf") or schema.get("oneOf")
    if isinstance(options, list):
        real = [faker.flatten(o) for o in options if type_of(faker.flatten(o)) != "null"]
        if len(real) == 1:
            return real[0]
    return schema


def _int(value: Any) -> int | None:
    return value if type(value) is int else None
