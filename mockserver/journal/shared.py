"""The journal and created records shared by `--workers N` processes, in one SQLite file.

Each worker buffers what it records and writes it to the shared database in one transaction
every `FLUSH_SECONDS` (WAL mode, so readers never block writers); a write per request would
serialise the workers on SQLite's lock. `/__admin/*` reads, answered by whichever worker receives
them, first flush their own buffer and wait out one flush interval, so they see every worker's
traffic up to the moment they were asked. The tables are trimmed to `--journal-size` rows. A
reset by one worker bumps a counter in a small file every worker maps into memory, which the
others read before their next request (a memory read, not a system call), so every worker
restarts its seeded streams.
"""

from __future__ import annotations

import asyncio
import mmap
import sqlite3
import struct
import time
from collections.abc import Iterable
from pathlib import Path

from .. import jsonio
from .memory import Entry, Journal, Record

_SCHEMA = """
CREATE TABLE IF NOT EXISTS requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT, at REAL, api TEXT, operation TEXT, method TEXT, path TEXT,
    query_string TEXT, headers TEXT, body BLOB, status INTEGER, response BLOB, duration_ms REAL,
    body_size INTEGER, response_size INTEGER, record TEXT, response_headers TEXT, problems TEXT, uid TEXT,
    upstream TEXT);
CREATE TABLE IF NOT EXISTS records (
    id INTEGER PRIMARY KEY AUTOINCREMENT, api TEXT, record_id TEXT, response BLOB, request BLOB, created_at REAL);
"""
_TRIM_EVERY = 500
FLUSH_SECONDS = 0.01


class BufferedJournal(Journal):
    """A journal whose writes are batched: `flush` (the subclass's) runs `FLUSH_SECONDS` after
    the first unwritten row, so the response path never waits for the shared store."""

    _flush_scheduled = False

    def flush(self) -> None:
        raise NotImplementedError

    def _schedule_flush(self) -> None:
        if self._flush_scheduled:
            return
        self._flush_scheduled = True
        try:
            asyncio.get_running_loop().call_later(FLUSH_SECONDS, self.flush)
        except RuntimeError:  # no event loop (called from plain code): write now
            self.flush()

    def _settle(self) -> None:
        """Flush this process's buffer and give the others one flush interval to do the same."""
        self.flush()
        time.sleep(FLUSH_SECONDS * 2.5)


class SharedJournal(BufferedJournal):
    """A `Journal` whose rows live in SQLite, for several processes at once."""

    def __init__(self, folder: Path, size: int, secret_names: Iterable[str] = ()) -> None:
        super().__init__(size, secret_names)
        self._size = size
        self._resets = _counter(folder / "resets")
        self._db = sqlite3.connect(
            folder / "journal.sqlite3", timeout=10, isolation_level=None, check_same_thread=False
        )
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=OFF")
        self._db.executescript(_SCHEMA)
        self._writes = 0
        self._entries_due: list[Entry] = []
        self._records_due: list[tuple[str, str, bytes, bytes, float]] = []

    def append(self, entry: Entry) -> None:
        self._entries_due.append(entry)
        self._schedule_flush()

    def add_record(self, record: Record) -> None:
        api, record_id, response, request, created_at = record
        self._records_due.append((api, jsonio.dumps(record_id).decode(), response, request, created_at))
        self._schedule_flush()

    def flush(self) -> None:
        """Write everything buffered in one transaction."""
        self._flush_scheduled = False
        if not (self._entries_due or self._records_due):
            return
        entries, records = self._entries_due, self._records_due
        self._entries_due, self._records_due = [], []
        with self._db:
            self._db.execute("BEGIN")
            self._db.executemany("INSERT INTO requests VALUES (NULL,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", entries)
            self._db.executemany("INSERT INTO records VALUES (NULL,?,?,?,?,?)", records)
        self._writes += len(entries) + len(records)
        if self._writes >= _TRIM_EVERY:
            self._writes = 0
            for table in ("requests", "records"):
                self._db.execute(f"DELETE FROM {table} WHERE id <= (SELECT MAX(id) FROM {table}) - ?", (self._size,))

    def clear(self) -> None:
        self._entries_due, self._records_due = [], []
        self._db.execute("DELETE FROM requests")
        self._db.execute("DELETE FROM records")
        _COUNT.pack_into(self._resets, 0, _COUNT.unpack_from(self._resets)[0] + 1)

    def clear_requests(self) -> None:
        self._entries_due = []
        self._db.execute("DELETE FROM requests")

    def generation(self) -> int:
        return int(_COUNT.unpack_from(self._resets)[0])

    def _entry_rows(self) -> list[Entry]:
        self._settle()
        rows = self._db.execute(
            "SELECT at, api, operation, method, path, query_string, headers, body, status, response, duration_ms, "
            "body_size, response_size, record, response_headers, problems, uid, upstream "
            "FROM requests ORDER BY id"
        )
        return [Entry(*row) for row in rows]

    def _record_rows(self) -> list[Record]:
        self._settle()
        rows = self._db.execute("SELECT api, record_id, response, request, created_at FROM records ORDER BY id")
        return [
            Record(api, jsonio.loads(rid.encode()), response, request, at) for api, rid, response, request, at in rows
        ]


_COUNT = struct.Struct("Q")


def _counter(path: Path) -> mmap.mmap:
    """An 8-byte counter in `path`, mapped shared: every process sees a write at once."""
    with open(path, "a+b") as file:
        if file.seek(0, 2) < _COUNT.size:
            file.write(bytes(_COUNT.size))
            file.flush()
        return mmap.mmap(file.fileno(), _COUNT.size)
