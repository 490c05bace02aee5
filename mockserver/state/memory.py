"""The default state backend: dictionaries in this process.

A collection keeps its objects in a dict (creation order) and their ids in an `OrderedDict`
moved to the end on each write (last-write order), so an unfiltered page in either order, either
direction, costs its offset plus its length, not the collection's size. A filter on a field
builds an index of that field the first time it is asked for, kept up to date on every write
after that; the index gives the matches and their count exactly (equality on the value's text,
or on any item of a list), and the page is found by walking the order (many matches) or by
sorting the matches by their recorded positions (few). `max_records` bounds each API: the
oldest object is evicted and counted.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter, OrderedDict
from collections.abc import Collection
from typing import Any

from .store import CREATED, UPDATED, Page, Query, api_of, ordered, text, window


class _Collection:
    def __init__(self) -> None:
        self.items: dict[str, dict[str, Any]] = {}
        self.written: OrderedDict[str, None] = OrderedDict()
        self.indexes: dict[str, dict[str, dict[str, None]]] = {}
        self.created_at: dict[str, int] = {}  # id → position in the creation order
        self.written_at: dict[str, int] = {}  # id → position in the last-write order

    def index(self, name: str) -> dict[str, dict[str, None]]:
        found = self.indexes.get(name)
        if found is None:
            found = self.indexes[name] = {}
            for item_id, value in self.items.items():
                _add(found, item_id, value.get(name))
        return found


def _values(field: Any) -> list[str]:
    return [text(item) for item in field] if type(field) is list else [text(field)]


def _add(index: dict[str, dict[str, None]], item_id: str, field: Any) -> None:
    for value in _values(field):
        index.setdefault(value, {})[item_id] = None


def _remove(index: dict[str, dict[str, None]], item_id: str, field: Any) -> None:
    for value in _values(field):
        ids = index.get(value)
        if ids is not None:
            ids.pop(item_id, None)
            if not ids:
                del index[value]


class MemoryStore:
    """`Store` in this process's memory."""

    def __init__(self, max_records: int = 100_000) -> None:
        self.max_records = max_records
        self._collections: dict[str, _Collection] = {}
        self._ages: dict[str, OrderedDict[tuple[str, str], None]] = {}
        self._evicted: Counter[str] = Counter()
        self._clock = 0

    def get(self, key: str, item_id: str) -> dict[str, Any] | None:
        collection = self._collections.get(key)
        return collection.items.get(item_id) if collection is not None else None

    def put(self, key: str, item_id: str, value: dict[str, Any], touch: bool = True) -> None:
        collection = self._collections.get(key)
        if collection is None:
            collection = self._collections[key] = _Collection()
        old = collection.items.get(item_id)
        for name, index in collection.indexes.items():
            if old is not None:
                _remove(index, item_id, old.get(name))
            _add(index, item_id, value.get(name))
        collection.items[item_id] = value
        self._clock += 1
        if old is None:
            collection.created_at[item_id] = self._clock
        if old is None or touch:
            collection.written[item_id] = None
            collection.written.move_to_end(item_id)
            collection.written_at[item_id] = self._clock
        if old is None:
            ages = self._ages.setdefault(api_of(key), OrderedDict())
            ages[(key, item_id)] = None
            while len(ages) > self.max_records:
                (old_key, old_id), _ = ages.popitem(last=False)
                self._drop(old_key, old_id)
                self._evicted[api_of(key)] += 1

    def delete(self, key: str, item_id: str) -> bool:
        if self._drop(key, item_id):
            self._ages.get(api_of(key), OrderedDict()).pop((key, item_id), None)
            return True
        return False

    def _drop(self, key: str, item_id: str) -> bool:
        collection = self._collections.get(key)
        if collection is None or item_id not in collection.items:
            return False
        old = collection.items.pop(item_id)
        collection.written.pop(item_id, None)
        collection.created_at.pop(item_id, None)
        collection.written_at.pop(item_id, None)
        for name, index in collection.indexes.items():
            _remove(index, item_id, old.get(name))
        return True

    def page(self, key: str, query: Query) -> Page:
        collection = self._collections.get(key)
        if collection is None:
            return Page([], 0)
        order = collection.items if query.order == CREATED else collection.written
        if query.order not in (CREATED, UPDATED):
            return window(ordered(list(collection.items.items()), query), query)
        if query.filters:
            candidates = self._candidates(collection, query)
            walk = (query.offset + query.limit) * len(order) / max(len(candidates), 1)
            if query.after is None and walk < len(candidates) * max(math.log2(len(candidates) or 1), 1):
                return self._dense(collection, order, candidates, query)
            position = collection.created_at if query.order == CREATED else collection.written_at
            ids = sorted(candidates, key=position.__getitem__, reverse=query.descending)
            return window([(i, collection.items[i]) for i in ids], query)
        if query.after is not None:
            return window(
                ordered(
                    list(collection.items.items())
                    if query.order == CREATED
                    else [(i, collection.items[i]) for i in order],
                    query,
                ),
                query,
            )
        ids_in_order = reversed(order) if query.descending else iter(order)
        chosen_ids = itertools.islice(ids_in_order, query.offset, query.offset + query.limit)
        return Page([(i, collection.items[i]) for i in chosen_ids], len(collection.items))

    def _dense(self, collection: _Collection, order: Any, candidates: Collection[str], query: Query) -> Page:
        """A page of a filter that selects a good share of the collection: walk the order
        until the page is full instead of sorting every match."""
        walk = reversed(order) if query.descending else iter(order)
        chosen = itertools.islice((i for i in walk if i in candidates), query.offset, query.offset + query.limit)
        return Page([(i, collection.items[i]) for i in chosen], len(candidates))

    def _candidates(self, collection: _Collection, query: Query) -> Collection[str]:
        """The ids every filter selects: the index's own entry for one filter with one value,
        else the intersection of the unions."""
        if len(query.filters) == 1 and len(query.filters[0][1]) == 1:
            name, (value,) = query.filters[0]
            return collection.index(name).get(value, {}).keys()
        sets = []
        for name, accepted in query.filters:
            index = collection.index(name)
            found: set[str] = set()
            for value in accepted:
                found.update(index.get(value, ()))
            sets.append(found)
        sets.sort(key=len)
        return set.intersection(*sets) if sets else set()

    def clear(self) -> None:
        self._collections.clear()
        self._ages.clear()
        self._evicted.clear()

    def claim_seeding(self) -> bool:
        return True

    def collections(self, api: str) -> dict[str, int]:
        return {key: len(c.items) for key, c in self._collections.items() if c.items and api_of(key) == api}

    def stats(self) -> dict[str, dict[str, int]]:
        return {api: {"records": len(ages), "evicted": self._evicted[api]} for api, ages in self._ages.items()}
