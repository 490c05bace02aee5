"""The served verdict equals openapi-core's, on generated valid and invalid requests.

openapi-core's full request path (`OpenAPI.unmarshal_request`) is the oracle. For every vendor,
hypothesis mutates a valid create body (drops fields, swaps in values of every JSON type, long
strings, bad UUIDs, non-JSON bytes) and checks that (1) the server accepts exactly what
openapi-core accepts and (2) the fields our error items point at are the fields openapi-core's
errors point at.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openapi_core import OpenAPI
from openapi_core.templating.media_types.exceptions import MediaTypeNotFound
from openapi_core.testing import MockRequest
from openapi_core.validation.request.exceptions import (
    InvalidRequestBody,
    MissingRequiredRequestBody,
    RequestBodyValidationError,
)

from mockserver.server.http import Request
from mockserver.spec import Api
from mockserver.validator.request import compile_api

from conftest import PATHS, TOKEN, VENDORS, valid_body

AUTH = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**53), max_value=2**53),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
    st.text(min_size=490, max_size=5100).filter(lambda s: len(s) > 500),
    st.sampled_from(["", "user", "not-a-uuid", "3f2b8c1e-9d4a-4e6b-8a7c-1d2e3f4a5b6c", "interesting", "public", "ok"]),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)),
    max_leaves=6,
)


@st.composite
def mutated(draw: st.DrawFn, vendor: str) -> Any:
    """A body near the valid one: some fields dropped, some replaced, some added."""
    body: dict[str, Any] = dict(valid_body(vendor))
    for name in list(body):
        action = draw(st.sampled_from(["keep", "keep", "drop", "replace"]))
        if action == "drop":
            del body[name]
        elif action == "replace":
            body[name] = draw(json_values)
    if draw(st.booleans()):
        body[draw(st.sampled_from(["topics", "tags", "category", "memory_type", "bucketId", "extra"]))] = draw(
            json_values
        )
    return draw(st.one_of(st.just(body), st.just(body), json_values))


def oracle_fields(openapi: OpenAPI, path: str, raw: bytes) -> set[str] | None:
    """None if openapi-core accepts the request, else the top-level body fields it blames."""
    request = MockRequest("http://127.0.0.1", "post", path, data=raw, headers=AUTH, content_type="application/json")
    result = openapi.unmarshal_request(request)
    if not result.errors:
        return None
    fields: set[str] = set()
    for error in result.errors:
        cause = error.__cause__
        if isinstance(error, InvalidRequestBody) and cause is not None:
            for schema_error in getattr(cause, "schema_errors", ()):
                where = list(schema_error.absolute_path)
                if schema_error.validator == "required" and not where:
                    present = schema_error.instance if isinstance(schema_error.instance, dict) else {}
                    fields.update(n for n in schema_error.validator_value if n not in present)
                else:
                    fields.add(str(where[0]) if where else "")
        elif isinstance(error, (MissingRequiredRequestBody, RequestBodyValidationError, MediaTypeNotFound)):
            fields.add("")
        else:
            fields.add(type(error).__name__)
    return fields


def our_fields(api: Api, raw: bytes) -> set[str] | None:
    validators, _ = compile_api(api)
    (validator,) = validators.values()
    request = Request("POST", PATHS[api.name], "", {k.lower(): v for k, v in AUTH.items()}, raw)
    items, _ = validator.validate(request)
    if not items:
        return None
    return {str(item.loc[1]) if len(item.loc) > 1 and isinstance(item.loc[1], str) else "" for item in items}


@pytest.mark.parametrize("vendor", VENDORS)
def test_verdict_and_blamed_fields_match_openapi_core(
    vendor: str, client: httpx.Client, oracle: dict[str, OpenAPI], apis: dict[str, Api]
) -> None:
    import orjson

    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
    @given(body=mutated(vendor), garbage=st.one_of(st.none(), st.binary(max_size=12)))
    def check(body: Any, garbage: bytes | None) -> None:
        raw = garbage if garbage is not None else orjson.dumps(body)
        expected = oracle_fields(oracle[vendor], PATHS[vendor], raw)
        served = client.post(PATHS[vendor], content=raw, headers=AUTH)
        if expected is None:
            assert served.status_code < 300, (raw, served.text)
        else:
            assert served.status_code in (400, 422), (raw, expected, served.text)
            assert our_fields(apis[vendor], raw) == expected, raw

    check()
