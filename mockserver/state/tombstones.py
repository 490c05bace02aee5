"""Items a successful DELETE removed: later requests to them, or to anything beneath them,
answer 404, as the vendor would, and as fuzzers check ("deleted resource still available").

This is the first, stateless-friendly slice of state: the mock still invents what a read
returns, but never contradicts a delete it acknowledged. A later PUT to the same URL brings the
item back. Bounded, oldest forgotten first; `/__admin/reset` clears it.
"""

from __future__ import annotations

from collections import OrderedDict


class Tombstones:
    """Deleted item paths of one API."""

    def __init__(self, size: int = 10_000) -> None:
        self._size = size
        self._paths: OrderedDict[str, None] = OrderedDict()

    def bury(self, path: str) -> None:
        self._paths[path.rstrip("/")] = None
        self._paths.move_to_end(path.rstrip("/"))
        while len(self._paths) > self._size:
            self._paths.popitem(last=False)

    def revive(self, path: str) -> None:
        self._paths.pop(path.rstrip("/"), None)

    def buried(self, path: str) -> bool:
        """Whether `path` or an ancestor of it was deleted."""
        if not self._paths:
            return False
        path = path.rstrip("/")
        while path:
            if path in self._paths:
                return True
            path = path.rpartition("/")[0]
        return False

    def clear(self) -> None:
        self._paths.clear()
