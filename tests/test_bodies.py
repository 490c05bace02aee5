"""Generated bodies satisfy schemas that used to defeat the generator: patterns, short ids,
discriminated `oneOf`, required-but-undefined properties, OpenAPI 3.0 nullable enums and
write-only fields, float `multipleOf`, and two `allOf` responses that once shared a plan."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from openapi_core import Config, OpenAPI

from mockserver.config import Settings
from mockserver.spec import load_directory
from mockserver.testing.thread import ServerThread

from conftest import assert_valid_response

DEFECTS = Path(__file__).parent / "data" / "defects"
AUTH = {"Authorization": "Token test-token"}


@pytest.fixture(scope="module")
def running() -> Iterator[ServerThread]:
    with ServerThread(Settings(specs=DEFECTS, quiet=True)) as server:
        yield server


@pytest.fixture(scope="module")
def oracles() -> dict[str, OpenAPI]:
    """openapi-core's response validation; its document check is off, since these documents
    carry the nits real ones do (a `default` that contradicts its schema)."""
    return {
        api.name: OpenAPI.from_dict(api.mounted_document, config=Config(spec_validator_cls=None))
        for api in load_directory(DEFECTS)
    }


def answers(
    running: ServerThread, api: str, method: str, path: str, times: int, **kwargs: object
) -> list[httpx.Response]:
    with httpx.Client(base_url=running.url(api), headers=AUTH, timeout=10) as client:
        return [client.request(method, path, **kwargs) for _ in range(times)]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "path", ["/agents/a-1", "/pets", "/a/items", "/b/items", "/passwords", "/memories", "/both", "/text", "/settings"]
)
def test_every_answer_validates(running: ServerThread, oracles: dict[str, OpenAPI], path: str) -> None:
    for response in answers(running, "shapes", "GET", path, 40):
        assert response.status_code == 200, response.text
        assert_valid_response(oracles["shapes"], response.request, response)


def test_a_declared_default_is_answered_only_when_it_is_valid(running: ServerThread) -> None:
    for response in answers(running, "shapes", "GET", "/settings", 10):
        settings = response.json()
        assert settings["retries"] == 3
        assert isinstance(settings["noise_reduction"], dict) and settings["mode"] in ("fast", "careful")


def test_pattern_and_length_bounded_ids(running: ServerThread) -> None:
    for response in answers(running, "shapes", "GET", "/agents/a-1", 30):
        agent = response.json()
        assert re.search(r"^agent-[0-9a-f-]{36}$", agent["agent_id"])
        assert len(agent["short_id"]) <= 22
        assert "ghost_field" in agent


def test_a_discriminated_one_of_carries_its_mapping_key(running: ServerThread) -> None:
    kinds = set()
    for response in answers(running, "shapes", "GET", "/pets", 20):
        for pet in response.json():
            assert (pet["pet_type"], "lives" in pet, "bark" in pet) in {("cat", True, False), ("dog", False, True)}, pet
            kinds.add(pet["pet_type"])
    assert kinds == {"cat", "dog"}


def test_two_all_of_responses_never_share_a_plan(running: ServerThread) -> None:
    """A plan cache keyed by the identity of a temporary merged schema once handed `/a/items`'s
    plan to `/b/items` (about half of the answers were 500)."""
    with httpx.Client(base_url=running.url("shapes"), headers=AUTH, timeout=10) as client:
        for _ in range(60):
            a, b = client.get("/a/items"), client.get("/b/items")
            assert a.status_code == b.status_code == 200
            assert set(a.json()) == {"id", "a"} and set(b.json()) == {"id", "b"}


def test_the_example_stands_in_when_generation_cannot_satisfy_the_schema(running: ServerThread) -> None:
    for response in answers(running, "shapes", "GET", "/passwords", 10):
        assert response.status_code == 200
        assert re.search(r"^(?=.*[A-Z])(?=.*[0-9])[A-Za-z0-9]{8}$", response.json()["secret"])


def test_reads_are_not_skeletal(running: ServerThread) -> None:
    page = answers(running, "shapes", "GET", "/memories", 1)[0].json()
    assert page["items"], page
    assert {"id", "content", "createdAt", "topics"} <= set(page["items"][0])


def test_openapi_30_write_only_and_nullable_enums(running: ServerThread, oracles: dict[str, OpenAPI]) -> None:
    sent = {"email": "ann@example.com", "password": "correct horse", "tier": "pro"}
    for response in answers(running, "legacy", "POST", "/accounts", 20, json=sent):
        assert response.status_code == 201, response.text
        account = response.json()
        assert "password" not in account and account["tier"] == "pro" and len(account["id"]) <= 12
        assert_valid_response(oracles["legacy"], response.request, response)
    for response in answers(running, "legacy", "GET", "/accounts", 20):
        assert response.status_code == 200, response.text
        for account in response.json():
            assert "password" not in account and account["tier"] in ("free", "pro")
            assert account.get("region", "eu") in ("eu", "us")
        assert_valid_response(oracles["legacy"], response.request, response)
