"""The request journal and created records, through `/__admin/*` and the pytest fixture."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator

import httpx
import pytest

from mockserver.config import Settings
from mockserver.testing.pytest_plugin import MockServerFixture
from mockserver.testing.thread import ServerThread

from conftest import PATHS, SPECS, TOKEN, VENDORS, ended, serving, valid_body

AUTH = {"Authorization": f"Bearer {TOKEN}"}


def test_creates_across_all_apis_are_journaled_with_masked_credentials(mockserver: MockServerFixture) -> None:
    with httpx.Client(base_url=mockserver.root) as http:
        sent = [http.post(PATHS[v], json=valid_body(v), headers=AUTH) for v in VENDORS for _ in range(2)]
        entries = http.get("/__admin/requests").json()["requests"]
    assert len(entries) == len(sent) == 10
    assert [e["api"] for e in entries] == [v for v in VENDORS for _ in range(2)]
    for entry, response in zip(entries, sent, strict=True):
        assert entry["headers"]["authorization"] == "Bearer ******oken"
        assert entry["status"] == response.status_code
        assert entry["response"] == response.json()
        assert entry["body"] == valid_body(entry["api"])
        assert entry["method"] == "POST" and entry["path"] == PATHS[entry["api"]]
        assert entry["operation"].startswith("POST /") and entry["duration_ms"] >= 0
        assert entry["time"].endswith("Z")


def test_records_hold_the_created_objects(mockserver: MockServerFixture) -> None:
    with httpx.Client(base_url=mockserver.root) as http:
        created = {v: http.post(PATHS[v], json=valid_body(v), headers=AUTH).json() for v in VENDORS}
        http.post(PATHS["agno"], json={"memory": 5}, headers=AUTH)
        records = http.get("/__admin/records").json()["records"]
    assert {r["api"]: r["object"] for r in records} == created
    by_api = {r["api"]: r["id"] for r in records}
    assert by_api["agno"] == created["agno"]["memory_id"]
    assert by_api["omi"] == created["omi"]["id"]
    assert by_api["memoryplugin"] == created["memoryplugin"]["memoryId"]


def test_records_filter_by_api_and_user(mockserver: MockServerFixture) -> None:
    with httpx.Client(base_url=mockserver.root) as http:
        http.post(PATHS["agno"], json={"memory": "a", "user_id": "ada"}, headers=AUTH)
        http.post(PATHS["agno"], json={"memory": "b", "user_id": "bob"}, headers=AUTH)
        http.post(PATHS["mielto"], json={"memory": "c", "user_id": "ada"}, headers=AUTH)
        ada = http.get("/__admin/records", params={"user_id": "ada"}).json()["records"]
        agno = http.get("/__admin/records", params={"api": "agno"}).json()["records"]
    assert sorted(r["api"] for r in ada) == ["agno", "mielto"]
    assert [r["object"]["memory"] for r in agno] == ["a", "b"]
    assert [r["object"]["memory"] for r in mockserver.records(api="agno", user_id="bob")] == ["b"]


def test_journal_filters(mockserver: MockServerFixture) -> None:
    with httpx.Client(base_url=mockserver.root) as http:
        http.post(PATHS["agno"], json=valid_body("agno"), headers=AUTH)
        http.post(PATHS["agno"], json={}, headers=AUTH)
        http.post(PATHS["omi"], json=valid_body("omi"))
        http.get(PATHS["omi"], headers=AUTH)
        assert len(http.get("/__admin/requests", params={"api": "agno"}).json()["requests"]) == 2
        assert len(http.get("/__admin/requests", params={"status": 401}).json()["requests"]) == 1
        assert len(http.get("/__admin/requests", params={"method": "get"}).json()["requests"]) == 1
        assert len(http.get("/__admin/requests", params={"path": PATHS["omi"]}).json()["requests"]) == 2
        (last,) = http.get("/__admin/requests", params={"limit": 1}).json()["requests"]
        assert last["method"] == "GET" and last["status"] == 405
        assert http.get("/__admin/requests", params={"status": "x"}).status_code == 400
    assert [e["status"] for e in mockserver.requests(api="agno")] == [200, 422]


def test_delete_requests_and_reset(mockserver: MockServerFixture) -> None:
    with httpx.Client(base_url=mockserver.root) as http:
        http.post(PATHS["agno"], json=valid_body("agno"), headers=AUTH)
        assert http.delete("/__admin/requests").status_code == 204
        assert http.get("/__admin/requests").json()["requests"] == []
        assert len(http.get("/__admin/records").json()["records"]) == 1
        http.post(PATHS["agno"], json=valid_body("agno"), headers=AUTH)
        assert http.post("/__admin/reset").status_code == 204
        assert http.get("/__admin/requests").json()["requests"] == []
        assert http.get("/__admin/records").json()["records"] == []


def test_reset_restarts_seeded_streams() -> None:
    with ServerThread(Settings(quiet=True, seed=11)) as server, httpx.Client(base_url=server.root) as http:
        first = http.post(PATHS["omi"], json=valid_body("omi"), headers=AUTH).content
        http.post("/__admin/reset")
        assert http.post(PATHS["omi"], json=valid_body("omi"), headers=AUTH).content == first


def test_journal_is_a_bounded_ring_buffer() -> None:
    with ServerThread(Settings(quiet=True, journal_size=3)) as server, httpx.Client(base_url=server.root) as http:
        for i in range(7):
            http.post(PATHS["agno"], json={"memory": f"m{i}"}, headers=AUTH)
        entries = http.get("/__admin/requests").json()["requests"]
        records = http.get("/__admin/records").json()["records"]
    assert [e["body"]["memory"] for e in entries] == ["m4", "m5", "m6"]
    assert len(records) == 3


def test_api_keys_in_headers_and_query_are_masked() -> None:
    from mockserver.journal.memory import Journal, entry_for, mask
    from mockserver.server.http import Request, Response

    journal = Journal(10, ["X-API-Key", "api_key"])
    request = Request("GET", "/v1/x", "api_key=secret-value&q=1", {"x-api-key": "abcdefgh", "cookie": "s=1234567"}, b"")
    journal.append(entry_for("notes", None, request, Response(200, b"{}"), 0.0))
    (entry,) = journal.requests()
    assert entry["headers"] == {"x-api-key": "****efgh", "cookie": "*****4567"}
    assert entry["query"] == [["api_key", "********alue"], ["q", "1"]]
    assert mask("Bearer abc") == "Bearer ***"


@pytest.mark.parametrize("path", ["/__admin/requests", "/__admin/records", "/__admin/health"])
def test_admin_answers_403_off_loopback_without_token(path: str) -> None:
    with ServerThread(Settings(quiet=True, host="0.0.0.0")) as server:
        response = httpx.get(server.root + path)
    assert response.status_code == 403
    assert "--admin-token" in response.json()["detail"]


def test_admin_token_opens_admin_off_loopback() -> None:
    with ServerThread(Settings(quiet=True, host="0.0.0.0", admin_token="s3cret")) as server:
        assert httpx.get(server.root + "/__admin/requests").status_code == 403
        assert (
            httpx.get(server.root + "/__admin/requests", headers={"Authorization": "Bearer wrong"}).status_code == 403
        )
        assert (
            httpx.get(server.root + "/__admin/requests", headers={"Authorization": "Bearer s3cret"}).status_code == 200
        )
        assert httpx.post(server.url("agno") + "/memories", json=valid_body("agno"), headers=AUTH).status_code == 200


def test_entries_keep_response_headers_every_problem_and_a_unique_id(mockserver: MockServerFixture) -> None:
    """What the inspector shows: why a request was refused (all of it), and what was answered."""
    with httpx.Client(base_url=mockserver.root) as http:
        bad = http.post(PATHS["agno"], json={"topics": 1}, headers=AUTH)
        good = http.post(PATHS["agno"], json=valid_body("agno"), headers=AUTH)
        refused, accepted = http.get("/__admin/requests").json()["requests"]
    assert bad.status_code == 422 and good.status_code == 200
    assert sorted(refused["problems"]) == ["body.memory: Field required", "body.topics: Input should be a valid list"]
    assert refused["response"] == bad.json()
    assert refused["response_headers"]["content-type"] == bad.headers["content-type"]
    assert accepted["problems"] == []
    assert accepted["response_headers"]["content-type"] == good.headers["content-type"]
    assert refused["id"] != accepted["id"]


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """`mockserver serve` as a user runs it: it answers first and journals right after."""
    process, root = serving("--specs", str(SPECS))
    yield root, process
    ended(process)


def test_a_served_answer_is_in_the_journal_before_the_clients_next_request(
    served: tuple[str, subprocess.Popen[str]],
) -> None:
    """The server process sends an answer before journaling it; whatever the client asks next,
    on the same connection or a new one, already sees that exchange."""
    root, _ = served
    with httpx.Client(base_url=root) as kept:
        for round_number in range(40):
            sent = {**valid_body("agno"), "memory": f"round {round_number}"}
            answer = kept.post(PATHS["agno"], json=sent, headers=AUTH)
            reader = kept if round_number % 2 else httpx.Client(base_url=root)
            try:
                (entry,) = reader.get("/__admin/requests", params={"api": "agno", "limit": 1}).json()["requests"]
            finally:
                if reader is not kept:
                    reader.close()
            assert entry["body"] == sent
            assert entry["response"] == answer.json()
            assert entry["status"] == answer.status_code


def test_a_request_whose_client_left_during_a_delay_is_still_journaled(
    served: tuple[str, subprocess.Popen[str]],
) -> None:
    root, _ = served
    sent = {**valid_body("agno"), "memory": "the client gave up waiting"}
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(root + PATHS["agno"], json=sent, headers={**AUTH, "Prefer": "delay=800"}, timeout=0.2)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        entries = httpx.get(root + "/__admin/requests", params={"api": "agno"}).json()["requests"]
        found = [entry for entry in entries if entry["body"] == sent]
        if found:
            assert found[0]["duration_ms"] < 800  # the time to make the answer, not the delay
            return
        time.sleep(0.1)
    raise AssertionError("the abandoned request never reached the journal")
