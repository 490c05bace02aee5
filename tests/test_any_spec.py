"""A document nobody wrote code for is served as soon as it is dropped into the specs directory."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from openapi_core import OpenAPI

from mockserver.config import Settings
from mockserver.spec import load_directory
from mockserver.testing.thread import ServerThread

from conftest import SPECS, assert_valid_response

PETSTORE = Path(__file__).parent / "data" / "petstore.yaml"


@pytest.fixture(scope="module")
def six_apis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    specs = tmp_path_factory.mktemp("specs")
    for spec in SPECS.glob("*.yaml"):
        shutil.copy(spec, specs / spec.name)
    shutil.copy(PETSTORE, specs / "petstore.yaml")
    with ServerThread(Settings(specs=specs, quiet=True)) as running:
        yield running


@pytest.fixture(scope="module")
def petstore() -> OpenAPI:
    (api,) = [a for a in load_directory(PETSTORE.parent) if a.name == "petstore"]
    return OpenAPI.from_dict(api.mounted_document)


def test_sixth_api_is_mounted_at_name_plus_server_path(six_apis: ServerThread) -> None:
    assert six_apis.url("petstore").endswith("/petstore/v2")
    names = {api["name"] for api in httpx.get(six_apis.root + "/__admin/health").json()["apis"]}
    assert names == {"mielto", "agno", "omi", "memoram", "memoryplugin", "petstore"}


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("GET", "/pets", None, 200),
        ("POST", "/pets", {"name": "Rex", "tag": "dog"}, 201),
        ("GET", "/pets/{created}", None, 200),
        ("DELETE", "/pets/{created}", None, 204),
    ],
)
def test_every_operation_answers_its_documented_success(
    six_apis: ServerThread, petstore: OpenAPI, method: str, path: str, body: object, status: int
) -> None:
    if "{created}" in path:  # an item is read or deleted once it exists
        pet = httpx.post(six_apis.url("petstore") + "/pets", json={"name": "Rex"}).json()
        path = path.replace("{created}", str(pet["id"]))
    response = httpx.request(method, six_apis.url("petstore") + path, json=body)
    assert response.status_code == status, response.text
    if status != 204:
        assert_valid_response(petstore, response.request, response)
    else:
        assert response.content == b""
