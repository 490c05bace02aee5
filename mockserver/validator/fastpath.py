"""An accelerator for the validators: jsonschema-rs may say "valid", never "invalid".

Most traffic is valid, and jsonschema-rs judges a valid body in a few microseconds where the
Python validator takes tens. It is *not* equivalent to openapi-core in general (OAS 3.0's
`nullable`, `readOnly`/`writeOnly` and `discriminator`, regex dialects, `$ref` into the
document), so it is only built for schemas whose every keyword it judges exactly as openapi-core
does, with every `format` delegated to openapi-core's own format checker. When it accepts, the
value is valid; when it rejects, or cannot judge a schema at all, openapi-core's validator
decides and words the errors. The differential test against openapi-core keeps this honest.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import jsonschema_rs

# Keywords jsonschema-rs evaluates exactly as openapi-core's validators do, per OpenAPI version.
_PORTABLE = frozenset(
    {
        "type",
        "properties",
        "required",
        "items",
        "enum",
        "const",
        "minLength",
        "maxLength",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
        "minItems",
        "maxItems",
        "uniqueItems",
        "minProperties",
        "maxProperties",
        "additionalProperties",
        "anyOf",
        "oneOf",
        "allOf",
        "not",
        "format",
        "title",
        "description",
        "default",
        "example",
        "examples",
        "deprecated",
        "$comment",
    }
)
_OAS31_ONLY = frozenset({"readOnly", "writeOnly"})
_SUBSCHEMA_MAPS = ("properties",)
_SUBSCHEMA_LISTS = ("anyOf", "oneOf", "allOf")
_SUBSCHEMAS = ("items", "not", "additionalProperties")


def accelerator(schema: Any, openapi: str, format_checker: Any) -> Callable[[Any], bool] | None:
    """`is_valid` of a jsonschema-rs validator for `schema`, or None if it cannot be trusted."""
    oas30 = openapi.startswith("3.0")
    allowed = _PORTABLE if oas30 else _PORTABLE | _OAS31_ONLY
    formats: set[str] = set()
    if not _portable(schema, allowed, formats):
        return None
    draft = jsonschema_rs.Draft4Validator if oas30 else jsonschema_rs.Draft202012Validator
    checks = {name: _delegate(format_checker, name) for name in formats - set(_INTEGER_FORMATS)}
    try:
        validator = draft(_integer_formats_as_bounds(schema), validate_formats=True, formats=checks)
    except (ValueError, TypeError, jsonschema_rs.ValidationError):
        return None

    def is_valid(value: Any) -> bool:
        try:
            return bool(validator.is_valid(value))
        except (ValueError, TypeError, OverflowError):
            return False

    return is_valid


def _portable(schema: Any, allowed: frozenset[str], formats: set[str]) -> bool:
    if isinstance(schema, bool):
        return True
    if not isinstance(schema, Mapping):
        return False
    for key, value in schema.items():
        if key.startswith("x-"):
            continue
        if key not in allowed:
            return False
        if key == "format":
            formats.add(str(value))
        elif key in _SUBSCHEMA_MAPS and not all(_portable(v, allowed, formats) for v in value.values()):
            return False
        elif key in _SUBSCHEMA_LISTS and not all(_portable(v, allowed, formats) for v in value):
            return False
        elif key in _SUBSCHEMAS and not isinstance(value, bool) and not _portable(value, allowed, formats):
            return False
    return True


# openapi-core checks these formats on integers; jsonschema-rs applies formats to strings only,
# so in the copy it compiles they become the bounds they stand for.
_INTEGER_FORMATS = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}


def _integer_formats_as_bounds(schema: Any) -> Any:
    """`schema` with every `format: int32|int64` replaced by "not an integer, or in range"."""
    if isinstance(schema, list):
        return [_integer_formats_as_bounds(item) for item in schema]
    if not isinstance(schema, Mapping):
        return schema
    rewritten = {
        key: _integer_formats_as_bounds(value) if key != "enum" and key != "const" else value
        for key, value in schema.items()
    }
    bounds = _INTEGER_FORMATS.get(str(schema.get("format")))
    if bounds is not None:
        del rewritten["format"]
        in_range = {"anyOf": [{"not": {"type": "integer"}}, {"minimum": bounds[0], "maximum": bounds[1]}]}
        rewritten["allOf"] = [*rewritten.get("allOf", []), in_range]
    return rewritten


_REMEMBERED_FORMATS = 4096  # verdicts kept per format, of values up to _SHORT characters
_SHORT = 128


def _delegate(format_checker: Any, name: str) -> Callable[[str], bool]:
    """openapi-core's verdict on `format: name`, remembered for short values: the same
    timestamp, id or e-mail comes back request after request (a create's `updated_at` is the
    same all second), and a verdict depends on the value alone."""
    verdicts: dict[str, bool] = {}

    def check(value: str) -> bool:
        known = verdicts.get(value)
        if known is not None:
            return known
        verdict = bool(format_checker.conforms(value, name))
        if type(value) is str and len(value) <= _SHORT:
            if len(verdicts) >= _REMEMBERED_FORMATS:
                verdicts.clear()
            verdicts[value] = verdict
        return verdict

    return check
