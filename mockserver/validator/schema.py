"""One compiled schema check: openapi-core's validator, with the jsonschema-rs accelerator in
front of it (which may only accept; see `fastpath`)."""

from __future__ import annotations

from typing import Any

from jsonschema_path import SchemaPath
from openapi_core.validation.schemas import (
    oas30_read_schema_validators_factory,
    oas30_write_schema_validators_factory,
    oas31_schema_validators_factory,
)
from openapi_core.validation.schemas.factories import SchemaValidatorsFactory

from ..problems import ErrorItem
from .fastpath import accelerator
from .wording import describe, unique


def factories(openapi: str) -> tuple[SchemaValidatorsFactory, SchemaValidatorsFactory]:
    """(request, response) validator factories, as openapi-core picks them for this version."""
    if openapi.startswith("3.0"):
        return oas30_write_schema_validators_factory, oas30_read_schema_validators_factory
    return oas31_schema_validators_factory, oas31_schema_validators_factory


class SchemaCheck:
    """One compiled schema: `errors(value, loc)` lists every violation as `ErrorItem`s."""

    def __init__(self, factory: SchemaValidatorsFactory, spec: SchemaPath, schema: SchemaPath, openapi: str) -> None:
        self._validator = factory.create(spec, schema).validator
        # openapi-schema-validator's validators carry the format checker jsonschema's protocol omits
        self._accepts = accelerator(self._validator.schema, openapi, getattr(self._validator, "format_checker", None))

    def errors(self, value: Any, loc: tuple[str | int, ...]) -> list[ErrorItem]:
        if self._accepts is not None and self._accepts(value):
            return []
        found: list[ErrorItem] = []
        try:
            for error in self._validator.iter_errors(value):
                found.extend(describe(error, loc))
        except RecursionError:
            return [ErrorItem(loc, "Input is nested too deeply to validate", "recursion_loop")]
        return unique(found)
