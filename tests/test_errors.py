"""Each vendor's errors come in the status and body shape its document declares."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from openapi_core import OpenAPI

from conftest import PATHS, TOKEN, assert_valid_response, valid_body

AUTH = {"Authorization": f"Bearer {TOKEN}"}
JSON = {**AUTH, "Content-Type": "application/json"}


def fastapi_items(field: str, msg: str, kind: str) -> dict[str, Any]:
    return {"detail": [{"loc": ["body", field], "msg": msg, "type": kind}]}


# vendor -> case -> (request body or raw bytes, expected status, expected body or None for empty)
CASES: dict[str, dict[str, tuple[Any, int, Any]]] = {
    "mielto": {
        "missing": ({"user_id": "u-1"}, 422, fastapi_items("memory", "Field required", "missing")),
        "wrong_type": (
            {"user_id": "u-1", "memory": 5},
            422,
            fastapi_items("memory", "Input should be a valid string", "string_type"),
        ),
    },
    "agno": {
        "missing": (
            {"topics": ["x"]},
            422,
            {"detail": "body.memory: Field required", "error_code": "VALIDATION_ERROR"},
        ),
        "wrong_type": (
            {"memory": ["x"]},
            422,
            {"detail": "body.memory: Input should be a valid string", "error_code": "VALIDATION_ERROR"},
        ),
        "too_long": (
            {"memory": "x" * 5001},
            422,
            {"detail": "body.memory: String should have at most 5000 characters", "error_code": "VALIDATION_ERROR"},
        ),
    },
    "omi": {
        "missing": ({"tags": []}, 422, fastapi_items("content", "Field required", "missing")),
        "wrong_type": (
            {"content": "x", "tags": "health"},
            422,
            fastapi_items("tags", "Input should be a valid list", "list_type"),
        ),
        "too_long": (
            {"content": "x" * 501},
            422,
            fastapi_items("content", "String should have at most 500 characters", "string_too_long"),
        ),
        "enum": ({"content": "x", "category": "gossip"}, 422, None),
    },
    "memoram": {
        "missing": ({"user_id": "3f2b8c1e-9d4a-4e6b-8a7c-1d2e3f4a5b6c", "memoryKey": "k"}, 400, None),
        "wrong_type": (
            {"user_id": "3f2b8c1e-9d4a-4e6b-8a7c-1d2e3f4a5b6c", "memoryKey": "k", "content": "c", "importance": "high"},
            400,
            None,
        ),
        "bad_uuid": ({"user_id": "user-1", "memoryKey": "k", "content": "c"}, 400, None),
    },
    "memoryplugin": {
        "missing": ({"source": "chatgpt"}, 400, {"error": "body.text: Field required"}),
        "wrong_type": (
            {"text": "t", "bucketId": "one"},
            400,
            {"error": "body.bucketId: Input should be a valid integer"},
        ),
    },
}
EMPTY_BODY_VENDORS = {"memoram"}
VALIDATION_STATUS = {"mielto": 422, "agno": 422, "omi": 422, "memoram": 400, "memoryplugin": 400}
UNAUTHENTICATED = {
    "mielto": {"detail": "Not authenticated"},
    "agno": {"detail": "Not authenticated", "error_code": "UNAUTHENTICATED"},
    "omi": {"detail": "Not authenticated"},
    "memoram": None,
    "memoryplugin": {"error": "Not authenticated"},
}


@pytest.mark.parametrize(("vendor", "case"), [(v, c) for v, cases in CASES.items() for c in cases])
def test_invalid_body_answers_declared_status_and_shape(
    vendor: str, case: str, client: httpx.Client, oracle: dict[str, OpenAPI]
) -> None:
    body, status, expected = CASES[vendor][case]
    response = client.post(PATHS[vendor], json=body, headers=AUTH)
    assert response.status_code == status, response.text
    if vendor in EMPTY_BODY_VENDORS:
        assert response.content == b"" and "content-type" not in response.headers
        return
    assert response.headers["content-type"] == "application/json"
    if expected is not None:
        assert response.json() == expected
    assert_valid_response(oracle[vendor], response.request, response)


def test_enum_violation_lists_the_allowed_values(client: httpx.Client) -> None:
    (item,) = client.post(PATHS["omi"], json={"content": "x", "category": "gossip"}, headers=AUTH).json()["detail"]
    assert item["loc"] == ["body", "category"] and item["type"] == "enum"
    assert item["msg"].startswith("Input should be 'interesting', 'system'")


@pytest.mark.parametrize("vendor", PATHS)
@pytest.mark.parametrize(
    ("raw", "content_type", "kind"),
    [
        (b'{"memory": ', "application/json", "json_invalid"),
        (b"\xff\xfe\x00garbage", "application/json", "json_invalid"),
        (b"", "application/json", "missing"),
        (b"[1, 2]", "application/json", "model_attributes_type"),
        (b'"just a string"', "application/json", "model_attributes_type"),
        (b'{"memory": "x"}', "text/plain", "model_attributes_type"),
        (b'{"memory": "x"}', None, "model_attributes_type"),
    ],
)
def test_malformed_input_gets_the_validation_status_and_shape(
    vendor: str, raw: bytes, content_type: str | None, kind: str, client: httpx.Client, oracle: dict[str, OpenAPI]
) -> None:
    headers = dict(AUTH)
    if content_type:
        headers["Content-Type"] = content_type
    response = client.post(PATHS[vendor], content=raw, headers=headers)
    assert response.status_code == VALIDATION_STATUS[vendor], response.text
    if vendor in EMPTY_BODY_VENDORS:
        assert response.content == b""
        return
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    if vendor in ("mielto", "omi"):
        assert [item["type"] for item in body["detail"]] == [kind]
        assert body["detail"][0]["loc"][0] == "body"
    else:
        assert "body" in (body.get("detail") or body.get("error"))


@pytest.mark.parametrize("vendor", PATHS)
def test_missing_token_answers_401_in_the_vendor_shape(vendor: str, client: httpx.Client) -> None:
    response = client.post(PATHS[vendor], json=valid_body(vendor))
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    expected = UNAUTHENTICATED[vendor]
    if expected is None:
        assert response.content == b""
    else:
        assert response.json() == expected


@pytest.mark.parametrize("vendor", PATHS)
def test_auth_is_checked_before_the_body(vendor: str, client: httpx.Client) -> None:
    response = client.post(PATHS[vendor], content=b"{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 401


def test_empty_optional_query_value_is_not_rejected(client: httpx.Client) -> None:
    response = client.post(PATHS["agno"] + "?db_id=&table=", json=valid_body("agno"), headers=AUTH)
    assert response.status_code == 200, response.text


def test_every_error_is_reported_not_just_the_first(client: httpx.Client) -> None:
    response = client.post(PATHS["mielto"], json={"memory": 1, "topics": "x"}, headers=AUTH)
    locs = sorted(tuple(item["loc"]) for item in response.json()["detail"])
    assert locs == [("body", "memory"), ("body", "topics"), ("body", "user_id")]


def test_errors_are_never_problem_json(client: httpx.Client) -> None:
    for vendor in ("mielto", "agno", "omi", "memoryplugin"):
        response = client.post(PATHS[vendor], content=b"{", headers=JSON)
        assert response.headers["content-type"] == "application/json"
