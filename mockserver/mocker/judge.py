"""Whether a generated value satisfies a schema, judged as the response guard will judge it.

The generator builds values valid by construction, but some schemas can only be satisfied by
trying: a `oneOf` whose branches overlap must match exactly one, a `not` must not match, a value
echoed from the request must fit the response field. Those questions are put to the same
validator class and format checker openapi-core uses for responses (OpenAPI 3.0 read
validation, or 3.1), with the whole document registered so recursive `$ref`s resolve; where the
jsonschema-rs accelerator can be trusted it answers alone (most `oneOf` branches do *not* match,
and the Python validator pays most for a "no").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from openapi_schema_validator import OAS30ReadValidator, OAS31Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4, DRAFT202012

from ..validator.fastpath import accelerator

Schema = Mapping[str, Any]


class Judge:
    """Cached validators for the schemas of one resolved document."""

    def __init__(self, document: Mapping[str, Any], openapi: str) -> None:
        self._oas30 = openapi.startswith("3.0")
        self._openapi = openapi
        self._cls = OAS30ReadValidator if self._oas30 else OAS31Validator
        specification = DRAFT4 if self._oas30 else DRAFT202012
        self._registry: Registry = Registry().with_resource(
            "", Resource.from_contents(dict(document), default_specification=specification)
        )
        self._checks: dict[int, tuple[Any, Callable[[Any], bool]]] = {}

    def valid(self, schema: Any, value: Any) -> bool:
        """Whether `value` satisfies `schema` (False when the schema cannot be judged)."""
        entry = self._checks.get(id(schema))
        if entry is None:
            entry = (schema, self._compile(schema))
            self._checks[id(schema)] = entry
        return entry[1](value)

    def _compile(self, schema: Any) -> Callable[[Any], bool]:
        try:
            validator = self._cls(schema, registry=self._registry, format_checker=OAS30ReadValidator.FORMAT_CHECKER)
        except Exception:  # a schema the validator class cannot even load: nothing is valid
            return lambda _value: False
        fast = accelerator(schema, self._openapi, validator.format_checker) if isinstance(schema, Mapping) else None

        if fast is not None:
            # The accelerator is only built where it judges every keyword exactly as
            # openapi-core; a yes/no question needs no wording, so its "no" is final here too.
            return fast

        def check(value: Any) -> bool:
            try:
                return bool(validator.is_valid(value))
            except Exception:  # unresolvable reference, recursion: treat as not valid
                return False

        return check
