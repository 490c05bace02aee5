"""The record stage: every request to a mounted API, and every object it created.

Appending is cheap on purpose: each exchange is stored as one flat tuple of strings, numbers and
the bodies' bytes as they went over the wire (about 1 KB), into a bounded deque. Decoding,
masking and filtering happen only when `/__admin/*` is read. Both stores are ring buffers of
`--journal-size` entries, so memory stays flat under any load.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import time
from collections import deque
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple
from urllib.parse import parse_qsl

import orjson

from ..server.http import Request, Response

_USER_FIELDS = ("user_id", "userId")
_ALWAYS_SECRET = frozenset({"authorization", "proxy-authorization", "cookie", "x-api-key", "api-key", "x-auth-token"})


BODY_LIMIT = 64 * 1024
_PROCESS = f"{os.getpid():x}-"
_NUMBERS = itertools.count(1)


class Entry(NamedTuple):
    """One request/response exchange, stored raw; bodies cut at `BODY_LIMIT` bytes, with their
    full sizes kept, so memory stays bounded when clients upload large files."""

    at: float
    api: str
    operation: str | None
    method: str
    path: str
    query_string: str
    headers: str
    body: bytes
    status: int
    response: bytes
    duration_ms: float
    body_size: int = 0
    response_size: int = 0
    record: str | None = None  # the stored object the answer read or wrote (its id)
    response_headers: str = ""
    problems: str = ""  # every reason the request was refused, one per line
    uid: str = ""  # unique across processes: how the inspector tells entries apart
    upstream: str = ""  # the vendor URL a proxied request went to (`--upstream`)


class Record(NamedTuple):
    """An object a successful create brought into being: the response body as sent."""

    api: str
    id: Any
    response: bytes
    request: bytes
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

    def mask_also(self, secret_names: Iterable[str]) -> None:
        """Mask these header and query names too (an API added by hot reload)."""
        self._secret = self._secret | {name.lower() for name in secret_names}

    def add_record(self, record: Record) -> None:
        self._records.append(record)

    def masked(self, name: str, value: str) -> str:
        """`value` as the journal shows it: masked when `name` carries a credential."""
        return mask(value) if name.lower() in self._secret else value

    def clear(self) -> None:
        self._entries.clear()
        self._records.clear()

    def clear_requests(self) -> None:
        self._entries.clear()

    def generation(self) -> int:
        """Changes whenever another process resets the mock (see `SharedJournal`)."""
        return 0

    def _entry_rows(self) -> list[Entry]:
        return list(self._entries)

    def _record_rows(self) -> list[Record]:
        return list(self._records)

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
            for e in self._entry_rows()
            if (api is None or e.api == api)
            and (method is None or e.method == method.upper())
            and (path is None or e.path == path)
            and (status is None or e.status == status)
        ]
        if limit is not None:
            chosen = chosen[-limit:] if limit > 0 else []
        return [self._render(e) for e in chosen]

    def records(self, api: str | None = None, user_id: str | None = None) -> list[dict[str, Any]]:
        found = []
        for record in self._record_rows():
            if api is not None and record.api != api:
                continue
            created = _decode(record.response)
            if user_id is not None and user_id not in (
                _find(created, _USER_FIELDS),
                _find(_decode(record.request), _USER_FIELDS),
            ):
                continue
            found.append({"api": record.api, "id": record.id, "object": created, "created_at": _iso(record.created_at)})
        return found

    def _render(self, entry: Entry) -> dict[str, Any]:
        headers = dict(line.split(": ", 1) for line in entry.headers.split("\n") if ": " in line)
        return {
            "time": _iso(entry.at),
            "api": entry.api,
            "operation": entry.operation,
            "method": entry.method,
            "path": entry.path,
            "query": [
                [k, mask(v) if k.lower() in self._secret else v]
                for k, v in parse_qsl(entry.query_string, keep_blank_values=True)
            ],
            "headers": {k: mask(v) if k in self._secret else v for k, v in headers.items()},
            "body": _decode(entry.body),
            "status": entry.status,
            "response": _decode(entry.response),
            "duration_ms": round(entry.duration_ms, 3),
            "record": entry.record,
            "id": entry.uid,
            "response_headers": dict(
                line.split(": ", 1) for line in entry.response_headers.split("\n") if ": " in line
            ),
            "problems": entry.problems.split("\n") if entry.problems else [],
            "upstream": entry.upstream or None,
            **_truncation("body", len(entry.body), entry.body_size),
            **_truncation("response", len(entry.response), entry.response_size),
        }


def entry_for(api: str, operation: str | None, request: Request, response: Response, took_ms: float) -> Entry:
    """The journal's row for one exchange; a proxied answer's body is kept without its content
    coding, so the journal shows what the vendor said rather than gzip bytes."""
    headers = "\n".join(map(": ".join, request.headers.items()))
    answered = response.plain if response.plain is not None else response.body
    return Entry(
        time.time(),
        api,
        operation,
        request.method,
        request.path,
        request.query_string,
        headers,
        compact(request.body[:BODY_LIMIT]),
        response.status,
        compact(answered[:BODY_LIMIT]),
        took_ms,
        len(request.body),
        len(answered),
        response.record,
        "\n".join(map(": ".join, _sent_headers(response))),
        "\n".join(response.problems),
        _PROCESS + str(next(_NUMBERS)),
        response.upstream or "",
    )


def _sent_headers(response: Response) -> list[tuple[str, str]]:
    """The headers the pipeline chose (the HTTP layer adds the length and CORS ones)."""
    if response.media_type is None:
        return response.headers
    return [("content-type", response.media_type), *response.headers]


def _truncation(name: str, kept: int, size: int) -> dict[str, Any]:
    """`{"<name>_truncated": true, "<name>_bytes": size}` when only part of a body was kept."""
    if size <= kept:
        return {}
    return {f"{name}_truncated": True, f"{name}_bytes": size}


def compact(data: bytes) -> bytes:
    """An exact-size copy of `data` for long-term storage: orjson's output keeps a ~4 KB
    allocation behind even a tiny body, which 10,000 journal entries would multiply."""
    return bytes(memoryview(data))


def _decode(body: bytes) -> Any:
    """JSON when the body is JSON, text otherwise, `None` when empty."""
    if not body:
        return None
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return body.decode("utf-8", "replace")


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
    return dt.datetime.fromtimestamp(moment, dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
