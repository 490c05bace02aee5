"""Prism-compatible response selection with the `Prefer` header."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from openapi_core import OpenAPI

from mockserver.config import Settings
from mockserver.testing.thread import ServerThread

from conftest import PATHS, TOKEN, assert_valid_response, valid_body

AUTH = {"Authorization": f"Bearer {TOKEN}"}


def prefer(value: str) -> dict[str, str]:
    return {**AUTH, "Prefer": value}


@pytest.mark.parametrize(
    ("vendor", "code", "body"),
    [
        ("agno", 404, {"detail": "Not Found", "error_code": "NOT_FOUND"}),
        ("agno", 500, {"detail": "Internal Server Error", "error_code": "INTERNAL_SERVER_ERROR"}),
        ("agno", 400, {"detail": "Bad Request", "error_code": "BAD_REQUEST"}),
        ("omi", 403, {"detail": "Forbidden"}),
        ("memoryplugin", 500, {"error": "Internal Server Error"}),
        ("memoram", 403, None),
    ],
)
def test_prefer_code_serves_any_declared_status(
    vendor: str, code: int, body: object, client: httpx.Client, oracle: dict[str, OpenAPI]
) -> None:
    response = client.post(PATHS[vendor], json=valid_body(vendor), headers=prefer(f"code={code}"))
    assert response.status_code == code
    if body is None:
        assert response.content == b""
    else:
        assert response.json() == body
        assert_valid_response(oracle[vendor], response.request, response)


def test_prefer_code_wins_over_request_validation(client: httpx.Client) -> None:
    response = client.post(PATHS["agno"], json={"memory": 5}, headers=prefer("code=200"))
    assert response.status_code == 200


def test_authentication_still_comes_first(client: httpx.Client) -> None:
    response = client.post(PATHS["agno"], json=valid_body("agno"), headers={"Prefer": "code=200"})
    assert response.status_code == 401


@pytest.mark.parametrize("header", ["code=418", "code=abc", "dynamic=maybe", "example=nope"])
def test_unservable_preference_is_a_mock_level_400(header: str, client: httpx.Client) -> None:
    response = client.post(PATHS["agno"], json=valid_body("agno"), headers=prefer(header))
    assert response.status_code == 400
    assert response.headers["x-mock-error"]
    assert "mockserver_error" in response.json()
    assert response.headers["x-mock-error"] == response.json()["mockserver_error"]


def test_undeclared_code_names_the_declared_ones(client: httpx.Client) -> None:
    response = client.post(PATHS["agno"], json=valid_body("agno"), headers=prefer("code=418"))
    assert "declared: 200, 400, 401, 404, 422, 500" in response.json()["mockserver_error"]


def test_dynamic_false_serves_the_spec_example(client: httpx.Client) -> None:
    response = client.post(PATHS["agno"], json=valid_body("agno"), headers=prefer("dynamic=false"))
    assert response.status_code == 200
    assert response.json()["memory_id"] == "mem-123"
    assert response.json()["topics"] == ["preferences", "communication_style", "technical"]


def test_dynamic_false_without_an_example_still_generates(client: httpx.Client, oracle: dict[str, OpenAPI]) -> None:
    response = client.post(PATHS["omi"], json=valid_body("omi"), headers=prefer("dynamic=false"))
    assert response.status_code == 200
    assert_valid_response(oracle["omi"], response.request, response)


@pytest.fixture(scope="module")
def notes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    specs = tmp_path_factory.mktemp("specs")
    shutil.copy(Path(__file__).parent / "data" / "secured.yaml", specs / "notes.yaml")
    with ServerThread(Settings(specs=specs, quiet=True)) as server:
        yield server.url("notes")


@pytest.mark.parametrize(("name", "text"), [("groceries", "Buy oat milk"), ("dentist", "Dentist on Tuesday at 9")])
def test_prefer_example_serves_the_named_example(notes: str, name: str, text: str) -> None:
    response = httpx.get(notes + "/bearer", headers=prefer(f"example={name}"))
    assert response.status_code == 200
    assert response.json()["text"] == text


def test_prefer_code_and_example_combine(notes: str) -> None:
    response = httpx.get(notes + "/bearer", headers=prefer("code=200, example=dentist"))
    assert response.json() == {"id": "n-2", "text": "Dentist on Tuesday at 9"}


def test_unknown_example_lists_the_declared_ones(notes: str) -> None:
    response = httpx.get(notes + "/bearer", headers=prefer("example=nope"))
    assert response.status_code == 400
    assert "declared: groceries, dentist" in response.json()["mockserver_error"]


def test_a_response_that_violates_the_spec_is_never_sent(notes: str) -> None:
    """The example is invalid (id is not a string, text is missing): serving it would teach the
    client a wrong contract, so the guard answers 500 naming the violations instead."""
    response = httpx.get(notes + "/invalid-example", headers=prefer("dynamic=false"))
    assert response.status_code == 500
    assert response.headers["x-mock-error"] == "invalid generated response"
    violations = response.json()["violations"]
    assert "response.id: Input should be a valid string" in violations
    assert "response.text: Field required" in violations
