"""openapi-core's verdicts in pydantic's words.

openapi-core (through jsonschema) decides what is invalid; FastAPI-style vendors word it the way
pydantic does (`missing`, `string_type`, `string_too_long`, `enum`, `uuid_parsing`…), so every
jsonschema error becomes `ErrorItem`s in that vocabulary, with composites (`anyOf`, `oneOf`)
reduced to the branch the value came closest to.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from jsonschema.exceptions import ValidationError

from ..problems import ErrorItem

TYPE_MESSAGES = {
    "string": ("Input should be a valid string", "string_type"),
    "integer": ("Input should be a valid integer", "int_type"),
    "number": ("Input should be a valid number", "float_type"),
    "boolean": ("Input should be a valid boolean", "bool_type"),
    "array": ("Input should be a valid list", "list_type"),
    "object": ("Input should be a valid dictionary", "dict_type"),
    "null": ("Input should be None", "none_required"),
}
PARSING_MESSAGES = {
    "integer": ("Input should be a valid integer, unable to parse string as an integer", "int_parsing"),
    "number": ("Input should be a valid number, unable to parse string as a number", "float_parsing"),
    "boolean": ("Input should be a valid boolean, unable to interpret input", "bool_parsing"),
    "array": ("Input should be a valid list", "list_type"),
    "object": ("Input should be a valid dictionary", "dict_type"),
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


def describe(error: ValidationError, loc: tuple[str | int, ...]) -> list[ErrorItem]:
    """pydantic-style items for one jsonschema error (composites expand to their best branch)."""
    where = loc + tuple(error.absolute_path)
    keyword = str(error.validator)
    value: Any = error.validator_value
    if keyword == "required":
        present = error.instance if isinstance(error.instance, Mapping) else {}
        return [ErrorItem(where + (name,), "Field required", "missing") for name in value if name not in present]
    if keyword in ("anyOf", "oneOf") and error.context:
        return _best_branch(error, loc)
    if keyword == "type":
        kinds = value if isinstance(value, list) else [value]
        kind = next((k for k in kinds if k != "null"), kinds[0])
        msg, kind_type = TYPE_MESSAGES.get(str(kind), (error.message, "type_error"))
        if kind == "object" and where == loc:
            msg, kind_type = (
                "Input should be a valid dictionary or object to extract fields from",
                "model_attributes_type",
            )
        return [ErrorItem(where, msg, kind_type)]
    if keyword == "format":
        msg, kind_type = _FORMAT_MESSAGES.get(str(value), (f"Input should be a valid {value}", "value_error"))
        return [ErrorItem(where, msg, kind_type)]
    return [ErrorItem(where, *_keyword_message(keyword, value, error))]


def _keyword_message(keyword: str, value: Any, error: ValidationError) -> tuple[str, str]:
    """pydantic's wording of a failed keyword; unknown keywords keep jsonschema's message."""
    if keyword == "enum":
        choices = [repr(v) if isinstance(v, str) else orjson.dumps(v).decode() for v in value]
        listed = choices[0] if len(choices) == 1 else ", ".join(choices[:-1]) + " or " + choices[-1]
        return f"Input should be {listed}", "enum"
    if keyword not in _KEYWORD_MESSAGES:
        return error.message, "value_error"
    if value is True and keyword in _BOUND_OF:  # OpenAPI 3.0: the bound lives in minimum/maximum
        schema: Any = error.schema
        value = schema.get(_BOUND_OF[keyword], value)
    template, kind = _KEYWORD_MESSAGES[keyword]
    return template.format(value=value, s="" if value == 1 else "s"), kind


def _best_branch(error: ValidationError, loc: tuple[str | int, ...]) -> list[ErrorItem]:
    """The errors of the alternative the value came closest to: a non-null branch whose errors
    sit deepest, else the first non-null branch's type error."""
    branches: dict[int, list[ValidationError]] = {}
    for sub in error.context or []:
        branches.setdefault(int(sub.relative_schema_path[0]), []).append(sub)
    alternatives: Any = error.validator_value or []

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
        items.extend(describe(sub, loc))
    return items


def unique(items: list[ErrorItem]) -> list[ErrorItem]:
    seen: set[ErrorItem] = set()
    kept = []
    for item in items:
        if item not in seen:
            seen.add(item)
            kept.append(item)
    return kept
