"""The three state backends keep the same semantics: each runs the same random sequences of
writes, deletes and list queries as a plain reference model, and must answer identically.
Redis is a real `redis-server` (started by conftest on a free port); several mock processes sharing it
(and `--workers` sharing SQLite) read back what any of them created."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockserver.state.memory import MemoryStore
from mockserver.state.redis import RedisStore, connect
from mockserver.state.sqlite import SqliteStore
from mockserver.state.store import CREATED, UPDATED, Page, Query, Store, key, ordered, window

from conftest import ended, free_port

CORPUS = Path(__file__).parent / "corpus"
AUTH = {"Authorization": "Bearer test-token"}


class Model:
    """The reference: a list of (id, object), creation order, plus a last-write list."""

    def __init__(self, max_records: int) -> None:
        self.max_records = max_records
        self.items: dict[str, dict[str, dict[str, Any]]] = {}
        self.written: dict[str, list[str]] = {}
        self.ages: list[tuple[str, str]] = []
        self.evicted = 0

    def put(self, k: str, item_id: str, value: dict[str, Any], touch: bool = True) -> None:
        items = self.items.setdefault(k, {})
        written = self.written.setdefault(k, [])
        new = item_id not in items
        items[item_id] = value
        if new or touch:
            if item_id in written:
                written.remove(item_id)
            written.append(item_id)
        if new:
            self.ages.append((k, item_id))
            while len(self.ages) > self.max_records:
                old_k, old_id = self.ages.pop(0)
                self.delete(old_k, old_id, aged=True)
                self.evicted += 1

    def delete(self, k: str, item_id: str, aged: bool = False) -> bool:
        if item_id not in self.items.get(k, {}):
            return False
        del self.items[k][item_id]
        self.written[k].remove(item_id)
        if not aged:
            self.ages.remove((k, item_id))
        return True

    def page(self, k: str, query: Query) -> Page:
        items = self.items.get(k, {})
        ids = self.written.get(k, []) if query.order == UPDATED else list(items)
        return window(ordered([(i, items[i]) for i in ids], query), query)


def _stores(tmp_path: Path, redis_url: str, max_records: int) -> list[Store]:
    client = connect(redis_url)
    redis = RedisStore(client, max_records)
    redis.clear()
    return [MemoryStore(max_records), SqliteStore(tmp_path / f"s{time.monotonic_ns()}.sqlite3", max_records), redis]


ids = st.sampled_from(["a", "b", "c", "d", "e", "f"])
objects = st.fixed_dictionaries(
    {
        "user_id": st.sampled_from(["u1", "u2"]),
        "topics": st.lists(st.sampled_from(["x", "y"]), max_size=2),
        "n": st.integers(0, 3),
    }
)
queries = st.builds(
    Query,
    filters=st.sampled_from(
        [(), (("user_id", ("u1",)),), (("topics", ("x",)),), (("user_id", ("u2",)), ("topics", ("x", "y")))]
    ),
    order=st.sampled_from([CREATED, UPDATED, "n"]),
    descending=st.booleans(),
    offset=st.integers(0, 4),
    limit=st.integers(1, 4),
    after=st.one_of(st.none(), ids),
)
steps = st.lists(
    st.one_of(
        st.tuples(st.just("put"), st.sampled_from(["k1", "k2"]), ids, objects, st.booleans()),
        st.tuples(st.just("delete"), st.sampled_from(["k1", "k2"]), ids),
        st.tuples(st.just("page"), st.sampled_from(["k1", "k2"]), queries),
        st.tuples(st.just("get"), st.sampled_from(["k1", "k2"]), ids),
    ),
    max_size=25,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=steps, max_records=st.integers(3, 8))
def test_every_backend_answers_like_the_model(
    tmp_path: Path, redis_url: str, steps: list[tuple[Any, ...]], max_records: int
) -> None:
    stores = _stores(tmp_path, redis_url, max_records)
    model = Model(max_records)
    for step in steps:
        kind, k = step[0], key("api", "/things", [step[1]])
        if kind == "put":
            model.put(k, step[2], step[3], step[4])
            for store in stores:
                store.put(k, step[2], step[3], touch=step[4])
        elif kind == "delete":
            expected = model.delete(k, step[2])
            assert [store.delete(k, step[2]) for store in stores] == [expected] * 3
        elif kind == "get":
            expected_value = model.items.get(k, {}).get(step[2])
            assert [store.get(k, step[2]) for store in stores] == [expected_value] * 3
        else:
            expected_page = model.page(k, step[2])
            for store in stores:
                assert store.page(k, step[2]) == expected_page, type(store).__name__
    expected = {"records": sum(len(v) for v in model.items.values()), "evicted": model.evicted}
    for store in stores:
        assert store.stats().get("api", {"records": 0, "evicted": 0}) == expected, type(store).__name__


@pytest.fixture(scope="module")
def specs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A specs directory holding only the AgentOS document."""
    folder = tmp_path_factory.mktemp("agentos")
    shutil.copy(CORPUS / "agentos.json", folder)
    return folder


