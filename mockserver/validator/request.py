"""Request and response validation with openapi-core's own validators, compiled once per operation.

openapi-core is the authority on validity. Its full per-request path re-walks the document for
every call (about 1 ms here), so instead each operation's schemas are turned into openapi-core
`SchemaValidator`s at start-up, through the same factories openapi-core uses (OAS 3.0 write/read
validators, OAS 3.1 dialect validators, openapi-core's format checker). Verdicts are therefore
openapi-core's; only the wording is ours: every violation becomes an `ErrorItem` in pydantic's
vocabulary (`missing`, `string_type`, `string_too_long`, `enum`, `uuid_parsing`, `json_invalid`…)
so FastAPI-style vendors can be imitated exactly. All errors are reported, not just the first.

One deliberate difference from openapi-core: an empty optional query value (`?db_id=`) is treated
as absent rather than rejected, as the vendors' servers (FastAPI, Express…) do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping

import orjson
from jsonschema.exceptions import ValidationError
from jsonschema_path import SchemaPath
from openapi_core.validation.schemas import (
    oas30_read_schema_validators_factory,
    oas30_write_schema_validators_factory,
    oas31_schema_validators_factory,
)
from openapi_core.validation.schemas.factories import SchemaValidatorsFactory

from ..problems import ErrorItem
from .fastpath import accelerator
from ..server.http import Request
from ..spec import Api, Operation
from ..spec.model import SEPARATOR

_LOCATIONS = {"query": "query", "header": "header", "path": "path", "cookie": "cookie"}

_TYPE_MESSAGES = {
    "string": ("Input should be a valid string", "string_type"),
    "integer": ("Input should be a valid integer", "int_type"),
    "number": ("Input should be a valid number", "float_type"),
    "boolean": ("Input should be a valid boolean", "bool_type"),
    "array": ("Input should be a valid list", "list_type"),
    "object": ("Input should be a valid dictionary", "dict_type"),
    "null": ("Input should be None", "none_required"),
}
_FORMAT_MESSAGES = {
    "uuid": ("Input should be a valid UUID", "uuid_parsing"),
    "date-time": ("Input should be a valid datetime", "datetime_parsing"),
    "date": ("Input should be a valid date", "date_parsing"),
    "time": ("Input should be a valid time", "time_parsing"),
    "email": ("value is not a valid email address", "value_error"),
    "uri": ("Input should be a valid URL", "url_parsing"),
    "uri-reference": ("Input should be a valid URL", "url_parsing"),
    "ipv4": ("Input is not a valid IPv4 address", "ip_v4_address"),
    "ipv6": ("Input is not a valid IPv6 address", "ip_v6_address"),
    "int32": ("Input should be a valid 32-bit integer", "int_type"),
    "int64": ("Input should be a valid 64-bit integer", "int_type"),
    "byte": ("Input should be valid base64", "base64_decode"),
}


def _factories(openapi: str) -> tuple[SchemaValidatorsFactory, SchemaValidatorsFactory]:
    """(request, response) validator factories, as openapi-core picks them for this version."""
    if openapi.startswith("3.0"):
        return oas30_write_schema_validators_factory, oas30_read_schema_validators_factory
    return oas31_schema_validators_factory, oas31_schema_validators_factory


class SchemaCheck:
    """One compiled schema: `errors(value, loc)` lists every violation as `ErrorItem`s.

    openapi-core's validator decides; a jsonschema-rs accelerator answers first where it can be
    trusted to accept exactly what openapi-core accepts (see `fastpath`).
    """

    def __init__(self, factory: SchemaValidatorsFactory, spec: SchemaPath, schema: SchemaPath, openapi: str) -> None:
        self._validator = factory.create(spec, schema).validator
        self._accepts = accelerator(self._validator.schema, openapi, self._validator.format_checker)

    def errors(self, value: Any, loc: tuple[str | int, ...]) -> list[ErrorItem]:
        if self._accepts is not None and self._accepts(value):
            return []
        found: list[ErrorItem] = []
        for error in self._validator.iter_errors(value):
            found.extend(_describe(error, loc))
        return _unique(found)


@dataclass(frozen=True)
class _Parameter:
    name: str
    location: str
    required: bool
    kind: str | None
    item_kind: str | None
    explode: bool
    check: SchemaCheck | None


@dataclass(frozen=True)
class _Body:
    required: bool
    media_types: tuple[str, ...]
    checks: Mapping[str, SchemaCheck | None]


class RequestValidator:
    """Validates one operation's parameters and body; built once at start-up."""

    def __init__(self, api: Api, op: Operation, spec: SchemaPath) -> None:
        request_factory, _ = _factories(api.openapi)
        operation = spec / "paths" / op.path / op.method.lower()
        self._parameters = [self._parameter(api, request_factory, spec, op, p) for p in op.parameters]
        self._body = self._request_body(api, request_factory, spec, operation, op)

    @staticmethod
    def _parameter(
        api: Api, factory: SchemaValidatorsFactory, spec: SchemaPath, op: Operation, param: Mapping[str, Any]
    ) -> _Parameter:
        schema: Mapping[str, Any] = param.get("schema") or {}
        check = SchemaCheck(factory, spec, _param_schema_path(spec, op, param), api.openapi) if "schema" in param else None
        style_explode = param.get("explode", param.get("style", "form") == "form")
        items = schema.get("items") or {}
        return _Parameter(
            name=str(param["name"]),
            location=str(param["in"]),
            required=bool(param.get("required", param.get("in") == "path")),
            kind=_primitive(schema),
            item_kind=_primitive(items) if isinstance(items, Mapping) else None,
            explode=bool(style_explode),
            check=check,
        )

    @staticmethod
    def _request_body(
        api: Api, factory: SchemaValidatorsFactory, spec: SchemaPath, operation: SchemaPath, op: Operation
    ) -> _Body | None:
        body = op.request_body
        if body is None:
            return None
        content: Mapping[str, Any] = body.get("content") or {}
        checks: dict[str, SchemaCheck | None] = {}
        for media_type, media in content.items():
            has_schema = isinstance(media, Mapping) and "schema" in media
            checks[media_type] = (
                SchemaCheck(factory, spec, operation / "requestBody" / "content" / media_type / "schema", api.openapi)
                if has_schema and _is_json(media_type)
                else None
            )
        return _Body(bool(body.get("required", False)), tuple(content), checks)

    def validate(self, request: Request) -> tuple[list[ErrorItem], Any]:
        """Every violation in `request`, and the parsed JSON body (None when absent/invalid)."""
        errors: list[ErrorItem] = []
        for param in self._parameters:
            errors.extend(self._check_parameter(param, request))
        body_errors, body = self._check_body(request)
        errors.extend(body_errors)
        return errors, body

    def _check_parameter(self, param: _Parameter, request: Request) -> list[ErrorItem]:
        loc = (_LOCATIONS[param.location], param.name)
        raw = _raw_values(param, request)
        if not raw or (param.location == "query" and raw == [""] and not param.required):
            if param.required:
                return [ErrorItem(loc, "Field required", "missing")]
            return []
        value, cast_error = _cast(param, raw)
        if cast_error is not None:
            return [ErrorItem(loc, *cast_error)]
        return param.check.errors(value, loc) if param.check else []

    def _check_body(self, request: Request) -> tuple[list[ErrorItem], Any]:
        spec = self._body
        if spec is None:
            return [], None
        if not request.body:
            if spec.required:
                return [ErrorItem(("body",), "Field required", "missing")], None
            return [], None
        media_type = _match_media_type(request.content_type, spec.media_types)
        if media_type is None:
            expected = ", ".join(spec.media_types)
            shown = request.content_type or "none"
            msg = f"Unsupported Content-Type '{shown}': expected {expected}"
            return [ErrorItem(("body",), msg, "model_attributes_type")], None
        if not _is_json(media_type):
            return [], None
        check = spec.checks.get(media_type)
        try:
            body = orjson.loads(request.body)
        except orjson.JSONDecodeError as exc:
            position = getattr(exc, "pos", 0) or 0
            return [ErrorItem(("body", position), "JSON decode error", "json_invalid")], None
        if check is None:
            return [], body
        return check.errors(body, ("body",)), body


