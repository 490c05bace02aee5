"""The state backend `--workers` processes share: one SQLite file beside the shared journal.

Every write is its own short transaction (WAL mode, so reads never wait), so an object created
through one worker is readable through every other at once; unlike the journal nothing is
buffered, because read-after-write across workers is the point. Writers take turns on a lock
file first: SQLite's own busy handler sleeps a millisecond or more when it finds the database
locked, which under load made two workers slower than one; a kernel lock wakes the next writer
as soon as the first is done. Each API's record count is kept in a table rather than counted
on every create (a count over 100,000 rows per request). Unfiltered pages in creation or
last-write order are answered by the indexes; filtered or field-sorted lists read the
collection and apply `store.ordered`, the same semantics as the in-process store.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .. import jsonio
from .store import CREATED, UPDATED, Page, Query, api_of, ordered, window

_SCHEMA = """
CREATE TABLE IF NOT EXISTS objects (
    ckey TEXT NOT NULL, id TEXT NOT NULL, api TEXT NOT NULL, created INTEGER NOT NULL,
    written INTEGER NOT NULL, body BLOB NOT NULL, PRIMARY KEY (ckey, id));
CREATE INDEX IF NOT EXISTS objects_created ON objects (ckey, created);
CREATE INDEX IF NOT EXISTS objects_written ON objects (ckey, written);
CREATE INDEX IF NOT EXISTS objects_age ON objects (api, created);
CREATE TABLE IF NOT EXISTS sequence (n INTEGER NOT NULL);
INSERT INTO sequence SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM sequence);
CREATE TABLE IF NOT EXISTS evicted (api TEXT PRIMARY KEY, n INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS seeded (done INTEGER PRIMARY KEY);
CREATE TABLE IF NOT EXISTS sizes (api TEXT PRIMARY KEY, n INTEGER NOT NULL);
"""
_COUNTED = """
INSERT INTO sizes SELECT api, COUNT(*) FROM objects WHERE NOT EXISTS (SELECT 1 FROM sizes) GROUP BY api
"""


class SqliteStore:
    """`Store` in a SQLite file that several processes open."""

    def __init__(self, path: Path, max_records: int = 100_000) -> None:
        self.max_records = max_records
        self._lock = _WriteLock(path.with_name(path.name + ".lock"))
        self._db = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=OFF")
        with self._writing():
            self._db.executescript(_SCHEMA)
            self._db.execute(_COUNTED)  # a file written before the counts were kept

    @contextlib.contextmanager
    def _writing(self) -> Iterator[None]:
        """One write transaction, after this process's turn on the lock file."""
        with self._lock, self._db:
            self._db.execute("BEGIN IMMEDIATE")
            yield

    def get(self, key: str, item_id: str) -> dict[str, Any] | None:
        row = self._db.execute("SELECT body FROM objects WHERE ckey=? AND id=?", (key, item_id)).fetchone()
        return jsonio.loads(row[0]) if row else None

    def put(self, key: str, item_id: str, value: dict[str, Any], touch: bool = True) -> None:
        api = api_of(key)
        body = jsonio.dumps(value)
        with self._writing():
            self._db.execute("UPDATE sequence SET n = n + 1")
            (seq,) = self._db.execute("SELECT n FROM sequence").fetchone()
            if self._db.execute("SELECT 1 FROM objects WHERE ckey=? AND id=?", (key, item_id)).fetchone():
                written = "?" if touch else "written"
                self._db.execute(
                    f"UPDATE objects SET body=?, written={written} WHERE ckey=? AND id=?",
                    (body, seq, key, item_id) if touch else (body, key, item_id),
                )
                return
            self._db.execute("INSERT INTO objects VALUES (?,?,?,?,?,?)", (key, item_id, api, seq, seq, body))
            self._db.execute("INSERT INTO sizes VALUES (?, 1) ON CONFLICT(api) DO UPDATE SET n = n + 1", (api,))
            (count,) = self._db.execute("SELECT n FROM sizes WHERE api=?", (api,)).fetchone()
            excess = count - self.max_records
            if excess > 0:
                self._db.execute(
                    "DELETE FROM objects WHERE rowid IN (SELECT rowid FROM objects WHERE api=? ORDER BY created "
                    "LIMIT ?)",
                    (api, excess),
                )
                self._db.execute("UPDATE sizes SET n = n - ? WHERE api=?", (excess, api))
                self._db.execute(
                    "INSERT INTO evicted VALUES (?, ?) ON CONFLICT(api) DO UPDATE SET n = n + excluded.n", (api, excess)
                )

    def delete(self, key: str, item_id: str) -> bool:
        with self._writing():
            deleted = self._db.execute("DELETE FROM objects WHERE ckey=? AND id=?", (key, item_id)).rowcount > 0
            if deleted:
                self._db.execute("UPDATE sizes SET n = n - 1 WHERE api=?", (api_of(key),))
        return deleted

    def page(self, key: str, query: Query) -> Page:
        if query.filters or query.after is not None or query.order not in (CREATED, UPDATED):
            column = "written" if query.order == UPDATED else "created"
            rows = self._db.execute(f"SELECT id, body FROM objects WHERE ckey=? ORDER BY {column}", (key,))
            items = [(item_id, jsonio.loads(body)) for item_id, body in rows]
            return window(ordered(items, query), query)
        column = "written" if query.order == UPDATED else "created"
        direction = "DESC" if query.descending else "ASC"
        rows = self._db.execute(
            f"SELECT id, body FROM objects WHERE ckey=? ORDER BY {column} {direction} LIMIT ? OFFSET ?",
            (key, query.limit, query.offset),
        )
        items = [(item_id, jsonio.loads(body)) for item_id, body in rows]
        (total,) = self._db.execute("SELECT COUNT(*) FROM objects WHERE ckey=?", (key,)).fetchone()
        return Page(items, total)

    def clear(self) -> None:
        with self._writing():
            self._db.execute("DELETE FROM objects")
            self._db.execute("DELETE FROM evicted")
            self._db.execute("DELETE FROM seeded")
            self._db.execute("DELETE FROM sizes")

    def claim_seeding(self) -> bool:
        with self._lock:
            return self._db.execute("INSERT OR IGNORE INTO seeded VALUES (1)").rowcount == 1

    def collections(self, api: str) -> dict[str, int]:
        return dict(
            self._db.execute("SELECT ckey, COUNT(*) FROM objects WHERE api = ? GROUP BY ckey", (api,)).fetchall()
        )

    def stats(self) -> dict[str, dict[str, int]]:
        counts = dict(self._db.execute("SELECT api, COUNT(*) FROM objects GROUP BY api").fetchall())
        evicted = dict(self._db.execute("SELECT api, n FROM evicted").fetchall())
        return {api: {"records": counts.get(api, 0), "evicted": evicted.get(api, 0)} for api in {*counts, *evicted}}


class _WriteLock:
    """An exclusive `flock` on a file beside the database, held for one write transaction;
    where `fcntl` does not exist (Windows), SQLite's own locking alone."""

    def __init__(self, path: Path) -> None:
        try:
            import fcntl
        except ImportError:
            self._fd = -1
            return
        self._flock = fcntl.flock
        self._exclusive, self._unlock = fcntl.LOCK_EX, fcntl.LOCK_UN
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        weakref.finalize(self, os.close, self._fd)

    def __enter__(self) -> None:
        if self._fd >= 0:
            self._flock(self._fd, self._exclusive)

    def __exit__(self, *_: object) -> None:
        if self._fd >= 0:
            self._flock(self._fd, self._unlock)
