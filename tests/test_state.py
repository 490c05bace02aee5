"""Stateful resources: what a client creates, it can read, list, change and delete, through the
real HTTP stack, on the AgentOS document the `agno` package produces (tests/corpus), Omi's
developer API, and a small document with the shapes they lack (nested, singleton, PUT-create,
other list envelopes) — each against the in-process, SQLite and Redis backends.

Every answer is also judged by openapi-core against the document."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openapi_core import Config, OpenAPI

from mockserver.config import Settings
from mockserver.spec import load_api
from mockserver.state.redis import connect
from mockserver.testing.thread import ServerThread

from conftest import TOKEN, assert_valid_response

CORPUS = Path(__file__).parent / "corpus"
SHAPES = Path(__file__).parent / "data" / "state"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def _specs(tmp: Path, *files: Path) -> Path:
    folder = tmp / "specs"
    folder.mkdir(exist_ok=True)
    for file in files:
        (folder / file.name).write_bytes(file.read_bytes())
    return folder


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _specs(
        tmp_path_factory.mktemp("state"), CORPUS / "agentos.json", CORPUS / "omi.json", SHAPES / "shapes.yaml"
    )


@pytest.fixture(scope="module", params=["memory", "sqlite", "redis"])
def served(
    request: pytest.FixtureRequest, folder: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerThread]:
    """The server every HTTP test below runs against, once per state backend: the same
    semantics are required of all three."""
    state = None
    if request.param == "sqlite":
        state = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'state.sqlite3'}"
    elif request.param == "redis":
        state = request.getfixturevalue("redis_url")
        connect(state).flushdb()
    with ServerThread(Settings(specs=folder, quiet=True, seed=7, data=None, state=state)) as server:
        yield server


@pytest.fixture(scope="module")
def oracles(folder: Path) -> dict[str, OpenAPI]:
    unchecked = Config(spec_validator_cls=None)  # AgentOS repeats an operationId: a nit, served anyway
    files = (("agentos", "agentos.json"), ("omi", "omi.json"), ("shapes", "shapes.yaml"))
    return {name: OpenAPI.from_dict(load_api(folder / file).mounted_document, config=unchecked) for name, file in files}


class Client:
    """An httpx client that has every answer judged by openapi-core."""

    def __init__(self, server: ServerThread, oracle: OpenAPI, api: str) -> None:
        self.http = httpx.Client(base_url=server.url(api), headers=AUTH, timeout=10)
        self.oracle = oracle

    def __call__(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        response = self.http.request(method, path, **kwargs)
        assert_valid_response(self.oracle, response.request, response)
        return response


def _client(served: ServerThread, oracles: dict[str, OpenAPI], api: str) -> Iterator[Client]:
    """A judged client of `api` on a freshly reset server."""
    httpx.post(served.root + "/__admin/reset", timeout=10)
    client = Client(served, oracles[api], api)
    yield client
    client.http.close()


@pytest.fixture
def agentos(served: ServerThread, oracles: dict[str, OpenAPI]) -> Iterator[Client]:
    yield from _client(served, oracles, "agentos")


@pytest.fixture
def omi(served: ServerThread, oracles: dict[str, OpenAPI]) -> Iterator[Client]:
    yield from _client(served, oracles, "omi")


@pytest.fixture
def shapes(served: ServerThread, oracles: dict[str, OpenAPI]) -> Iterator[Client]:
    yield from _client(served, oracles, "shapes")


def test_create_read_list_patch_delete(agentos: Client) -> None:
    created = agentos("POST", "/memories", json={"memory": "Likes green tea", "user_id": "u1", "topics": ["food"]})
    assert created.status_code == 200
    memory = created.json()
    memory_id = memory["memory_id"]
    assert (memory["memory"], memory["user_id"], memory["topics"]) == ("Likes green tea", "u1", ["food"])

    read = agentos("GET", f"/memories/{memory_id}")
    assert read.status_code == 200 and read.json() == memory
    assert agentos("GET", f"/memories/{memory_id}").content == read.content, "repeated reads are identical"

    listed = agentos("GET", "/memories").json()
    assert [m["memory_id"] for m in listed["data"]] == [memory_id]
    assert listed["meta"]["total_count"] == 1

    patched = agentos("PATCH", f"/memories/{memory_id}", json={"memory": "Loves green tea", "user_id": "u1"})
    assert patched.status_code == 200
    assert patched.json()["memory"] == "Loves green tea" and patched.json()["topics"] == ["food"], "PATCH merges"
    assert agentos("GET", f"/memories/{memory_id}").json() == patched.json()

    assert agentos("DELETE", f"/memories/{memory_id}").status_code == 204
    gone = agentos("GET", f"/memories/{memory_id}")
    assert gone.status_code == 404 and "detail" in gone.json(), "the declared 404 shape"
    assert agentos("DELETE", f"/memories/{memory_id}").status_code == 404
    assert agentos("PATCH", f"/memories/{memory_id}", json={"memory": "x", "user_id": "u1"}).status_code == 404
    assert agentos("GET", "/memories").json()["data"] == []


def test_an_id_never_created_is_404(agentos: Client) -> None:
    response = agentos("GET", "/memories/never-created")
    assert response.status_code == 404
    assert response.json()["detail"]


def test_a_read_that_names_another_owner_is_404(agentos: Client) -> None:
    memory_id = agentos("POST", "/memories", json={"memory": "Runs daily", "user_id": "u1"}).json()["memory_id"]
    assert agentos("GET", f"/memories/{memory_id}", params={"user_id": "u1"}).status_code == 200
    assert agentos("GET", f"/memories/{memory_id}", params={"user_id": "u2"}).status_code == 404


def test_list_filters_by_fields_the_items_have(agentos: Client) -> None:
    for user, topics in (("u1", ["food"]), ("u1", ["travel"]), ("u2", ["food", "travel"])):
        agentos("POST", "/memories", json={"memory": f"{user} likes {topics}", "user_id": user, "topics": topics})
    assert agentos("GET", "/memories", params={"user_id": "u1"}).json()["meta"]["total_count"] == 2
    food = agentos("GET", "/memories", params={"topics": "food"}).json()["data"]
    assert sorted(m["user_id"] for m in food) == ["u1", "u2"]
    assert agentos("GET", "/memories", params={"user_id": "u2", "topics": "travel"}).json()["meta"]["total_count"] == 1
    assert agentos("GET", "/memories", params={"user_id": "nobody"}).json()["data"] == []


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(count=st.integers(0, 12), limit=st.integers(1, 5))
def test_pages_cover_every_item_once_with_consistent_totals(agentos: Client, count: int, limit: int) -> None:
    httpx.post(str(agentos.http.base_url).rsplit("/agentos", 1)[0] + "/__admin/reset", timeout=10)
    made = [
        agentos("POST", "/memories", json={"memory": f"fact {i}", "user_id": "u"}).json()["memory_id"]
        for i in range(count)
    ]
    seen: list[str] = []
    pages = -(-count // limit)
    for page in range(1, pages + 2):
        body = agentos("GET", "/memories", params={"limit": limit, "page": page}).json()
        assert body["meta"]["total_count"] == count
        assert body["meta"]["total_pages"] == pages
        assert body["meta"]["page"] == page and body["meta"]["limit"] == limit
        assert len(body["data"]) == (min(limit, count - (page - 1) * limit) if page <= pages else 0)
        seen += [m["memory_id"] for m in body["data"]]
    assert sorted(seen) == sorted(made)
    newest_first = agentos("GET", "/memories", params={"limit": 100}).json()["data"]
    assert [m["memory_id"] for m in newest_first] == made[::-1], "the document's default order: updated_at desc"


def test_omi_memories_and_conversations_are_kept(omi: Client) -> None:
    memories = "/v1/dev/user/memories"
    made = [omi("POST", memories, json={"content": f"Fact {i}", "tags": ["t"]}).json() for i in range(3)]
    listed = omi("GET", memories, params={"limit": 2, "offset": 1}).json()
    assert [m["id"] for m in listed] == [m["id"] for m in made[1:3]], "a bare array, paged by offset"
    patched = omi("PATCH", f"{memories}/{made[0]['id']}", json={"visibility": "public"}).json()
    assert patched["content"] == "Fact 0" and patched["visibility"] == "public"
    assert omi("DELETE", f"{memories}/{made[0]['id']}").json() == {"success": True}
    assert omi("DELETE", f"{memories}/{made[0]['id']}").status_code == 404
    assert [m["id"] for m in omi("GET", memories).json()] == [m["id"] for m in made[1:]]

    conversation = omi(
        "POST", "/v1/dev/user/conversations", json={"text": "Planned the trip to Lisbon", "language": "pt"}
    ).json()
    read = omi("GET", f"/v1/dev/user/conversations/{conversation['id']}").json()
    assert read["id"] == conversation["id"] and read["language"] == "pt", "the read schema shows what the create stored"


def test_nested_collections_are_scoped_by_their_parent(shapes: Client) -> None:
    note = shapes("POST", "/agents/a1/notes", json={"text": "first"}).json()
    assert shapes("GET", f"/agents/a1/notes/{note['id']}").json()["text"] == "first"
    assert shapes("GET", f"/agents/a2/notes/{note['id']}").status_code == 404
    assert shapes("GET", "/agents/a2/notes").json() == []
    assert [n["id"] for n in shapes("GET", "/agents/a1/notes").json()] == [note["id"]]


def test_admin_lists_every_stored_collection_with_its_concrete_path(shapes: Client, served: ServerThread) -> None:
    """What the inspector's Records tab browses: scoped collections once per scope."""
    notes = [shapes("POST", f"/agents/{agent}/notes", json={"text": agent}).json() for agent in ("a1", "a1", "a2")]
    listing = httpx.get(served.root + "/__admin/collections", timeout=10).json()
    mine = {c["path"]: c for c in listing["collections"] if c["api"] == "shapes"}
    assert listing["stateful"] is True
    assert {p: (c["template"], c["count"]) for p, c in mine.items()} == {
        "/agents/a1/notes": ("/agents/{agent_id}/notes", 2),
        "/agents/a2/notes": ("/agents/{agent_id}/notes", 1),
    }
    stored = httpx.get(served.root + "/__admin/records/shapes", params={"path": "/agents/a1/notes"}, timeout=10).json()
    assert [n["id"] for n in stored["records"]] == [n["id"] for n in notes[:2]] and stored["total"] == 2