class ResponseValidator:
    """Validates generated bodies before they are sent: a violation is a bug of ours."""

    def __init__(self, api: Api, spec: SchemaPath) -> None:
        _, self._factory = _factories(api.openapi)
        self._checks: dict[tuple[str, str, str], SchemaCheck] = {}
        for op in api.operations:
            for status, response in op.responses.items():
                for media_type, media in ((response or {}).get("content") or {}).items():
                    if isinstance(media, Mapping) and "schema" in media and _is_json(media_type):
                        key = (op.routing_id, status, media_type)
                        path = spec / "paths" / op.path / op.method.lower() / "responses" / status
                        self._checks[key] = SchemaCheck(self._factory, spec, path / "content" / media_type / "schema", api.openapi)

    def errors(self, op: Operation, status_key: str, media_type: str, body: Any) -> list[ErrorItem]:
        check = self._checks.get((op.routing_id, status_key, media_type))
        return check.errors(body, ("response",)) if check else []


def compile_api(api: Api) -> tuple[dict[str, RequestValidator], ResponseValidator]:
    """All validators of one API, keyed by routing id."""
    spec = SchemaPath.from_dict(api.mounted_document, separator=SEPARATOR)
    requests = {op.routing_id: RequestValidator(api, op, spec) for op in api.operations}
    return requests, ResponseValidator(api, spec)


