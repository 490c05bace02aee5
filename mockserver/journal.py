"""The record stage: every request to a mounted API, and every object it created.

Appending is cheap on purpose (raw values into a bounded deque); decoding, masking and filtering
happen only when `/__admin/*` is read. Both stores are ring buffers of `--journal-size` entries,
so memory stays flat under any load.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import deque
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

import orjson

from .http import Request, Response

_ALWAYS_SECRET = frozenset({"authorization", "proxy-authorization", "cookie", "x-api-key", "api-key", "x-auth-token"})


@dataclass(frozen=True)
class Entry:
    """One request/response exchange, stored raw."""

    at: float
    api: str
    operation: str | None
    request: Request
    status: int
    response_body: bytes
    duration_ms: float


@dataclass(frozen=True)
class Record:
    """An object a successful create brought into being, as the response described it."""

    api: str
    id: Any
    object: Any
    request: Any
    created_at: float


def mask(value: str) -> str:
    """Hide a credential but its last 4 characters, keeping an auth scheme readable."""
    scheme, space, secret = value.partition(" ")
    if not space or not scheme.isalpha():
        scheme, secret = "", value
    hidden = "*" * max(len(secret) - 4, 0) + secret[-4:] if len(secret) > 4 else "*" * len(secret)
    return f"{scheme} {hidden}" if scheme else hidden


class Journal:
    """Bounded request journal and created-record store shared by all APIs."""

    def __init__(self, size: int, secret_names: Iterable[str] = ()) -> None:
        self._entries: deque[Entry] = deque(maxlen=size)
        self._records: deque[Record] = deque(maxlen=size)
        self._secret = _ALWAYS_SECRET | {name.lower() for name in secret_names}

    def append(self, entry: Entry) -> None:
        self._entries.append(entry)

    def add_record(self, record: Record) -> None:
        self._records.append(record)

    def clear(self) -> None:
        self._entries.clear()
        self._records.clear()

    def clear_requests(self) -> None:
        self._entries.clear()

    def requests(
        self,
        api: str | None = None,
        method: str | None = None,
        path: str | None = None,
        status: int | None = None,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        """Entries matching every given filter, oldest first, as JSON-ready dicts."""
        chosen = [
            e
            for e in list(self._entries)
            if (api is None or e.api == api)
            and (method is None or e.request.method == method.upper())
            and (path is None or e.request.path == path)
            and (status is None or e.status == status)
        ]
        if limit is not None:
            chosen = chosen[-limit:] if limit > 0 else []
        return [self._render(e) for e in chosen]

    def records(self, api: str | None = None, user_id: str | None = None) -> list[dict[str, Any]]:
        return [
            {"api": r.api, "id": r.id, "object": r.object, "created_at": _iso(r.created_at)}
            for r in list(self._records)
            if (api is None or r.api == api) and (user_id is None or _owned_by(r, user_id))
        ]

    def _render(self, entry: Entry) -> dict[str, Any]:
        request = entry.request
        return {
            "time": _iso(entry.at),
            "api": entry.api,
            "operation": entry.operation,
            "method": request.method,
            "path": request.path,
            "query": [[k, mask(v) if k.lower() in self._secret else v] for k, v in request.query],
            "headers": {k: mask(v) if k in self._secret else v for k, v in request.headers.items()},
            "body": _decode(request.body),
            "status": entry.status,
            "response": _decode(entry.response_body),
            "duration_ms": round(entry.duration_ms, 3),
        }


def entry_for(api: str, operation: str | None, request: Request, response: Response, started: float) -> Entry:
    return Entry(time.time(), api, operation, request, response.status, response.body, (time.perf_counter() - started) * 1000)


def _decode(body: bytes) -> Any:
    """JSON when the body is JSON, text otherwise, `None` when empty."""
    if not body:
        return None
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return body.decode("utf-8", "replace")


def _owned_by(record: Record, user_id: str) -> bool:
    for source in (record.object, record.request):
        if _find(source, ("user_id", "userId")) == user_id:
            return True
    return False


def _find(value: Any, names: tuple[str, ...]) -> Any:
    if isinstance(value, Mapping):
        for name in names:
            if name in value:
                return value[name]
        for item in value.values():
            found = _find(item, names)
            if found is not None:
                return found
    return None


def _iso(moment: float) -> str:
    return dt.datetime.fromtimestamp(moment, dt.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