def test_bare_array_lists_page_by_offset(shapes: Client) -> None:
    ids = [shapes("POST", "/agents/a1/notes", json={"text": f"n{i}"}).json()["id"] for i in range(5)]
    assert [n["id"] for n in shapes("GET", "/agents/a1/notes", params={"offset": 1, "limit": 2}).json()] == ids[1:3]


def test_results_next_count_envelope(shapes: Client) -> None:
    ids = [shapes("POST", "/documents", json={"title": f"d{i}"}).json()["id"] for i in range(3)]
    first = shapes("GET", "/documents", params={"limit": 2}).json()
    assert first["count"] == 3 and [d["id"] for d in first["results"]] == ids[:2]
    second = httpx.get(first["next"], headers=AUTH, timeout=10).json()
    assert [d["id"] for d in second["results"]] == ids[2:] and second["next"] is None


def test_put_replaces_and_creates_an_unknown_id(shapes: Client) -> None:
    created = shapes("PUT", "/documents/42", json={"title": "Made by PUT", "tags": ["x"]})
    assert created.status_code == 200 and created.json()["id"] == 42
    replaced = shapes("PUT", "/documents/42", json={"title": "Replaced"}).json()
    assert replaced["title"] == "Replaced" and "tags" not in replaced, "PUT replaces, PATCH would merge"
    assert shapes("GET", "/documents/42").json() == replaced


