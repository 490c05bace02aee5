"""Shared fixtures: one real server per session, plus helpers that judge responses with
openapi-core, the authority on what the specs allow."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

import httpx
import pytest
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse

from mockserver.config import FIXTURES
from mockserver.testing.pytest_plugin import MockServerFixture
from mockserver.spec import Api, load_directory

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parent.parent
SPECS = ROOT / "specs"
VENDORS = ("mielto", "agno", "omi", "memoram", "memoryplugin")
TOKEN = "test-token"


def valid_body(api: str) -> dict[str, Any]:
    """A create request the vendor accepts, from fixtures/requests/."""
    return json.loads((FIXTURES / "requests" / f"{api}.json").read_text())


@pytest.fixture(scope="session")
def apis() -> dict[str, Api]:
    return {api.name: api for api in load_directory(SPECS)}


@pytest.fixture(scope="session")
def server(mockserver_session: MockServerFixture) -> MockServerFixture:
    """The plugin's session server (the project's tests use the plugin they ship)."""
    return mockserver_session


@pytest.fixture(scope="session")
def client(server: MockServerFixture) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.root, timeout=10) as http:
        yield http


@pytest.fixture(scope="session")
def oracle(apis: dict[str, Api]) -> dict[str, OpenAPI]:
    """openapi-core, configured with each API's mounted document."""
    return {name: OpenAPI.from_dict(api.mounted_document) for name, api in apis.items()}


def assert_valid_response(
    openapi: OpenAPI, request: httpx.Request, response: httpx.Response
) -> None:
    """openapi-core accepts `response` as an answer to `request` (raises otherwise)."""
    mock_request = MockRequest(
        f"{request.url.scheme}://{request.url.netloc.decode()}",
        request.method.lower(),
        request.url.path,
        data=request.content,
        headers=dict(request.headers),
        content_type=request.headers.get("content-type", "application/json"),
    )
    mock_response = MockResponse(
        data=response.content,
        status_code=response.status_code,
        headers=dict(response.headers),
        content_type=response.headers.get("content-type", "application/json"),
    )
    openapi.validate_response(mock_request, mock_response)
