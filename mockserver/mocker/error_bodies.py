"""Render an error in the body schema the API declares for it, whatever that schema looks like.

Vendors disagree on error formats (FastAPI's `{"detail": [{"loc", "msg", "type"}]}`, a string
`detail` with an `error_code`, `{"error": ...}`, or no body at all). The renderer never asks which
vendor it serves: it reads the shape of the declared schema — which of `detail`, `loc`, `msg`,
`type`, `error`, `message`, `error_code`, `code`, `status` it has and what type each one is — and
fills those fields with the real problem. Anything else the schema requires is generated.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..problems import ErrorItem, Problem, code_of, status_of
from .generator import Schema, SchemaFaker

_MESSAGE_FIELDS = ("message", "msg", "error_description", "error_message", "title", "description")
_CODE_FIELDS = ("error_code", "errorCode", "code", "error_type")
_STATUS_FIELDS = ("status", "status_code", "statusCode")


def render(
    schema: Schema | None,
    problem: Problem,
    faker: SchemaFaker,
    *,
    declared: bool = True,
    example: Mapping[str, Any] | None = None,
) -> Any:
    """A body for `problem` shaped by `schema`; `None` when the response declares no body.

    `declared=False` means the status is not in the spec and `schema` is only the API's general
    error style: a `detail` list is then written as a string, as FastAPI does for non-validation
    errors, because no schema constrains the answer.
    """
    if schema is None:
        return None
    schema = faker.flatten(schema)
    properties: Mapping[str, Schema] = schema.get("properties") or {}
    if not properties:
        return problem.text if _allows(faker, schema, "string") else faker.value(schema)
    body: dict[str, Any] = {}
    for name, prop in properties.items():
        value = _field(name, faker.flatten(prop), problem, faker, declared, example)
        if value is not _SKIP:
            body[name] = value
    for name in schema.get("required", []):
        if name in properties and name not in body:
            body[name] = faker.value(properties[name], name)
    return body


_SKIP = object()


def _field(
    name: str,
    prop: Schema,
    problem: Problem,
    faker: SchemaFaker,
    declared: bool,
    example: Mapping[str, Any] | None,
) -> Any:
    if "const" in prop:
        return prop["const"]
    if isinstance(prop.get("enum"), list) and prop["enum"]:
        chosen = (example or {}).get(name)
        return chosen if chosen in prop["enum"] else next((v for v in prop["enum"] if v is not None), prop["enum"][0])
    items = _list_item_schema(faker, prop) if name in _LIST_FIELDS else None
    if items is not None and (declared or name != "detail"):
        every = problem.items or (ErrorItem((), problem.text, problem.kind),)
        return [_item(items, item, faker) for item in every]
    if name in ("error", "errors") and _allows(faker, prop, "object"):
        return render(_object_option(faker, prop), problem, faker, declared=declared)
    if name in _LIST_FIELDS or name == "error" or name in _MESSAGE_FIELDS:
        if _allows(faker, prop, "string") or (name == "detail" and not declared):
            return _fit(faker, prop, problem.text)
        if name in _LIST_FIELDS and _allows(faker, prop, "array"):
            return [item.as_text() for item in problem.items] or [problem.message]
    if name in _CODE_FIELDS and _allows(faker, prop, "string"):
        code = (example or {}).get(name)
        return code if isinstance(code, str) else code_of(problem.kind)
    if name in (*_CODE_FIELDS, *_STATUS_FIELDS) and _allows(faker, prop, "integer"):
        return status_of(problem.kind)
    return _SKIP


_LIST_FIELDS = ("detail", "errors", "issues", "violations", "details")
_LOC_FIELDS = ("loc", "location", "path", "field", "pointer", "param", "parameter", "property", "name")
_MSG_FIELDS = ("msg", "message", "detail", "description", "reason", "error")
_TYPE_FIELDS = ("type", "code", "error_code", "kind", "rule")


def _item(schema: Schema, item: ErrorItem, faker: SchemaFaker) -> dict[str, Any]:
    """One violation as an object of the declared item schema, each field by its role."""
    properties: Mapping[str, Schema] = schema.get("properties") or {}
    body: dict[str, Any] = {}
    for name, prop in properties.items():
        prop = faker.flatten(prop)
        if name in _LOC_FIELDS and _allows(faker, prop, "array"):
            body[name] = list(item.loc)
        elif name in _LOC_FIELDS and _allows(faker, prop, "string"):
            body[name] = _fit(faker, prop, ".".join(str(part) for part in item.loc))
        elif name in _MSG_FIELDS and _allows(faker, prop, "string"):
            body[name] = _fit(faker, prop, item.msg)
        elif name in _TYPE_FIELDS and _allows(faker, prop, "string"):
            body[name] = _fit(faker, prop, item.type)
    for name in schema.get("required", []):
        if name in properties and name not in body:
            body[name] = faker.value(properties[name], name)
    return body


def _fit(faker: SchemaFaker, schema: Schema, text: str) -> str:
    """`text` trimmed to the string option's maxLength, if it has one."""
    for option in _options(faker, schema):
        if "maxLength" in option and len(text) > int(option["maxLength"]):
            return text[: int(option["maxLength"])]
    return text


def _options(faker: SchemaFaker, schema: Schema) -> list[Schema]:
    schema = faker.flatten(schema)
    alternatives = schema.get("anyOf") or schema.get("oneOf")
    if alternatives:
        return [faker.flatten(option) for option in alternatives]
    return [schema]


def _allows(faker: SchemaFaker, schema: Schema, kind: str) -> bool:
    for option in _options(faker, schema):
        declared = option.get("type")
        kinds = declared if isinstance(declared, list) else [declared]
        if kind in kinds or (kind == "number" and "integer" in kinds):
            return True
        if declared is None and kind == "object" and "properties" in option:
            return True
        if declared is None and not option.get("enum") and "properties" not in option:
            return kind in ("string", "array", "object", "integer", "number")
    return False


def _object_option(faker: SchemaFaker, schema: Schema) -> Schema:
    return next(
        (o for o in _options(faker, schema) if "object" in str(o.get("type")) or "properties" in o),
        schema,
    )


def _list_item_schema(faker: SchemaFaker, schema: Schema) -> Schema | None:
    """The item schema when `schema` allows a list of objects (one object per violation)."""
    for option in _options(faker, schema):
        kinds = option.get("type")
        if kinds == "array" or (isinstance(kinds, list) and "array" in kinds):
            items = faker.flatten(option.get("items") or {})
            if "properties" in items:
                return items
    return None
