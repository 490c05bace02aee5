"""What is served about the documents: `<base>/openapi.json`, the document itself (what a
client fuzzes); Swagger UI's copy at `<base>/ui/openapi.json` (realistic request examples, a
`Prefer` choice); and the admin API's own document, which its answers follow."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import yaml
from openapi_core import OpenAPI
from openapi_spec_validator import validate

from mockserver.spec import Api
from mockserver.testing.pytest_plugin import MockServerFixture

from conftest import PATHS, SPECS, TOKEN, VENDORS, assert_valid_response, valid_body

AUTH = {"Authorization": f"Bearer {TOKEN}"}


def served(http: httpx.Client, vendor: str, copy: str = "/ui/openapi.json") -> dict[str, Any]:
    mounts = {api["name"]: api["base_path"] for api in http.get("/__admin/health").json()["apis"]}
    return http.get(f"{mounts[vendor]}{copy}").json()


def create_operation(document: dict[str, Any], vendor: str) -> dict[str, Any]:
    server = document["servers"][0]["url"]
    return document["paths"][PATHS[vendor][len(server) :]]["post"]


@pytest.mark.parametrize("vendor", VENDORS)
def test_served_documents_are_valid_and_the_file_is_untouched(
    mockserver: MockServerFixture, apis: dict[str, Api], vendor: str
) -> None:
    """The contract is the document itself; only Swagger UI's copy has additions."""
    before = (SPECS / f"{vendor}.yaml").read_bytes()
    with httpx.Client(base_url=mockserver.root) as http:
        page_copy = served(http, vendor)
        itself = served(http, vendor, "/openapi.json")
        as_yaml = yaml.safe_load(http.get(f"{apis[vendor].base_path}/openapi.yaml").text)
    validate(page_copy)
    assert itself == as_yaml == json.loads(json.dumps(apis[vendor].mounted_document))
    assert page_copy != itself
    assert (SPECS / f"{vendor}.yaml").read_bytes() == before


@pytest.mark.parametrize("vendor", VENDORS)
def test_the_create_offers_the_fixture_body_first(mockserver: MockServerFixture, vendor: str) -> None:
    """Try it out starts from the realistic body, which the mock accepts."""
    with httpx.Client(base_url=mockserver.root) as http:
        operation = create_operation(served(http, vendor), vendor)
        media = next(m for t, m in operation["requestBody"]["content"].items() if "json" in t)
        first = next(iter(media["examples"].values()))
        assert first["value"] == valid_body(vendor) and "example" not in media
        assert http.post(PATHS[vendor], json=first["value"], headers=AUTH).status_code < 300


@pytest.mark.parametrize("vendor", VENDORS)
def test_prefer_offers_every_declared_status_and_each_works(mockserver: MockServerFixture, vendor: str) -> None:
    with httpx.Client(base_url=mockserver.root) as http:
        operation = create_operation(served(http, vendor), vendor)
        prefer = next(p for p in operation["parameters"] if p["name"] == "Prefer")
        assert prefer["in"] == "header" and not prefer["required"]
        codes = [c for c in prefer["schema"]["enum"] if c.startswith("code=")]
        assert codes == [f"code={s}" for s in operation["responses"] if s.isdigit()]
        assert "dynamic=true" in prefer["schema"]["enum"]
        for choice in codes:
            answer = http.post(PATHS[vendor], json=valid_body(vendor), headers={**AUTH, "Prefer": choice})
            assert answer.status_code == int(choice[5:]), (choice, answer.text)


@pytest.fixture(scope="module")
def admin_openapi(mockserver_session: MockServerFixture) -> OpenAPI:
    document = httpx.get(f"{mockserver_session.root}/__admin/openapi.json").json()
    validate(document)
    return OpenAPI.from_dict(document)


def test_admin_answers_follow_the_admin_document(mockserver: MockServerFixture, admin_openapi: OpenAPI) -> None:
    with httpx.Client(base_url=mockserver.root) as http:
        http.post(PATHS["agno"], json={"topics": 1}, headers=AUTH)
        http.post(PATHS["agno"], json=valid_body("agno"), headers=AUTH)
        calls = [
            http.build_request("GET", "/__admin/health"),
            http.build_request("GET", "/__admin/requests", params={"api": "agno", "limit": 5}),
            http.build_request("GET", "/__admin/records"),
            http.build_request("GET", "/__admin/collections"),
            http.build_request("GET", "/__admin/requests", params={"limit": "many"}),
            http.build_request("GET", "/__admin/records/nope"),
            http.build_request("DELETE", "/__admin/requests"),
            http.build_request("POST", "/__admin/reset"),
        ]
        for request in calls:
            response = http.send(request)
            assert response.status_code < 500
            assert_valid_response(admin_openapi, request, response)


def test_admin_ui_and_inspector_are_served(mockserver: MockServerFixture) -> None:
    with httpx.Client(base_url=mockserver.root) as http:
        assert http.get("/__admin/ui/").status_code == 200
        assert http.get("/__admin", follow_redirects=True).url.path == "/__admin/"
        for path, kind in [
            ("/__admin/", "text/html"),
            ("/__admin/static/inspector.js", "text/javascript"),
            ("/__admin/static/inspector.css", "text/css"),
        ]:
            answer = http.get(path)
            assert answer.status_code == 200 and answer.headers["content-type"].startswith(kind)
        assert http.get("/__admin/static/../admin.py").status_code == 404


def test_index_names_the_test_token_and_links_the_inspector(mockserver: MockServerFixture) -> None:
    page = httpx.get(f"{mockserver.root}/").text
    assert f"<code>{TOKEN}</code>" in page
    assert 'href="/__admin/"' in page and 'href="/__admin/ui/"' in page
