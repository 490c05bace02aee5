"""The state stage for one API: what a request reads from, and writes to, the store.

The pipeline asks two things of a stateful operation (its role comes from the resource map):
before answering, `missing` — is the addressed object absent, so the answer is a 404; and in
place of inventing a success body, `answer` — the stored object shaped to the response schema,
or a page of them in the list envelope. After the response guard accepted an answer, `commit`
writes what it changed. Shaping goes through the composer with the stored object as its
source, so a read echoes what was created and generates only what the object lacks; what was
generated is stored too, so the next read is identical.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from ..bounded import Bounded
from ..jsonio import clone
from ..mocker.composer import Composer
from ..mocker.generator import Schema, SchemaFaker, type_of
from ..mocker.lists import Envelope, PageFacts, envelope, fill
from ..mocker.streams import rfc3339
from ..server.http import Request
from ..spec import Operation
from ..spec.resources import (
    CREATE,
    DELETE,
    DELETE_MANY,
    LIST,
    MERGE,
    READ,
    REPLACE,
    SINGLETON_DELETE,
    SINGLETON_READ,
    SINGLETON_WRITE,
    Resource,
    ResourceMap,
)
from .store import CREATED, UPDATED, Query, Store, key, matches, text

_LIMITS = ("limit", "page_size", "pageSize", "per_page", "perPage", "size", "max_results", "maxResults", "top", "count")
_OFFSETS = ("offset", "skip", "start")
_PAGES = ("page", "page_number", "pageNumber")
_CURSORS = (
    "after",
    "cursor",
    "starting_after",
    "page_token",
    "pageToken",
    "next_cursor",
    "nextCursor",
    "continuation_token",
)
_SORTS = ("sort_by", "sortBy", "order_by", "orderBy", "sort")
_DIRECTIONS = ("sort_order", "sortOrder", "order", "direction", "sort_direction")
_UPDATED_FIELDS = ("updated_at", "updatedAt", "updated", "modified_at", "modifiedAt", "last_modified", "lastModified")
_UNPAGED = 1000  # a list without pagination parameters answers at most this many objects
_VIEWS = 4096  # shaped objects remembered per API
_FARTHEST = 2**62  # offsets beyond any collection (page=2**60 is a valid integer) stop here
ITEM_ROLES = frozenset({READ, REPLACE, MERGE, DELETE})


@dataclass(frozen=True)
class Answer:
    """A success body made from the store, and the write it implies once it is sent."""

    body: Any
    record: str | None  # the stored object's id, for the journal
    write: tuple[str, str, dict[str, Any]] | None = None  # (collection key, id, object)
    remove: tuple[str, str] | None = None
    touch: bool = True  # False when a read only stores what it generated
    removals: tuple[tuple[str, str], ...] = ()  # a DELETE on the collection
    more: tuple[tuple[str, str, dict[str, Any]], ...] = ()  # a create that made several


class Keeper:
    """Resolves state for one API's stateful operations (see the module docstring)."""

    def __init__(
        self, api_name: str, resources: ResourceMap, store: Store, composer: Composer, faker: SchemaFaker
    ) -> None:
        self.api = api_name
        self.resources = resources
        self.store = store
        self.composer = composer
        self.faker = faker
        self.roles = resources.roles()
        self._envelopes: dict[int, Envelope | None] = {}
        self._views: Bounded[tuple[str, str, int], tuple[dict[str, Any], Any]] = Bounded(_VIEWS)
        self._wrappers: dict[str, Any] = {}

    def forget(self) -> None:
        """Drop what was remembered, so a reset seeded server repeats a fresh one's answers."""
        self._views.clear()
        self._wrappers.clear()

    def role(self, op: Operation) -> tuple[str, Resource] | None:
        return self.roles.get(op.routing_id)

    def locate(self, role: str, resource: Resource, request: Request) -> tuple[str, str | None]:
        """The collection key and, for an item, the id a request addresses."""
        values = list(request.path_params.values())
        if role in ITEM_ROLES:
            collection = key(self.api, resource.path, values[:-1])
            return collection, self._stored_id(collection, values[-1], request) if values else None
        return key(self.api, resource.path, values), None

    def _stored_id(self, collection: str, item_id: str, request: Request) -> str:
        """The id as decoded from the path; or, when only that is stored, the segment as sent:
        an id that itself contains `%41`-like text was put in the URL without encoding its `%`
        (fuzzers do this with links), and no other stored object can be meant."""
        raw = request.raw_path.rstrip("/").rpartition("/")[2]
        if (
            raw != item_id
            and self.store.get(collection, item_id) is None
            and self.store.get(collection, raw) is not None
        ):
            return raw
        return item_id

    def missing(self, op: Operation, role: str, resource: Resource, request: Request) -> bool:
        """Whether a read, merge or delete addresses an object that is not stored (or not one
        the request's own field filters, such as `?user_id=`, would select)."""
        if role not in (READ, MERGE, DELETE, SINGLETON_DELETE):
            return False
        collection, item_id = self.locate(role, resource, request)
        stored = self.store.get(collection, item_id or "")
        if stored is None:
            return True
        return role == READ and not matches(stored, self._filters(op, request, stored))

    def answer(
        self,
        op: Operation,
        role: str,
        resource: Resource,
        schema: Schema | None,
        request: Request,
        body: Any,
        example: Any,
    ) -> Answer | None:
        """The success body for a stateful request; None to let the composer invent it."""
        collection, item_id = self.locate(role, resource, request)
        if role == LIST:
            return self._list(op, resource, schema, collection, request, example)
        if role in (READ, SINGLETON_READ):
            stored = self.store.get(collection, item_id or "")
            if stored is None:
                if role == READ:
                    return None
                stored = {}
            shaped, filled = self._view(op, schema, collection, item_id or "", stored, example)
            write = (collection, item_id or "", filled) if filled is not stored else None
            return Answer(shaped, item_id, write, touch=False)
        if role in (REPLACE, MERGE, SINGLETON_WRITE):
            old = self.store.get(collection, item_id or "") or {}
            sent = body if isinstance(body, dict) else {}
            new = (
                _merged(old, sent)
                if role == MERGE or (role == SINGLETON_WRITE and op.method == "PATCH")
                else _replaced(old, sent, resource)
            )
            if resource.id_field is not None and item_id is not None:
                new[resource.id_field] = _typed_id(old.get(resource.id_field), item_id, self._id_type(op))
            self._touch(new)
            shaped, filled = self._shape(op, schema, new, example)
            return Answer(shaped, item_id, (collection, item_id or "", filled))
        if role in (DELETE, SINGLETON_DELETE):
            return Answer(None, item_id, remove=(collection, item_id or ""))
        if role == DELETE_MANY:
            doomed = self._doomed(op, collection, body)
            return Answer(None, None, removals=tuple((collection, i) for i in doomed)) if doomed is not None else None
        return None

    def _doomed(self, op: Operation, collection: str, body: Any) -> list[str] | None:
        """The ids a DELETE on the collection removes: those its body lists under an `…ids`
        field, or every one when the operation takes no body; None when it says neither."""
        if isinstance(body, dict):
            for name, value in body.items():
                if name.lower().endswith("ids") and isinstance(value, list):
                    return [text(v) for v in value if isinstance(v, (str, int))]
            return None
        if op.request_body is not None:
            return None
        return [item_id for item_id, _ in self.store.page(collection, Query(limit=1_000_000_000)).items]

    def created(
        self, op: Operation, resource: Resource, request: Request, sent: Any, body: Any, identity: Any
    ) -> Answer:
        """The objects a successful create stored: what was sent, overlaid by what was answered
        — one object, or each object of a create that answers a list of them."""
        collection, _ = self.locate(CREATE, resource, request)
        if isinstance(body, list):
            objects: list[dict[str, Any] | None] = [item for item in body if isinstance(item, dict)] or [None]
        else:
            objects = [
                _object_with(body, resource.id_field)
                if resource.id_field
                else (body if isinstance(body, dict) else None)
            ]
        writes = []
        for obj in objects:
            stored = {**(sent if isinstance(sent, dict) else {}), **(obj or {})}
            item_id = stored.get(resource.id_field) if resource.id_field else None
            if item_id is None and len(objects) == 1:
                item_id = identity
            if item_id is None or isinstance(item_id, (dict, list)):
                item_id = self.faker.streams.uuid4()
            writes.append((collection, text(item_id), stored))
        return Answer(body, writes[0][1], writes[0], more=tuple(writes[1:]))

    def commit(self, answer: Answer) -> None:
        if answer.write is not None:
            self.store.put(*answer.write, touch=answer.touch)
        for write in answer.more:
            self.store.put(*write)
        if answer.remove is not None:
            self.store.delete(*answer.remove)
        for removal in answer.removals:
            self.store.delete(*removal)

    def _shape(
        self, op: Operation, schema: Schema | None, stored: dict[str, Any], example: Any
    ) -> tuple[Any, dict[str, Any]]:
        """`stored` as `schema` presents it, and the object with whatever shaping generated."""
        shaped = self.composer.body(op, schema, stored, example)
        if not isinstance(shaped, dict):
            return shaped, stored
        filled = stored
        for name, value in shaped.items():
            if name not in stored or stored[name] != value:
                if filled is stored:
                    filled = dict(stored)
                filled[name] = clone(value)
        return shaped, filled

    def _list(
        self, op: Operation, resource: Resource, schema: Schema | None, collection: str, request: Request, example: Any
    ) -> Answer | None:
        shape = self._envelope(schema, resource)
        if shape is None:
            return None
        params = _Params(op, request)
        limit, offset, page_number, base = params.window(shape.max_items)
        after = params.first(_CURSORS)
        order, descending = params.order()
        fields = self.faker.flatten(shape.item_schema).get("properties") or {}
        query = Query(self._filters(op, request, fields), order, descending, offset, limit, after)
        page = self.store.page(collection, query)
        items = []
        item_example = example[0] if isinstance(example, list) and example else None
        for item_id, stored in page.items:
            shaped, filled = self._view(op, shape.item_schema, collection, item_id, stored, item_example)
            if filled is not stored:
                self.store.put(collection, item_id, filled, touch=False)
            items.append(shaped)
        more = (after is None and offset + len(items) < page.total) or (
            after is not None and len(items) == limit and bool(items)
        )
        last_id = page.items[-1][0] if page.items else None
        facts = PageFacts(
            total=page.total,
            offset=offset,
            limit=limit,
            page=page_number,
            next_url=params.url(request, offset + limit, page_number + 1 if page_number is not None else None, last_id)
            if more
            else None,
            previous_url=params.url(
                request, max(offset - limit, 0), page_number - 1 if page_number is not None else None, None
            )
            if offset > 0 and page_number != base
            else None,
            next_cursor=last_id if more else None,
            first_id=page.items[0][0] if page.items else None,
        )
        return Answer(
            fill(
                self._wrapper(op, schema, example) if shape.items_at else None,
                shape,
                items,
                facts,
                self.faker.judge.valid,
            ),
            None,
        )

    def _wrapper(self, op: Operation, schema: Schema | None, example: Any) -> Any:
        """The list envelope's own fields, generated once per operation (`fill` copies it)."""
        if op.routing_id not in self._wrappers:
            self._wrappers[op.routing_id] = self.composer.body(op, schema, {}, example)
        return self._wrappers[op.routing_id]

    def _view(
        self, op: Operation, schema: Schema | None, collection: str, item_id: str, stored: dict[str, Any], example: Any
    ) -> tuple[Any, dict[str, Any]]:
        """`_shape`, remembered per object and schema until the object changes: a list of 20
        costs 20 dictionary lookups instead of 20 compositions. (A shared store hands out a
        fresh copy each time, compared by value.)"""
        key = (collection, item_id, id(schema))
        hit = self._views.get(key)
        if hit is not None and (hit[0] is stored or hit[0] == stored):
            return hit[1], stored
        shaped, filled = self._shape(op, schema, stored, example)
        self._views.remember(key, (filled, shaped))
        return shaped, filled

    def _envelope(self, schema: Schema | None, resource: Resource) -> Envelope | None:
        cache_key = id(schema)
        if cache_key not in self._envelopes:
            self._envelopes[cache_key] = envelope(schema, self.faker, resource.path)
        return self._envelopes[cache_key]

    def _filters(
        self, op: Operation, request: Request, fields: Mapping[str, Any]
    ) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """Query parameters that name one of `fields` (of the stored object, or of the list's
        item schema), with the values sent; an array parameter's values split at commas."""
        declared = {p.get("name"): p for p in op.parameters if p.get("in") == "query"}
        skip = {*_LIMITS, *_OFFSETS, *_PAGES, *_CURSORS, *_SORTS, *_DIRECTIONS}
        sent: dict[str, list[str]] = {}
        for name, value in request.query:
            if name in declared and name not in skip:
                array = type_of(self.faker.flatten(declared[name].get("schema") or {})) == "array"
                sent.setdefault(name, []).extend(value.split(",") if array else [value])
        return tuple((n, tuple(v)) for n, v in sent.items() if n in fields)

    def _id_type(self, op: Operation) -> str:
        """The JSON type of the item path parameter (the last one)."""
        params = [p for p in op.parameters if p.get("in") == "path"]
        return type_of(self.faker.flatten(params[-1].get("schema") or {})) if params else "string"

    def _touch(self, obj: dict[str, Any]) -> None:
        """A write changes the object's last-modified time, where it keeps one."""
        for name in _UPDATED_FIELDS:
            if type(obj.get(name)) is str:
                obj[name] = rfc3339(self.faker.streams.now())