def test_a_singleton_is_read_back_as_written(shapes: Client) -> None:
    first = shapes("GET", "/settings").json()
    assert shapes("GET", "/settings").json() == first, "generated once, then stored"
    shapes("PATCH", "/settings", json={"theme": "dark"})
    assert shapes("GET", "/settings").json() == {**first, "theme": "dark"}


def test_actions_stay_stateless(shapes: Client) -> None:
    response = shapes("POST", "/documents/search", json={"query": "anything"})
    assert response.status_code == 200
    assert shapes("GET", "/documents").json()["count"] == 0


def test_prefer_code_still_overrides_state(agentos: Client) -> None:
    response = agentos("GET", "/memories/never-created", headers={"Prefer": "code=200"})
    assert response.status_code == 200


def test_stateless_invents_every_answer(folder: Path) -> None:
    with ServerThread(Settings(specs=folder, quiet=True, stateless=True, data=None)) as server:
        response = httpx.get(server.url("agentos") + "/memories/never-created", headers=AUTH, timeout=10)
        assert response.status_code == 200
        assert httpx.get(server.root + "/__admin/health", timeout=10).json()["stateful"] is False


def test_initial_data_admin_records_and_reset(folder: Path, tmp_path: Path) -> None:
    data = tmp_path / "data" / "agentos"
    data.mkdir(parents=True)
    (data / "memories.json").write_text(json.dumps([{"memory_id": "seed-1", "memory": "Seeded", "user_id": "u1"}]))
    (data / "configs.json").write_text(
        json.dumps({"path": "/components/c1/configs", "records": [{"version": 1, "config": {}}]})
    )
    with ServerThread(Settings(specs=folder, quiet=True, data=tmp_path / "data")) as server:
        api = server.url("agentos")
        assert httpx.get(api + "/memories/seed-1", headers=AUTH, timeout=10).json()["memory"] == "Seeded"
        added = httpx.post(
            server.root + "/__admin/records/agentos?path=/memories",
            json={"memory": "Added", "user_id": "u2"},
            timeout=10,
        )
        assert added.status_code == 201
        new_id = added.json()["records"][0]["memory_id"]
        assert httpx.get(f"{api}/memories/{new_id}", headers=AUTH, timeout=10).status_code == 200
        stored = httpx.get(server.root + "/__admin/records/agentos?path=/memories", timeout=10).json()
        assert stored["total"] == 2
        httpx.delete(api + "/memories/seed-1", headers=AUTH, timeout=10)
        httpx.post(server.root + "/__admin/reset", timeout=10)
        assert httpx.get(api + "/memories/seed-1", headers=AUTH, timeout=10).status_code == 200, (
            "reset restores the initial data"
        )
        assert httpx.get(f"{api}/memories/{new_id}", headers=AUTH, timeout=10).status_code == 404
        bad = httpx.post(server.root + "/__admin/records/agentos?path=/nowhere", json={}, timeout=10)
        assert bad.status_code == 400 and "/memories" in bad.json()["detail"]


