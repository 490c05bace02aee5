"""The journal several mock processes share through Redis (`--state redis://…`).

Like `SharedJournal`, each process buffers what it records and writes it in one round trip
every `FLUSH_SECONDS`, so the response path never waits for Redis; `/__admin/*` reads flush
their own buffer and wait out one interval first, so they see every process's traffic. Entries
and created records are two lists trimmed to `--journal-size`. A reset increments a counter the
others read at most once per interval, before a request, to restart their seeded streams.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from .. import jsonio
from .memory import Entry, Record
from .shared import FLUSH_SECONDS, BufferedJournal

_ENTRIES, _RECORDS, _GENERATION = "mockserver:journal", "mockserver:records", "mockserver:generation"


def _pack(row: tuple[Any, ...]) -> bytes:
    """A row as JSON; bodies (bytes) as latin-1 text, which maps every byte to one character."""
    return jsonio.dumps([v.decode("latin-1") if isinstance(v, bytes) else v for v in row])


def _unpack(data: bytes, byte_fields: Iterable[int]) -> list[Any]:
    row: list[Any] = jsonio.loads(data)
    for index in byte_fields:
        row[index] = row[index].encode("latin-1")
    return row


class RedisJournal(BufferedJournal):
    """A `Journal` whose rows live in Redis, for several processes on several machines."""

    def __init__(self, client: Any, size: int, secret_names: Iterable[str] = ()) -> None:
        super().__init__(size, secret_names)
        self._redis = client
        self._size = size
        self._due: list[tuple[str, bytes]] = []
        self._generation = (0.0, 0)

    def append(self, entry: Entry) -> None:
        self._due.append((_ENTRIES, _pack(entry)))
        self._schedule_flush()

    def add_record(self, record: Record) -> None:
        api, record_id, response, request, created_at = record
        self._due.append((_RECORDS, _pack((api, jsonio.dumps(record_id).decode(), response, request, created_at))))
        self._schedule_flush()

    def flush(self) -> None:
        self._flush_scheduled = False
        if not self._due:
            return
        due, self._due = self._due, []
        pipe = self._redis.pipeline(transaction=False)
        for name, data in due:
            pipe.rpush(name, data)
        pipe.ltrim(_ENTRIES, -self._size, -1)
        pipe.ltrim(_RECORDS, -self._size, -1)
        pipe.execute()

    def clear(self) -> None:
        self._due = []
        self._redis.delete(_ENTRIES, _RECORDS)
        self._redis.incr(_GENERATION)

    def clear_requests(self) -> None:
        self._due = [(name, data) for name, data in self._due if name != _ENTRIES]
        self._redis.delete(_ENTRIES)

    def generation(self) -> int:
        checked, value = self._generation
        now = time.monotonic()
        if now - checked >= FLUSH_SECONDS:
            value = int(self._redis.get(_GENERATION) or 0)
            self._generation = (now, value)
        return value

    def _entry_rows(self) -> list[Entry]:
        self._settle()
        return [Entry(*_unpack(data, (7, 9))) for data in self._redis.lrange(_ENTRIES, 0, -1)]

    def _record_rows(self) -> list[Record]:
        self._settle()
        rows = [_unpack(data, (2, 3)) for data in self._redis.lrange(_RECORDS, 0, -1)]
        return [
            Record(api, jsonio.loads(rid.encode()), response, request, at) for api, rid, response, request, at in rows
        ]