class _Params:
    """A list request's pagination and ordering parameters, read with their declared defaults."""

    def __init__(self, op: Operation, request: Request) -> None:
        self.declared = {
            p.get("name"): p for p in op.parameters if p.get("in") == "query" and isinstance(p.get("name"), str)
        }
        self.sent = dict(request.query)

    def value(self, names: Sequence[str]) -> tuple[str | None, Any]:
        for name in names:
            if name in self.declared:
                if name in self.sent:
                    return name, self.sent[name]
                schema = self.declared[name].get("schema")
                if isinstance(schema, Mapping) and "default" in schema:
                    return name, schema["default"]
                return name, None
        return None, None

    def first(self, names: Sequence[str]) -> str | None:
        _, value = self.value(names)
        return str(value) if value not in (None, "") else None

    def window(self, max_items: int | None) -> tuple[int, int, int | None, int]:
        """(limit, offset, page number or None, the first page's number)."""
        limit_name, limit = self.value(_LIMITS)
        cap = max_items or _UNPAGED
        size = _int(limit, 20 if limit_name else cap)
        if limit_name:
            maximum = (self.declared[limit_name].get("schema") or {}).get("maximum")
            if isinstance(maximum, (int, float)):
                size = min(size, int(maximum))
        size = max(1, min(size, cap))
        page_name, page = self.value(_PAGES)
        if page_name is not None:
            schema = self.declared[page_name].get("schema") or {}
            base = 0 if schema.get("minimum") == 0 and schema.get("default") in (0, None) else 1
            number = min(max(_int(page, base), base), _FARTHEST // size)
            return size, (number - base) * size, number, base
        _, offset = self.value(_OFFSETS)
        return size, min(max(_int(offset, 0), 0), _FARTHEST), None, 0

    def order(self) -> tuple[str, bool]:
        _, field = self.value(_SORTS)
        _, direction = self.value(_DIRECTIONS)
        descending = str(direction).lower() in ("desc", "descending", "-1")
        name = str(field) if field not in (None, "") else None
        if name is not None and name.startswith("-"):
            name, descending = name[1:], True
        if name is None or name in ("created_at", "createdAt", "created", "id", "inserted_at"):
            return CREATED, descending
        if name in _UPDATED_FIELDS:
            return UPDATED, descending
        return name, descending

    def url(self, request: Request, offset: int, page: int | None, after: str | None) -> str:
        pairs = [(k, v) for k, v in request.query]
        names = {k for k, _ in pairs}
        updates: dict[str, str] = {}
        if page is not None:
            updates[next(n for n in _PAGES if n in self.declared)] = str(page)
        elif (
            after is not None
            and any(n in self.declared for n in _CURSORS)
            and not any(n in self.declared for n in _OFFSETS)
        ):
            updates[next(n for n in _CURSORS if n in self.declared)] = after
        else:
            updates[next((n for n in _OFFSETS if n in self.declared), "offset")] = str(offset)
        pairs = [(k, updates.pop(k) if k in updates else v) for k, v in pairs if k not in updates or k in names] + list(
            updates.items()
        )
        host = request.headers.get("host") or "127.0.0.1"
        return f"http://{host}{request.path}?{urlencode(pairs)}"


def _int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _merged(old: dict[str, Any], sent: dict[str, Any]) -> dict[str, Any]:
    """A PATCH: the fields sent replace the stored ones; the rest stay."""
    return {**old, **sent}


def _replaced(old: dict[str, Any], sent: dict[str, Any], resource: Resource) -> dict[str, Any]:
    """A PUT: the object becomes what was sent, keeping only what the server owns (its id
    and creation time)."""
    kept = {n: v for n, v in old.items() if n == resource.id_field or n in ("created_at", "createdAt", "created")}
    return {**kept, **sent}


def _typed_id(previous: Any, from_path: str, declared: str) -> Any:
    """The id as the object stores it: an integer id (stored, or declared by the path
    parameter) stays an integer."""
    if (type(previous) is int or declared == "integer") and from_path.lstrip("-").isdigit():
        return int(from_path)
    return from_path


def _object_with(body: Any, field: str | None) -> dict[str, Any] | None:
    """The object inside a create response that carries the id field (the body itself, or a
    wrapped `data`/`memory` object)."""
    pending = [body]
    while pending:
        value = pending.pop(0)
        if type(value) is dict:
            if field in value:
                return value
            pending.extend(v for v in value.values() if type(v) is dict)
    return body if type(body) is dict else None
