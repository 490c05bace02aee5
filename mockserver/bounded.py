"""A dictionary that keeps at most a fixed number of entries, the oldest forgotten first.

The request path remembers what it has worked out (parameter verdicts per raw value, rejected
requests, rendered error answers, negotiated successes) because clients repeat themselves; a
fuzzer or a hostile client does not, so every such memory is bounded. Reads are plain `dict`
lookups, which keeps the hit path as cheap as the cache is meant to make it.
"""

from __future__ import annotations

from typing import TypeVar

K = TypeVar("K")
V = TypeVar("V")


class Bounded(dict[K, V]):
    """At most `size` entries; `remember` forgets the oldest to make room."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self._size = size

    def remember(self, key: K, value: V) -> V:
        """Store `value` under `key` (forgetting the oldest entry when full) and return it."""
        if key not in self and len(self) >= self._size:
            del self[next(iter(self))]
        self[key] = value
        return value