def test_oldest_records_are_evicted_and_counted(folder: Path) -> None:
    with ServerThread(Settings(specs=folder, quiet=True, max_records=3, data=None)) as server:
        api = server.url("agentos")
        ids = [
            httpx.post(api + "/memories", json={"memory": f"m{i}", "user_id": "u"}, headers=AUTH, timeout=10).json()[
                "memory_id"
            ]
            for i in range(5)
        ]
        assert httpx.get(f"{api}/memories/{ids[0]}", headers=AUTH, timeout=10).status_code == 404
        assert httpx.get(f"{api}/memories/{ids[4]}", headers=AUTH, timeout=10).status_code == 200
        health = {a["name"]: a for a in httpx.get(server.root + "/__admin/health", timeout=10).json()["apis"]}
        assert (health["agentos"]["records"], health["agentos"]["evicted"]) == (3, 2)


def test_the_journal_names_the_record_a_read_returned(agentos: Client, served: ServerThread) -> None:
    memory_id = agentos("POST", "/memories", json={"memory": "Journaled", "user_id": "u1"}).json()["memory_id"]
    agentos("GET", f"/memories/{memory_id}")
    entries = httpx.get(
        served.root + "/__admin/requests", params={"api": "agentos", "method": "GET"}, timeout=10
    ).json()["requests"]
    assert entries[-1]["record"] == memory_id
    records = httpx.get(served.root + "/__admin/records", params={"api": "agentos"}, timeout=10).json()["records"]
    assert records[-1]["id"] == memory_id, "one id for the store and /__admin/records"


def test_seeded_runs_are_byte_identical_and_a_reset_repeats_them(folder: Path) -> None:
    def flow(api: str, http: httpx.Client) -> list[bytes]:
        empty = http.get(api + "/memories")
        made = http.post(api + "/memories", json={"memory": "Same", "user_id": "u"})
        memory_id = made.json()["memory_id"]
        return [
            empty.content,
            made.content,
            http.get(f"{api}/memories/{memory_id}").content,
            http.get(api + "/memories").content,
        ]

    def run(times: int) -> list[list[bytes]]:
        with (
            ServerThread(Settings(specs=folder, quiet=True, seed=11, data=None)) as server,
            httpx.Client(headers=AUTH, timeout=10) as http,
        ):
            runs = []
            for _ in range(times):
                runs.append(flow(server.url("agentos"), http))
                http.post(server.root + "/__admin/reset")
            return runs

    first, again = run(2)
    assert first == again == run(1)[0]