def _param_schema_path(spec: SchemaPath, op: Operation, param: Mapping[str, Any]) -> SchemaPath:
    """Where `param`'s schema lives in the document (operation level first, then path level)."""
    key = (param.get("name"), param.get("in"))
    for base in (spec / "paths" / op.path / op.method.lower(), spec / "paths" / op.path):
        declared = (base / "parameters").read_value() if "parameters" in base else []
        for index in range(len(declared)):
            resolved = base / "parameters" / index
            with resolved.resolve() as found:
                contents = found.contents
            if isinstance(contents, Mapping) and (contents.get("name"), contents.get("in")) == key:
                return resolved / "schema"
    raise LookupError(f"parameter {key} not found in {op.routing_id}")


def _primitive(schema: Mapping[str, Any]) -> str | None:
    kind = schema.get("type")
    if isinstance(kind, list):
        kinds = [k for k in kind if k != "null"]
        kind = kinds[0] if len(kinds) == 1 else None
    return str(kind) if isinstance(kind, str) else None


def _raw_values(param: _Parameter, request: Request) -> list[str]:
    if param.location == "query":
        return [v for k, v in request.query if k == param.name]
    if param.location == "header":
        value = request.headers.get(param.name.lower())
        return [] if value is None else [value]
    if param.location == "path":
        value = request.path_params.get(param.name)
        return [] if value is None else [value]
    value = request.cookies.get(param.name)
    return [] if value is None else [value]


def _cast(param: _Parameter, raw: list[str]) -> tuple[Any, tuple[str, str] | None]:
    """Strings from the wire to the schema's primitive type, as openapi-core casts them."""
    if param.kind == "array":
        parts = raw if param.explode and param.location == "query" else raw[0].split(",")
        values = []
        for part in parts:
            value, error = _cast_one(param.item_kind, part)
            if error:
                return None, error
            values.append(value)
        return values, None
    return _cast_one(param.kind, raw[-1])


def _cast_one(kind: str | None, text: str) -> tuple[Any, tuple[str, str] | None]:
    if kind == "integer":
        try:
            return int(text), None
        except ValueError:
            return None, ("Input should be a valid integer, unable to parse string as an integer", "int_parsing")
    if kind == "number":
        try:
            return float(text), None
        except ValueError:
            return None, ("Input should be a valid number, unable to parse string as a number", "float_parsing")
    if kind == "boolean":
        lowered = text.lower()
        if lowered in ("true", "false"):
            return lowered == "true", None
        return None, ("Input should be a valid boolean, unable to interpret input", "bool_parsing")
    return text, None


def _is_json(media_type: str) -> bool:
    return media_type == "*/*" or "json" in media_type


def _match_media_type(content_type: str, declared: Iterable[str]) -> str | None:
    """The declared media type that covers the request's Content-Type (`*/*`, `type/*` too);
    a request without Content-Type matches nothing, so it is rejected like a wrong one."""
    if not content_type:
        return None
    if content_type in declared:
        return content_type
    major = content_type.split("/")[0]
    return next((m for m in declared if m in ("*/*", f"{major}/*")), None)


