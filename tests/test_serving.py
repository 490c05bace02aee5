"""Every API is mounted and answers its documented success, through the real HTTP stack."""

from __future__ import annotations

import httpx
import pytest
from openapi_core import OpenAPI

from mockserver.spec import Api

from conftest import PATHS, TOKEN, VENDORS, assert_valid_response, valid_body

SUCCESS = {"mielto": 200, "agno": 200, "omi": 200, "memoram": 201, "memoryplugin": 200}
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.mark.parametrize("vendor", VENDORS)
def test_valid_create_answers_documented_success_with_schema_valid_body(
    vendor: str, client: httpx.Client, oracle: dict[str, OpenAPI]
) -> None:
    response = client.post(PATHS[vendor], json=valid_body(vendor), headers=AUTH)
    assert response.status_code == SUCCESS[vendor], response.text
    assert response.headers["content-type"] == "application/json"
    assert_valid_response(oracle[vendor], response.request, response)


@pytest.mark.parametrize("vendor", VENDORS)
def test_base_path_is_name_plus_first_server_path(vendor: str, apis: dict[str, Api]) -> None:
    api = apis[vendor]
    assert api.base_path + api.operations[0].path == PATHS[vendor]


def test_unknown_path_inside_an_api_is_404_in_its_error_style(client: httpx.Client) -> None:
    response = client.post("/agno/no-such-thing", json={}, headers=AUTH)
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found", "error_code": "NOT_FOUND"}


def test_unknown_path_outside_every_api_is_404(client: httpx.Client) -> None:
    response = client.get("/nowhere")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"


@pytest.mark.parametrize("vendor", VENDORS)
def test_wrong_method_is_405_with_allow_header(vendor: str, client: httpx.Client) -> None:
    response = client.delete(PATHS[vendor], headers=AUTH)
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    if vendor == "memoram":  # declares no error bodies at all, so none is invented
        assert response.content == b""
    else:
        assert response.headers["content-type"] == "application/json"
        assert "Method Not Allowed" in response.text


def test_health_lists_every_api(client: httpx.Client) -> None:
    response = client.get("/__admin/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert {api["name"]: api["base_path"] for api in body["apis"]} == {
        "agno": "/agno",
        "memoram": "/memoram/api/v1",
        "memoryplugin": "/memoryplugin",
        "mielto": "/mielto",
        "omi": "/omi",
    }
    assert all(set(api) == {"name", "openapi", "base_path", "operations", "records", "evicted"} for api in body["apis"])


def test_index_links_swagger_ui_and_document_of_each_api(client: httpx.Client) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    for path in PATHS:
        base = PATHS[path].split("/")[1]
        assert f'href="/{base}' in page.text


@pytest.mark.parametrize("vendor", VENDORS)
def test_swagger_ui_and_verbatim_document_are_served(vendor: str, client: httpx.Client, apis: dict[str, Api]) -> None:
    base = apis[vendor].base_path
    ui = client.get(f"{base}/ui/")
    assert ui.status_code == 200 and "swagger" in ui.text.lower()
    document = client.get(f"{base}/openapi.json").json()
    assert document["openapi"] == apis[vendor].openapi
    assert document["paths"].keys() == apis[vendor].document["paths"].keys()
    assert document["servers"] == [{"url": base}]
