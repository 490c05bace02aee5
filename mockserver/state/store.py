"""What every state backend offers, and the list semantics they all share.

A backend stores JSON objects per *collection key* (an API, a collection path and the values of
its scope parameters, joined by `key`), each under its id as a string, and remembers two orders:
when each object was created and when it was last written. A list asks for one `Query`: equality
filters (a list-valued field matches when it contains any of the values), an order, and a
window. The in-process, SQLite and Redis stores implement the same `Store` protocol and pass the
same tests; `matches` and `sort_key` are the one definition of a filter and of a field order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import orjson

CREATED, UPDATED = "created", "updated"
SEPARATOR = "\x1f"


@dataclass(frozen=True)
class Query:
    """One list request: filters (field, accepted values), order, and window."""

    filters: tuple[tuple[str, tuple[str, ...]], ...] = ()
    order: str = CREATED  # CREATED, UPDATED or a field name
    descending: bool = False
    offset: int = 0
    limit: int = 20
    after: str | None = None  # an id: start after it (cursor pagination by id)


@dataclass(frozen=True)
class Page:
    items: list[tuple[str, dict[str, Any]]]
    total: int


class Store(Protocol):
    """The state stage's backend (see the module docstring)."""

    def get(self, key: str, item_id: str) -> dict[str, Any] | None: ...

    def put(self, key: str, item_id: str, value: dict[str, Any], touch: bool = True) -> None:
        """Insert, or replace keeping the creation order. A write moves the object to the end
        of the `UPDATED` order; `touch=False` (a read storing what it generated) does not."""

    def delete(self, key: str, item_id: str) -> bool: ...

    def page(self, key: str, query: Query) -> Page: ...

    def clear(self) -> None:
        """Forget every object of every API."""

    def stats(self) -> dict[str, dict[str, int]]:
        """Per API: how many objects are stored and how many were evicted (`/__admin/health`)."""
        ...

    def collections(self, api: str) -> dict[str, int]:
        """`api`'s non-empty collections (their keys) and how many objects each holds: what
        the inspector lists, scoped collections included."""
        ...

    def claim_seeding(self) -> bool:
        """Whether this process should store the initial data: always for a private store;
        for a shared one, only the first process to ask since the last `clear`."""
        ...


def key(api: str, collection: str, scope: Iterable[str] = ()) -> str:
    """The collection key: `api`, the collection template and its scope values."""
    return SEPARATOR.join((api, collection, *scope))


def api_of(collection_key: str) -> str:
    return collection_key.split(SEPARATOR, 1)[0]


def split(collection_key: str) -> tuple[str, str, tuple[str, ...]]:
    """`key`'s parts: the API, the collection template and the scope values."""
    api, collection, *scope = collection_key.split(SEPARATOR)
    return api, collection, tuple(scope)


def text(value: Any) -> str:
    """How a stored value compares with a query parameter's text: strings as they are,
    everything else as JSON (`true`, `1`, `null`)."""
    return value if type(value) is str else orjson.dumps(value).decode()


def matches(value: Mapping[str, Any], filters: tuple[tuple[str, tuple[str, ...]], ...]) -> bool:
    for name, accepted in filters:
        field = value.get(name)
        if type(field) is list:
            if not any(text(item) in accepted for item in field):
                return False
        elif text(field) not in accepted:
            return False
    return True


def sort_key(value: Mapping[str, Any], name: str) -> tuple[int, Any]:
    """Absent and null values last; numbers by value; anything else by its text."""
    field = value.get(name)
    if field is None:
        return (2, "")
    if type(field) in (int, float):
        return (0, field)
    return (1, text(field))


def window(ordered: list[tuple[str, dict[str, Any]]], query: Query) -> Page:
    """The page of an already filtered and ordered list (the stores that cannot index use it)."""
    start = query.offset
    if query.after is not None:
        ids = [item_id for item_id, _ in ordered]
        start = ids.index(query.after) + 1 if query.after in ids else len(ids)
    return Page(ordered[start : start + query.limit], len(ordered))


def ordered(items: list[tuple[str, dict[str, Any]]], query: Query) -> list[tuple[str, dict[str, Any]]]:
    """`items`, in creation or last-write order, filtered and sorted as `query` asks."""
    chosen = [(i, v) for i, v in items if matches(v, query.filters)] if query.filters else list(items)
    if query.order in (CREATED, UPDATED):
        return chosen[::-1] if query.descending else chosen
    return sorted(chosen, key=lambda pair: sort_key(pair[1], query.order), reverse=query.descending)