def test_check_prints_the_resource_map(folder: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mockserver", "check", "--specs", str(folder)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert (
        "collection /memories, id field memory_id: POST /memories (create), GET /memories (list), DELETE /memories (delete-many), GET /memories/{memory_id} (read)"
        in result.stdout
    )
    assert "collection /agents/{agent_id}/notes, scoped by agent_id" in result.stdout
    assert "singleton /settings" in result.stdout
    assert "POST /documents/search" in result.stdout.split("actions (stateless):")[-1]


def test_without_404_or_error_style_a_missing_object_is_invented_and_check_says_so() -> None:
    folder = Path(__file__).parent / "data" / "nostyle"
    result = subprocess.run(
        [sys.executable, "-m", "mockserver", "check", "--specs", str(folder)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    gaps = result.stdout.split("Spec gaps")[1].split("Resources")[0]
    assert "bare GET /things/{id}: no 404 declared and no error style" in gaps
    with ServerThread(Settings(specs=folder, quiet=True, data=None)) as server:
        made = httpx.post(server.url("bare") + "/things", json={"name": "kept"}, timeout=10).json()
        assert httpx.get(f"{server.url('bare')}/things/{made['id']}", timeout=10).json() == made
        assert httpx.get(server.url("bare") + "/things/unknown", timeout=10).status_code == 200


def test_an_id_with_percent_text_is_found_whether_or_not_its_percent_was_encoded(shapes: Client) -> None:
    added = httpx.post(
        shapes.http.base_url.join("/__admin/records/shapes"),
        params={"path": "/agents/a1/notes"},
        json={"id": "%C3%A4x", "text": "odd id", "created_at": "2025-01-01T00:00:00Z"},
        timeout=10,
    )
    assert added.status_code == 201
    assert shapes.http.get("/agents/a1/notes/%25C3%25A4x").json()["text"] == "odd id", "the % encoded, as it should be"
    assert shapes.http.get("/agents/a1/notes/%C3%A4x").json()["text"] == "odd id", "the % sent as it is"


def test_a_delete_on_the_collection_removes_the_ids_its_body_lists(agentos: Client) -> None:
    ids = [
        agentos("POST", "/memories", json={"memory": f"m{i}", "user_id": "u1"}).json()["memory_id"] for i in range(3)
    ]
    assert agentos("DELETE", "/memories", json={"memory_ids": ids[:2], "user_id": "u1"}).status_code == 204
    assert [agentos("GET", f"/memories/{i}").status_code for i in ids] == [404, 404, 200]
    assert agentos("GET", "/memories").json()["meta"]["total_count"] == 1


def test_a_page_beyond_any_collection_is_empty_not_an_error(agentos: Client, shapes: Client) -> None:
    agentos("POST", "/memories", json={"memory": "one", "user_id": "u1"})
    far = agentos("GET", "/memories", params={"page": 2**59, "limit": 100})
    assert far.status_code == 200 and far.json()["data"] == [] and far.json()["meta"]["total_count"] == 1
    assert shapes("GET", "/documents", params={"offset": 2**63 + 5}).status_code in (200, 400, 422)


def test_an_empty_id_sent_by_the_client_is_replaced_by_one_the_server_assigns(omi: Client) -> None:
    made = omi("POST", "/v1/dev/user/memories", json={"content": "x", "id": ""}).json()
    assert made["id"] != ""
    assert omi("GET", "/v1/dev/user/memories").json()[0]["id"] == made["id"]


def test_a_create_that_answers_a_list_stores_each_object(tmp_path: Path) -> None:
    folder = _specs(tmp_path, CORPUS / "mem0.json")
    with ServerThread(Settings(specs=folder, quiet=True, data=None)) as server:
        api, auth = server.url("mem0"), {"Authorization": f"Token {TOKEN}"}
        made = httpx.post(
            api + "/v1/memories/",
            json={"messages": [{"role": "user", "content": "I like tea"}], "user_id": "u1"},
            headers=auth,
            timeout=10,
        )
        assert made.status_code == 200 and isinstance(made.json(), list)
        for memory in made.json():
            assert httpx.get(f"{api}/v1/memories/{memory['id']}/", headers=auth, timeout=10).status_code == 200
            assert httpx.delete(f"{api}/v1/memories/{memory['id']}/", headers=auth, timeout=10).status_code in (
                200,
                204,
            )
            assert httpx.get(f"{api}/v1/memories/{memory['id']}/", headers=auth, timeout=10).status_code == 404
