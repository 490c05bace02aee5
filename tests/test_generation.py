"""Every generated body validates against its spec, for every operation and every status.

The bodies are built by the server's own code path (`MockedApi.respond` / `MockedApi.error`)
from many seeds, with a generated valid request to echo, and judged by openapi-core's full
response validation — for the five vendor specs, the petstore and two documents of boundary
schemas (nullable anyOf, enums, const, length/item/number bounds, exclusive bounds in both
OpenAPI flavours, formats, nested arrays of objects, allOf, oneOf, additionalProperties
true/false, recursion).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse

from mockserver.config import Settings
from mockserver.journal.memory import Journal
from mockserver.mocker import negotiator as negotiation
from mockserver.problems import ErrorItem, Problem
from mockserver.server.http import Request
from mockserver.server.pipeline import MockedApi
from mockserver.spec import Api, Operation, load_api
from mockserver.validator.security import AuthPolicy

from conftest import SPECS

DATA = Path(__file__).parent / "data"
DOCUMENTS = sorted(SPECS.glob("*.yaml")) + [
    DATA / "petstore.yaml",
    DATA / "boundaries.yaml",
    DATA / "boundaries30.yaml",
]
PROBLEMS = st.builds(
    Problem,
    kind=st.sampled_from(["validation", "bad_request", "unauthenticated", "forbidden", "not_found", "server"]),
    message=st.sampled_from(["Validation error", "Not Found", "Not authenticated"]),
    items=st.lists(
        st.builds(
            ErrorItem,
            loc=st.tuples(st.just("body"), st.sampled_from(["memory", "content", "text", "tags"])),
            msg=st.sampled_from(["Field required", "Input should be a valid string"]),
            type=st.sampled_from(["missing", "string_type"]),
        ),
        max_size=3,
    ).map(tuple),
)


def cases() -> list[tuple[Path, str, str]]:
    found = []
    for document in DOCUMENTS:
        api = load_api(document)
        for op in api.operations:
            for status in op.responses:
                found.append((document, op.routing_id, status))
    return found


_APIS: dict[Path, tuple[Api, MockedApi, OpenAPI]] = {}


def runtime(document: Path) -> tuple[Api, MockedApi, OpenAPI]:
    if document not in _APIS:
        api = load_api(document)
        mocked = MockedApi(api, Settings(quiet=True), AuthPolicy("off"), Journal(10))
        _APIS[document] = (api, mocked, OpenAPI.from_dict(api.mounted_document))
    return _APIS[document]


def request_for(api: Api, op: Operation, mocked: MockedApi) -> tuple[MockRequest, object]:
    body = None
    content = (op.request_body or {}).get("content") or {}
    if "application/json" in content:
        body = mocked.faker.value(content["application/json"].get("schema"))
    path = api.base_path + op.path.replace("{id}", "3f2b8c1e-9d4a-4e6b-8a7c-1d2e3f4a5b6c")
    data = json.dumps(body).encode() if body is not None else b""
    return MockRequest("http://127.0.0.1", op.method.lower(), path, data=data, content_type="application/json"), body


@pytest.mark.parametrize(("document", "routing_id", "status"), cases(), ids=lambda v: getattr(v, "stem", v))
def test_generated_responses_validate_with_openapi_core(document: Path, routing_id: str, status: str) -> None:
    api, mocked, openapi = runtime(document)
    op = mocked.operations[routing_id]
    code = int(status) if status.isdigit() else 400

    @settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
    @given(seed=st.integers(0, 2**32), problem=PROBLEMS)
    def check(seed: int, problem: Problem) -> None:
        mocked.streams.reseed(seed)
        request, body = request_for(api, op, mocked)
        choice = negotiation.choose(op, code)
        if code < 400:
            ours = Request(op.method, request.path, "", {"host": "127.0.0.1"}, request.body or b"")
            response, _record = mocked.respond(op, choice, negotiation.Preferences(), body, ours)
        else:
            response = mocked.error(op, code, problem)
        assert response.status == code, response.body
        if choice.media_type is None:
            assert response.body == b""
            return
        openapi.validate_response(
            request, MockResponse(data=response.body, status_code=code, content_type=response.media_type or "")
        )
        assert not undeclared(json.loads(response.body), choice.schema, mocked), response.body

    check()


def undeclared(value: Any, schema: Any, mocked: MockedApi, path: str = "") -> list[str]:
    """Paths of object keys the schema does not define (an object schema with `properties`)."""
    schema = mocked.faker.flatten(schema or {})
    options = schema.get("anyOf") or schema.get("oneOf")
    if options:
        return min((undeclared(value, o, mocked, path) for o in options), key=len)
    found: list[str] = []
    if isinstance(value, dict) and "properties" in schema:
        properties = schema["properties"]
        found += [f"{path}.{key}" for key in value if key not in properties]
        for key, item in value.items():
            if key in properties:
                found += undeclared(item, properties[key], mocked, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += undeclared(item, schema.get("items"), mocked, f"{path}[{index}]")
    return found
