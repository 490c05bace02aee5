"""Lenient validation: everything openapi-spec-validator objects to, as nits with positions.

Real documents carry mistakes that Swagger UI, FastAPI and client generators shrug off (a
`description` inside a media type object, `default: true` on a string). Refusing such a document
would make the mock less useful than the vendor's own docs page, so each violation becomes a
`Nit`: `mockserver check` prints all of them with `file:line:col`, `serve` warns, and `--strict`
refuses them. openapi-spec-validator still decides what is a violation; this module only makes
its findings readable: the precise branch of a failed `oneOf` instead of "not valid under any of
the given schemas", and the location of a bad `default` or of a schema the JSON Schema
meta-schema rejects (both reported relative to themselves).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from jsonschema.exceptions import ValidationError, best_match

from .model import SEPARATOR, Nit
from .positions import Positions
from .references import Sources

_MAX_MESSAGE = 200


def validation_nits(sources: Sources, raw: dict[str, Any]) -> list[Nit]:
    """Every violation openapi-spec-validator finds in the document and the files it references."""
    from jsonschema_path import SchemaPath

    oas30 = str(raw.get("openapi", "")).startswith("3.0")
    validator_cls = _validators()[0 if oas30 else 1]
    handlers = {"file": sources.handler, "": sources.handler, "http": _offline, "https": _offline}
    spec = SchemaPath.from_dict(raw, base_uri=sources.root.as_uri(), handlers=handlers, separator=SEPARATOR)
    nits: list[Nit] = []
    try:
        for error in validator_cls(spec).iter_errors():
            location, message = _explained(error, raw, oas30)
            nits.append(Nit(sources.shown, location, _first_line(message)))
    except Exception as exc:  # the validator gave up part-way (an unresolvable remote $ref, …)
        nits.append(Nit(sources.shown, (), f"validation stopped early: {_first_line(str(exc)) or type(exc).__name__}"))
    return _unique(nits)


def with_positions(nits: Iterable[Nit], text: str) -> list[Nit]:
    """`nits` with line and column filled in from the document's text (composed once)."""
    nits = list(nits)
    if not nits:
        return nits
    positions = Positions(text)
    placed = []
    for nit in nits:
        line, column = positions.of(nit.location) or (1, 1)
        placed.append(Nit(nit.file, nit.location, nit.message, line, column))
    return placed


def _validators() -> tuple[type, type]:
    """openapi-spec-validator's 3.0 and 3.1 validators, reporting where a bad `default` is."""
    from openapi_spec_validator.validation import OpenAPIV30SpecValidator, OpenAPIV31SpecValidator
    from openapi_spec_validator.validation.keywords import OpenAPIV30ValueValidator, OpenAPIV31ValueValidator

    def located(base: type) -> type:
        class LocatedDefault(base):  # type: ignore[misc]
            def __call__(self, schema: Any, value: Any) -> Iterator[ValidationError]:
                for error in super().__call__(schema, value):
                    error.path.extendleft(reversed([*schema.parts, "default"]))
                    error.message = f"default {error.message}"
                    yield error

        return LocatedDefault

    def anchored(base: type) -> type:
        class LocatedSchema(base):  # type: ignore[misc]
            def _validate_schema_meta(self, schema: Any, schema_value: Any) -> Any:
                # A schema checked against the JSON Schema meta-schema reports paths inside
                # itself (`/required`); anchor them where the schema is in the document.
                error = super()._validate_schema_meta(schema, schema_value)
                if error is not None:
                    error.path.extendleft(reversed(list(schema.parts)))
                return error

        return LocatedSchema

    v30, v31 = OpenAPIV30SpecValidator.keyword_validators, OpenAPIV31SpecValidator.keyword_validators

    class V30(OpenAPIV30SpecValidator):
        keyword_validators = {**v30, "default": located(OpenAPIV30ValueValidator), "schema": anchored(v30["schema"])}

    class V31(OpenAPIV31SpecValidator):
        keyword_validators = {**v31, "default": located(OpenAPIV31ValueValidator), "schema": anchored(v31["schema"])}

    return V30, V31


def _explained(error: ValidationError, raw: Any, oas30: bool) -> tuple[tuple[str, ...], str]:
    """Where and what, precisely. openapi-spec-validator checks the document's structure with
    jsonschema-rs, whose errors carry no sub-errors: a failed `oneOf` (say, a response object
    with an unexpected key) is only "not valid under any of the given schemas". For those, the
    same node is checked again against the same part of the OpenAPI schema with jsonschema,
    whose best-matching sub-error names the offending key."""
    location = tuple(str(part) for part in error.absolute_path)
    schema_path = list(error.absolute_schema_path)
    if not schema_path or schema_path[-1] not in ("oneOf", "anyOf"):
        return location, error.message
    try:
        checker = _meta_validator(oas30)
        subschema: Any = checker.schema
        for part in schema_path[:-1]:
            subschema = subschema[part]
        instance: Any = raw
        for part in error.absolute_path:
            instance = instance[str(part)] if isinstance(instance, dict) else instance[int(part)]
        detail = best_match(checker.evolve(schema=subschema).iter_errors(instance))
    except (KeyError, IndexError, TypeError):
        return location, error.message
    if detail is None:
        return location, error.message
    while detail.context:
        deeper = best_match(detail.context)
        if deeper is None:
            break
        detail = deeper
    return location + tuple(str(part) for part in detail.absolute_path), detail.message


def _meta_validator(oas30: bool) -> Any:
    """A pure-Python jsonschema validator of the OpenAPI 3.0 or 3.1 schema."""
    from openapi_spec_validator.schemas import schema_v30, schema_v31
    from openapi_spec_validator.schemas.backend.jsonschema import create_validator

    return create_validator(schema_v30 if oas30 else schema_v31)


def _offline(uri: str) -> Any:
    raise OSError(f"remote reference {uri} is not fetched")


def _first_line(message: str) -> str:
    line = message.strip().splitlines()[0] if message.strip() else ""
    return line if len(line) <= _MAX_MESSAGE else line[: _MAX_MESSAGE - 3] + "..."


def _unique(nits: list[Nit]) -> list[Nit]:
    seen: set[tuple[tuple[str, ...], str]] = set()
    unique = []
    for nit in nits:
        if (nit.location, nit.message) not in seen:
            seen.add((nit.location, nit.message))
            unique.append(nit)
    return unique