def _serve(specs: Path, *args: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "mockserver", "serve", "--specs", str(specs), "--port", str(port), "--quiet", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    root = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(root + "/__admin/health", timeout=1)
            return process, root
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise AssertionError(process.stdout.read().decode() if process.stdout else "did not start")


def test_two_processes_sharing_redis_see_one_state_and_one_journal(redis_url: str, specs: Path) -> None:
    connect(redis_url).flushdb()
    first, one = _serve(specs, "--state", redis_url)
    second, two = _serve(specs, "--state", redis_url)
    try:
        made = httpx.post(
            one + "/agentos/memories", json={"memory": "Shared", "user_id": "u1"}, headers=AUTH, timeout=10
        )
        memory_id = made.json()["memory_id"]
        read = httpx.get(f"{two}/agentos/memories/{memory_id}", headers=AUTH, timeout=10)
        assert read.status_code == 200 and read.json() == made.json()
        assert httpx.delete(f"{two}/agentos/memories/{memory_id}", headers=AUTH, timeout=10).status_code == 204
        assert httpx.get(f"{one}/agentos/memories/{memory_id}", headers=AUTH, timeout=10).status_code == 404
        journal = httpx.get(two + "/__admin/requests", params={"api": "agentos"}, timeout=10).json()["requests"]
        assert [(e["method"], e["status"]) for e in journal] == [
            ("POST", 200),
            ("GET", 200),
            ("DELETE", 204),
            ("GET", 404),
        ]
    finally:
        for process in (first, second):
            ended(process, 10)


def test_a_wrong_redis_address_is_one_line_and_exit_2(specs: Path) -> None:
    port = free_port()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mockserver",
            "serve",
            "--specs",
            str(specs),
            "--port",
            str(free_port()),
            "--state",
            f"redis://127.0.0.1:{port}/0",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().startswith("mockserver: cannot reach Redis") and "Traceback" not in result.stderr


def test_workers_share_state_through_sqlite(specs: Path) -> None:
    process, root = _serve(specs, "--workers", "2")
    try:
        with httpx.Client(headers=AUTH, timeout=10) as http:
            made = [
                http.post(root + "/agentos/memories", json={"memory": f"m{i}", "user_id": "u"}).json()["memory_id"]
                for i in range(6)
            ]
        for memory_id in made:  # a new connection each time: both workers answer some of these
            assert (
                httpx.get(
                    f"{root}/agentos/memories/{memory_id}", headers={**AUTH, "Connection": "close"}, timeout=10
                ).status_code
                == 200
            )
        listed = httpx.get(root + "/agentos/memories", params={"limit": 100}, headers=AUTH, timeout=10).json()
        assert listed["meta"]["total_count"] == 6
    finally:
        ended(process, 10)


def test_a_sqlite_state_file_survives_a_restart(specs: Path, tmp_path: Path) -> None:
    state = f"sqlite:///{tmp_path / 'state.sqlite3'}"
    first, root = _serve(specs, "--state", state)
    try:
        made = httpx.post(
            root + "/agentos/memories", json={"memory": "Kept", "user_id": "u1"}, headers=AUTH, timeout=10
        ).json()
    finally:
        ended(first, 10)
    second, root = _serve(specs, "--state", state)
    try:
        assert httpx.get(f"{root}/agentos/memories/{made['memory_id']}", headers=AUTH, timeout=10).json() == made
    finally:
        ended(second, 10)


@pytest.mark.parametrize("value", ["memcached://x", "redis:/nohost", "sqlite:///"])
def test_a_state_url_of_another_kind_is_one_line_and_exit_2(specs: Path, value: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mockserver", "serve", "--specs", str(specs), "--state", value],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and "--state" in result.stderr and "Traceback" not in result.stderr
