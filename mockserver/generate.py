"""Turn a JSON Schema (OpenAPI 3.0 or 3.1 flavour) into a value that validates against it.

The generator is driven by the schema alone: types, formats, enums, bounds, `required`, and the
composition keywords. It never adds a property the schema does not define, so a generated body is
valid by construction; the pipeline still validates it before sending (a violation is our bug).
Randomness comes from the `random.Random` and `Faker` it is given, so a seeded caller gets
reproducible output.
"""

from __future__ import annotations

import base64
import datetime as dt
import random
import uuid
from typing import Any, Callable, Mapping

from faker import Faker

Schema = Mapping[str, Any]

_MAX_DEPTH = 6
_EPOCH = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)


class SchemaFaker:
    """Generates schema-valid values from one API's resolved document."""

    def __init__(
        self,
        document: Mapping[str, Any],
        rng: random.Random,
        faker: Faker,
        text_for: Callable[[str | None, Schema], str | None] | None = None,
    ) -> None:
        """`text_for(name, schema)` may supply a realistic string for a named field; the generator
        still enforces the schema's length bounds on what it returns."""
        self._document = document
        self._rng = rng
        self._faker = faker
        self._text_for = text_for

    def value(self, schema: Schema | None, name: str | None = None, depth: int = 0) -> Any:
        """A value valid against `schema`; `name` is the property it will be stored under."""
        schema = self._flatten(schema or {})
        if "const" in schema:
            return schema["const"]
        if "enum" in schema:
            choices = [v for v in schema["enum"] if v is not None] or list(schema["enum"])
            return self._rng.choice(choices)
        options = schema.get("anyOf") or schema.get("oneOf")
        if options:
            return self.value(self._pick_option(options), name, depth)
        kind = self._type_of(schema)
        if kind == "null":
            return None
        if kind == "object":
            return self._object(schema, depth)
        if kind == "array":
            return self._array(schema, name, depth)
        if kind == "integer":
            return int(self._number(schema, integer=True))
        if kind == "number":
            return self._number(schema, integer=False)
        if kind == "boolean":
            return self._rng.random() < 0.5
        return self._string(schema, name)

    def resolve(self, schema: Schema) -> Schema:
        """Follow a local `$ref` left in place (prance keeps them only for recursive schemas)."""
        while "$ref" in schema:
            ref = str(schema["$ref"])
            if not ref.startswith("#/"):
                return {}
            target: Any = self._document
            for part in ref[2:].split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            schema = target
        return schema

    def _flatten(self, schema: Schema) -> Schema:
        schema = self.resolve(schema)
        if "allOf" not in schema:
            return schema
        merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
        for part in schema["allOf"]:
            part = self._flatten(part)
            for key, val in part.items():
                if key == "properties":
                    merged.setdefault("properties", {}).update(val)
                elif key == "required":
                    merged["required"] = sorted(set(merged.get("required", [])) | set(val))
                else:
                    merged.setdefault(key, val)
        return merged

    def _pick_option(self, options: list[Schema]) -> Schema:
        """Prefer a non-null alternative: a nullable field still deserves a real value."""
        real = [o for o in options if self._type_of(self._flatten(o)) != "null"]
        return real[0] if real else options[0]

    @staticmethod
    def _type_of(schema: Schema) -> str:
        kind = schema.get("type")
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), "null")
        if kind:
            return str(kind)
        if "properties" in schema or "additionalProperties" in schema:
            return "object"
        if "items" in schema:
            return "array"
        return "string"

    def _object(self, schema: Schema, depth: int) -> dict[str, Any]:
        properties: Mapping[str, Schema] = schema.get("properties") or {}
        required = [p for p in schema.get("required", []) if p in properties]
        chosen = list(properties) if depth < _MAX_DEPTH else required
        wanted = schema.get("minProperties", 0)
        for extra in properties:
            if len(chosen) >= wanted:
                break
            if extra not in chosen:
                chosen.append(extra)
        result: dict[str, Any] = {}
        for prop in properties:
            if prop in chosen and not self._read_only_skip(properties[prop]):
                result[prop] = self.value(properties[prop], prop, depth + 1)
        return result

    @staticmethod
    def _read_only_skip(schema: Schema) -> bool:
        return bool(schema.get("writeOnly"))

    def _array(self, schema: Schema, name: str | None, depth: int) -> list[Any]:
        low = int(schema.get("minItems", 0))
        high = int(schema.get("maxItems", max(low, 3)))
        if depth >= _MAX_DEPTH:
            high = low
        count = self._rng.randint(low, max(low, min(high, low + 3)))
        items = schema.get("items") or {}
        values: list[Any] = []
        attempts = 0
        while len(values) < count and attempts < count * 10 + 10:
            attempts += 1
            item = self.value(items, _singular(name), depth + 1)
            if schema.get("uniqueItems") and item in values:
                continue
            values.append(item)
        return values

    def _number(self, schema: Schema, integer: bool) -> float:
        low = schema.get("minimum")
        high = schema.get("maximum")
        ex_low = schema.get("exclusiveMinimum")
        ex_high = schema.get("exclusiveMaximum")
        step = 1 if integer else 0.01
        if isinstance(ex_low, bool):  # OpenAPI 3.0: boolean modifier of minimum
            ex_low = low if ex_low else None
            low = None if ex_low is not None else low
        if isinstance(ex_high, bool):
            ex_high = high if ex_high else None
            high = None if ex_high is not None else high
        if ex_low is not None:
            low = ex_low + step if low is None else max(low, ex_low + step)
        if ex_high is not None:
            high = ex_high - step if high is None else min(high, ex_high - step)
        if low is None and high is None:
            low, high = (1, 100) if integer else (0.0, 1.0)
        elif low is None:
            low = high - 100
        elif high is None:
            high = low + 100
        multiple = schema.get("multipleOf")
        if multiple:
            first = -(-low // multiple)
            last = high // multiple
            return (
                self._rng.randint(int(first), int(max(first, last))) * multiple
                if integer or float(multiple).is_integer()
                else round(self._rng.randint(int(first), int(max(first, last))) * multiple, 10)
            )
        if integer:
            import math

            return self._rng.randint(math.ceil(low), math.floor(high))
        return round(self._rng.uniform(low, high), 2) if high - low > 0.02 else low

    def _string(self, schema: Schema, name: str | None) -> str:
        fmt = schema.get("format")
        text = _FORMATS[fmt](self) if fmt in _FORMATS else None
        if text is None and self._text_for is not None:
            text = self._text_for(name, schema)
        if text is None:
            text = self._faker.word()
        return self._fit_length(text, schema, fmt)

    def _fit_length(self, text: str, schema: Schema, fmt: Any) -> str:
        low = int(schema.get("minLength", 0))
        high = schema.get("maxLength")
        if fmt in _FORMATS and (high is None or len(text) <= high) and len(text) >= low:
            return text
        if high is not None and len(text) > high:
            text = text[: int(high)].rstrip() or text[: int(high)]
        while len(text) < low:
            text += " " + self._faker.word()
            if high is not None:
                text = text[: int(high)]
        return text

    def timestamp(self) -> dt.datetime:
        """A point in time within the last year, for `date-time` fields nobody sent."""
        seconds = self._rng.randint(0, 365 * 24 * 3600)
        return _EPOCH + dt.timedelta(seconds=seconds)


def _singular(name: str | None) -> str | None:
    if name and name.endswith("s") and len(name) > 3:
        return name[:-1]
    return name


def _rfc3339(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


_FORMATS: dict[str, Callable[[SchemaFaker], str]] = {
    "date-time": lambda g: _rfc3339(g.timestamp()),
    "date": lambda g: g.timestamp().date().isoformat(),
    "time": lambda g: g.timestamp().strftime("%H:%M:%SZ"),
    "uuid": lambda g: str(uuid.UUID(int=g._rng.getrandbits(128), version=4)),
    "email": lambda g: g._faker.email(),
    "uri": lambda g: g._faker.url(),
    "url": lambda g: g._faker.url(),
    "hostname": lambda g: g._faker.domain_name(),
    "ipv4": lambda g: g._faker.ipv4(),
    "ipv6": lambda g: g._faker.ipv6(),
    "byte": lambda g: base64.b64encode(g._faker.word().encode()).decode(),
    "password": lambda g: g._faker.password(length=12),
}
