"""The state backend several mock processes share, on one or many machines: Redis.

Each collection is a hash (id → JSON object) with two sorted sets beside it, the creation and
last-write orders, scored by one counter shared by every process; each API has a sorted set of
all its objects by age, for `--max-records` eviction. An unfiltered page is a range of a sorted
set; a filtered or field-sorted list reads the collection and applies `store.ordered`, the same
semantics as the other stores. Keys live under `mockserver:` in the database the URL names.
"""

from __future__ import annotations

from typing import Any

from .. import jsonio
from .store import CREATED, SEPARATOR, UPDATED, Page, Query, api_of, ordered, window

PREFIX = "mockserver:"


def connect(url: str) -> Any:
    """A client for `url`, checked with a PING so a wrong address fails at start-up."""
    try:
        import redis
    except ImportError:
        raise RuntimeError("--state redis:// needs the redis client: pip install 'mockserver[redis]'") from None
    client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
    try:
        client.ping()
    except redis.RedisError as exc:
        raise RuntimeError(f"cannot reach Redis at {url}: {exc}") from None
    return client


class RedisStore:
    """`Store` in Redis (see the module docstring)."""

    def __init__(self, client: Any, max_records: int = 100_000) -> None:
        self.max_records = max_records
        self._redis = client

    def _keys(self, key: str) -> tuple[str, str, str]:
        base = PREFIX + "obj:" + key
        return base, base + SEPARATOR + "created", base + SEPARATOR + "written"

    def get(self, key: str, item_id: str) -> dict[str, Any] | None:
        found = self._redis.hget(self._keys(key)[0], item_id)
        return jsonio.loads(found) if found is not None else None

    def put(self, key: str, item_id: str, value: dict[str, Any], touch: bool = True) -> None:
        objects, created, written = self._keys(key)
        api = api_of(key)
        seq = self._redis.incr(PREFIX + "sequence")
        is_new = self._redis.hset(objects, item_id, jsonio.dumps(value)) == 1
        pipe = self._redis.pipeline()
        if is_new:
            pipe.zadd(created, {item_id: seq})
            pipe.zadd(PREFIX + "age:" + api, {key + SEPARATOR + item_id: seq})
        if is_new or touch:
            pipe.zadd(written, {item_id: seq})
        pipe.execute()
        if is_new:
            self._evict(api)

    def _evict(self, api: str) -> None:
        ages = PREFIX + "age:" + api
        excess = self._redis.zcard(ages) - self.max_records
        if excess <= 0:
            return
        for member in self._redis.zpopmin(ages, excess):
            old_key, _, old_id = member[0].decode().rpartition(SEPARATOR)
            self._drop(old_key, old_id)
        self._redis.hincrby(PREFIX + "evicted", api, excess)

    def delete(self, key: str, item_id: str) -> bool:
        if self._drop(key, item_id):
            self._redis.zrem(PREFIX + "age:" + api_of(key), key + SEPARATOR + item_id)
            return True
        return False

    def _drop(self, key: str, item_id: str) -> bool:
        objects, created, written = self._keys(key)
        pipe = self._redis.pipeline()
        pipe.hdel(objects, item_id)
        pipe.zrem(created, item_id)
        pipe.zrem(written, item_id)
        return bool(pipe.execute()[0])

    def page(self, key: str, query: Query) -> Page:
        objects, created, written = self._keys(key)
        order = written if query.order == UPDATED else created
        if query.filters or query.after is not None or query.order not in (CREATED, UPDATED):
            ids = [i.decode() for i in self._redis.zrange(order, 0, -1)]
            values = self._redis.hmget(objects, ids) if ids else []
            items = [(i, jsonio.loads(v)) for i, v in zip(ids, values, strict=True) if v is not None]
            return window(ordered(items, query), query)
        stop = query.offset + query.limit - 1
        ranged = (
            self._redis.zrevrange(order, query.offset, stop)
            if query.descending
            else self._redis.zrange(order, query.offset, stop)
        )
        ids = [i.decode() for i in ranged]
        values = self._redis.hmget(objects, ids) if ids else []
        return Page(
            [(i, jsonio.loads(v)) for i, v in zip(ids, values, strict=True) if v is not None], self._redis.zcard(order)
        )

    def clear(self) -> None:
        keys = [
            k
            for pattern in ("obj:*", "age:*", "evicted", "seeded")
            for k in self._redis.scan_iter(PREFIX + pattern, count=1000)
        ]
        for start in range(0, len(keys), 1000):
            self._redis.delete(*keys[start : start + 1000])

    def claim_seeding(self) -> bool:
        return bool(self._redis.set(PREFIX + "seeded", 1, nx=True))

    def collections(self, api: str) -> dict[str, int]:
        prefix = PREFIX + "obj:"
        found = {}
        for name in self._redis.scan_iter(prefix + api + SEPARATOR + "*", count=1000):
            key = name.decode()[len(prefix) :]
            if api_of(key) == api and not key.endswith((SEPARATOR + "created", SEPARATOR + "written")):
                found[key] = self._redis.hlen(name)
        return {key: n for key, n in found.items() if n}

    def stats(self) -> dict[str, dict[str, int]]:
        evicted = {k.decode(): int(v) for k, v in self._redis.hgetall(PREFIX + "evicted").items()}
        counts = {
            k.decode()[len(PREFIX + "age:") :]: self._redis.zcard(k) for k in self._redis.scan_iter(PREFIX + "age:*")
        }
        return {api: {"records": counts.get(api, 0), "evicted": evicted.get(api, 0)} for api in {*counts, *evicted}}
