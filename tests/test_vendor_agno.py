"""A differential test against the real vendor: the same create → list → read → patch → delete →
read-after-delete sequence sent to a real Agno AgentOS (the `agno` package, pinned in
tests/vendors/agno-requirements.txt, run from its own virtual environment by `make test`) and to
the mock serving the document that AgentOS itself produced (tests/corpus/agentos.json). Both
must answer the same statuses and read back the same things; ids and timestamps are each
server's own."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from mockserver.config import Settings
from mockserver.testing.thread import ServerThread

ROOT = Path(__file__).resolve().parent.parent
AUTH = {"Authorization": "Bearer test-token"}
_VOLATILE = ("memory_id", "updated_at")


@pytest.fixture(scope="module")
def mock(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    specs = tmp_path_factory.mktemp("agentos-spec")
    shutil.copy(ROOT / "tests" / "corpus" / "agentos.json", specs)
    with ServerThread(Settings(specs=specs, quiet=True, data=None)) as server:
        yield server.url("agentos")


def _sequence(root: str) -> list[tuple[str, int, Any]]:
    """Run the client's flow against `root`; each step's name, status and body with the
    server's own ids and timestamps taken out."""
    steps: list[tuple[str, int, Any]] = []
    with httpx.Client(base_url=root, headers=AUTH, timeout=10) as http:

        def step(name: str, response: httpx.Response) -> Any:
            body = response.json() if response.content else None
            steps.append((name, response.status_code, _stable(body)))
            return body

        created = step(
            "create",
            http.post("/memories", json={"memory": "Prefers window seats", "user_id": "u1", "topics": ["travel"]}),
        )
        step(
            "create another user's",
            http.post("/memories", json={"memory": "Vegetarian", "user_id": "u2", "topics": ["food"]}),
        )
        memory_id = created["memory_id"]
        listed = step("list", http.get("/memories", params={"user_id": "u1"}))
        assert [m["memory_id"] for m in listed["data"]] == [memory_id]
        step("list by topic", http.get("/memories", params={"topics": "food"}))
        step("read", http.get(f"/memories/{memory_id}", params={"user_id": "u1"}))
        step("read as another user", http.get(f"/memories/{memory_id}", params={"user_id": "u2"}))
        step(
            "patch",
            http.patch(
                f"/memories/{memory_id}", json={"memory": "Prefers aisle seats", "user_id": "u1", "topics": ["travel"]}
            ),
        )
        step("read after patch", http.get(f"/memories/{memory_id}"))
        step("delete", http.delete(f"/memories/{memory_id}"))
        step("read after delete", http.get(f"/memories/{memory_id}"))
        step("list after delete", http.get("/memories", params={"user_id": "u1"}))
        step("read never created", http.get("/memories/00000000-0000-4000-8000-000000000000"))
    return steps


def _stable(body: Any) -> Any:
    """`body` without what each server makes up itself (ids, timestamps, error wording)."""
    if isinstance(body, list):
        return [_stable(item) for item in body]
    if isinstance(body, dict):
        if "detail" in body:
            return "error"
        return {k: _stable(v) for k, v in body.items() if k not in _VOLATILE and k != "search_time_ms"}
    return body


def test_the_mock_answers_the_crud_flow_as_the_real_agentos_does(agentos: str, mock: str) -> None:
    real, ours = _sequence(agentos), _sequence(mock)
    assert [(name, status) for name, status, _ in ours] == [(name, status) for name, status, _ in real]
    for (name, _, real_body), (_, _, our_body) in zip(real, ours, strict=True):
        assert our_body == real_body, name
