"""The validate-request stage: every parameter and the body, judged as openapi-core judges them.

openapi-core's full request path re-walks the document for every call (about 1 ms here), so each
operation's parameters and body are compiled into checks the first time the operation is called
(`Validators`), through openapi-core's own factories, deserialisers and casters. Verdicts are
openapi-core's; the wording is pydantic's (`wording`), so FastAPI-style vendors are imitated
exactly. All errors are reported, not just the first.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jsonschema_path import SchemaPath

from ..bounded import Bounded
from ..problems import ErrorItem
from ..server.http import Request
from ..spec import Api, Operation
from ..spec.model import SEPARATOR
from .body import BodyCheck
from .params import ParameterCheck, query_values
from .response import ResponseValidator
from .schema import SchemaCheck

_REJECTIONS = 256
_REMEMBERED_BODY = 64 * 1024


class RequestValidator:
    """Validates one operation's parameters and body.

    Verdicts on rejected requests are remembered (a bounded number, per operation): a client
    that retries the same bad request, or a load test's invalid share, is answered without
    walking openapi-core's validator again. A request's verdict depends only on what the key
    holds: its query, path values, content type, body, and the headers and cookie its
    parameters name."""

    def __init__(self, api: Api, op: Operation, spec: SchemaPath) -> None:
        operation = spec / "paths" / op.path / op.method.lower()
        self._parameters = [ParameterCheck(api.openapi, spec, _parameter_path(spec, op, p), p) for p in op.parameters]
        self._reads_query = any(p.location == "query" for p in self._parameters)
        self._body = BodyCheck(api.openapi, spec, operation, op.request_body) if op.request_body is not None else None
        self._headers = tuple(
            sorted(
                {p.name.lower() for p in self._parameters if p.location == "header"}
                | ({"cookie"} if any(p.location == "cookie" for p in self._parameters) else set())
            )
        )
        self._rejected: Bounded[tuple[Any, ...], list[ErrorItem]] = Bounded(_REJECTIONS)

    def schema_checks(self) -> list[tuple[str, SchemaCheck]]:
        """The compiled checks of the parameters and each body media type, labelled."""
        found = [(f"{p.location} {p.name}", p.check) for p in self._parameters if p.check is not None]
        if self._body is not None:
            found += [(f"request {declared}", check) for declared, check in self._body.checks().items()]
        return found

    def validate(self, request: Request) -> tuple[list[ErrorItem], Any]:
        """Every violation in `request`, and the parsed body (None when absent or invalid)."""
        key = (
            request.query_string,
            tuple(request.path_params.items()),
            request.headers.get("content-type"),
            request.body,
            tuple(request.headers.get(name) for name in self._headers),
        )
        known = self._rejected.get(key)
        if known is not None:
            return list(known), None
        errors, body = self._validate(request)
        if errors and len(request.body) <= _REMEMBERED_BODY:
            self._rejected.remember(key, errors)
        return errors, body

    def _validate(self, request: Request) -> tuple[list[ErrorItem], Any]:
        errors: list[ErrorItem] = []
        query = query_values(request) if self._reads_query else None
        for param in self._parameters:
            errors.extend(param.errors(request, query))
        if self._body is None:
            return errors, None
        body_errors, body = self._body.read(request)
        errors.extend(body_errors)
        return errors, body


class Validators:
    """An API's request and response validators, each compiled on its operation's first call:
    a 300-operation document starts in a fraction of the time, and nothing is compiled twice."""

    def __init__(self, api: Api) -> None:
        self._api = api
        self._spec = SchemaPath.from_dict(api.mounted_document, separator=SEPARATOR)
        self._requests: dict[str, RequestValidator] = {}
        self.response = ResponseValidator(api, self._spec)

    def request(self, op: Operation) -> RequestValidator:
        validator = self._requests.get(op.routing_id)
        if validator is None:
            validator = self._requests[op.routing_id] = RequestValidator(self._api, op, self._spec)
        return validator

    def schema_checks(self) -> list[tuple[str, SchemaCheck]]:
        """Every compiled schema check of the API, labelled `<routing id> <where>` (compiling
        all of them now): for tests and tools that look at the whole document."""
        found: list[tuple[str, SchemaCheck]] = []
        for op in self._api.operations:
            validator = self.request(op)
            found += [(f"{op.routing_id} {label}", check) for label, check in validator.schema_checks()]
            found += [
                (f"{op.routing_id} {status} {media_type}", check)
                for (status, media_type), check in self.response.compiled(op).items()
            ]
        return found


def compile_api(api: Api) -> tuple[dict[str, RequestValidator], ResponseValidator]:
    """Every validator of one API at once, keyed by routing id (for tests and tools)."""
    validators = Validators(api)
    return {op.routing_id: validators.request(op) for op in api.operations}, validators.response


def _parameter_path(spec: SchemaPath, op: Operation, param: Mapping[str, Any]) -> SchemaPath:
    """Where `param` lives in the document (operation level first, then path level)."""
    key = (param.get("name"), param.get("in"))
    for base in (spec / "paths" / op.path / op.method.lower(), spec / "paths" / op.path):
        declared = (base / "parameters").read_value() if "parameters" in base else []
        for index in range(len(declared) if isinstance(declared, list) else 0):
            found = base / "parameters" / index
            with found.resolve() as resolved:
                contents = resolved.contents
            if isinstance(contents, Mapping) and (contents.get("name"), contents.get("in")) == key:
                return found
    raise LookupError(f"parameter {key} not found in {op.routing_id}")