def _describe(error: ValidationError, loc: tuple[str | int, ...]) -> list[ErrorItem]:
    """pydantic-style items for one jsonschema error (composites expand to their best branch)."""
    where = loc + tuple(error.absolute_path)
    keyword = str(error.validator)
    value = error.validator_value
    if keyword == "required":
        present = error.instance if isinstance(error.instance, Mapping) else {}
        return [ErrorItem(where + (name,), "Field required", "missing") for name in value if name not in present]
    if keyword in ("anyOf", "oneOf") and error.context:
        return _best_branch(error, loc)
    if keyword == "type":
        kinds = value if isinstance(value, list) else [value]
        kind = next((k for k in kinds if k != "null"), kinds[0])
        msg, kind_type = _TYPE_MESSAGES.get(str(kind), (error.message, "type_error"))
        if kind == "object" and where == loc:
            msg, kind_type = "Input should be a valid dictionary or object to extract fields from", "model_attributes_type"
        return [ErrorItem(where, msg, kind_type)]
    if keyword == "format":
        msg, kind_type = _FORMAT_MESSAGES.get(str(value), (f"Input should be a valid {value}", "value_error"))
        return [ErrorItem(where, msg, kind_type)]
    return [ErrorItem(where, *_keyword_message(keyword, value, error))]


_KEYWORD_MESSAGES: dict[str, tuple[str, str]] = {
    "minLength": ("String should have at least {value} character{s}", "string_too_short"),
    "maxLength": ("String should have at most {value} character{s}", "string_too_long"),
    "pattern": ("String should match pattern '{value}'", "string_pattern_mismatch"),
    "const": ("Input should be {value!r}", "literal_error"),
    "minimum": ("Input should be greater than or equal to {value}", "greater_than_equal"),
    "maximum": ("Input should be less than or equal to {value}", "less_than_equal"),
    "exclusiveMinimum": ("Input should be greater than {value}", "greater_than"),
    "exclusiveMaximum": ("Input should be less than {value}", "less_than"),
    "multipleOf": ("Input should be a multiple of {value}", "multiple_of"),
    "minItems": ("List should have at least {value} item{s}", "too_short"),
    "maxItems": ("List should have at most {value} item{s}", "too_long"),
    "uniqueItems": ("List should have unique items", "unique_items"),
    "additionalProperties": ("Extra inputs are not permitted", "extra_forbidden"),
    "unevaluatedProperties": ("Extra inputs are not permitted", "extra_forbidden"),
    "minProperties": ("Dictionary should have at least {value} item{s}", "too_short"),
    "maxProperties": ("Dictionary should have at most {value} item{s}", "too_long"),
}
_BOUND_OF = {"exclusiveMinimum": "minimum", "exclusiveMaximum": "maximum"}


def _keyword_message(keyword: str, value: Any, error: ValidationError) -> tuple[str, str]:
    """pydantic's wording of a failed keyword; unknown keywords keep jsonschema's message."""
    if keyword == "enum":
        choices = [repr(v) if isinstance(v, str) else orjson.dumps(v).decode() for v in value]
        listed = choices[0] if len(choices) == 1 else ", ".join(choices[:-1]) + " or " + choices[-1]
        return f"Input should be {listed}", "enum"
    if keyword not in _KEYWORD_MESSAGES:
        return error.message, "value_error"
    if value is True and keyword in _BOUND_OF:  # OpenAPI 3.0: the bound lives in minimum/maximum
        value = error.schema.get(_BOUND_OF[keyword], value)
    template, kind = _KEYWORD_MESSAGES[keyword]
    return template.format(value=value, s="" if value == 1 else "s"), kind


def _best_branch(error: ValidationError, loc: tuple[str | int, ...]) -> list[ErrorItem]:
    """The errors of the alternative the value came closest to: a non-null branch whose errors
    sit deepest, else the first non-null branch's type error."""
    branches: dict[int, list[ValidationError]] = {}
    for sub in error.context or []:
        branches.setdefault(int(sub.relative_schema_path[0]), []).append(sub)
    alternatives = error.validator_value or []

    def is_null(index: int) -> bool:
        schema = alternatives[index] if index < len(alternatives) else {}
        return isinstance(schema, Mapping) and schema.get("type") == "null"

    candidates = [i for i in branches if not is_null(i)] or list(branches)
    if not candidates:
        return [ErrorItem(loc + tuple(error.absolute_path), error.message, "value_error")]

    def depth(index: int) -> int:
        return max(len(sub.absolute_path) for sub in branches[index])

    best = max(candidates, key=lambda i: (depth(i), -i))
    items: list[ErrorItem] = []
    for sub in branches[best]:
        items.extend(_describe(sub, loc))
    return items


def _unique(items: list[ErrorItem]) -> list[ErrorItem]:
    seen: set[ErrorItem] = set()
    unique = []
    for item in items:
        if item not in seen:
            seen.add(item)
            unique.append(item)
    return unique
