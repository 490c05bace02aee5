"""Turn a JSON Schema (OpenAPI 3.0 or 3.1 flavour) into a value that validates against it.

The generator is driven by the schema: types, formats, enums, bounds, `required`, and the
composition keywords. It never adds a property the schema does not define. Strings come from
the `Inventor` (realistic text about one `Story` per object) and are then fitted to the schema's
length bounds. Randomness comes from the API's `Streams`, so a seeded server is reproducible.
The pipeline still validates every body before sending it: a violation is our bug.
"""

from __future__ import annotations

import base64
import datetime as dt
import math
from typing import Any, Callable, Mapping

from .streams import Streams, rfc3339
from .text import Inventor, Story

Schema = Mapping[str, Any]

_MAX_DEPTH = 6


class SchemaFaker:
    """Generates schema-valid values from one API's resolved document."""

    def __init__(self, document: Mapping[str, Any], streams: Streams, inventor: Inventor) -> None:
        self._document = document
        self.streams = streams
        self.inventor = inventor

    def value(self, schema: Schema | None, name: str | None = None, story: Story | None = None, depth: int = 0) -> Any:
        """A value valid against `schema`; `name` is the property it will be stored under and
        `story` the invented memory its text should agree with (a new one if not given)."""
        schema = self.flatten(schema or {})
        if "const" in schema:
            return schema["const"]
        if "enum" in schema:
            choices = [v for v in schema["enum"] if v is not None] or list(schema["enum"])
            return self.streams.rng.choice(choices)
        options = schema.get("anyOf") or schema.get("oneOf")
        if options:
            return self.value(self.pick_option(options), name, story, depth)
        kind = type_of(schema)
        if kind == "null":
            return None
        story = story or self.inventor.story()
        if kind == "object":
            return self._object(schema, story, depth)
        if kind == "array":
            return self._array(schema, name, story, depth)
        if kind == "integer":
            return int(self._number(schema, integer=True))
        if kind == "number":
            return self._number(schema, integer=False)
        if kind == "boolean":
            return self.streams.rng.random() < 0.5
        return self._string(schema, name, story)

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

    def flatten(self, schema: Schema) -> Schema:
        """`schema` with `$ref` followed and `allOf` merged into one schema."""
        schema = self.resolve(schema)
        if "allOf" not in schema:
            return schema
        merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
        for part in schema["allOf"]:
            part = self.flatten(part)
            for key, val in part.items():
                if key == "properties":
                    merged["properties"] = {**merged.get("properties", {}), **val}
                elif key == "required":
                    merged["required"] = sorted(set(merged.get("required", [])) | set(val))
                else:
                    merged.setdefault(key, val)
        return merged

    def pick_option(self, options: list[Schema]) -> Schema:
        """Prefer a non-null alternative: a nullable field still deserves a real value."""
        real = [o for o in options if type_of(self.flatten(o)) != "null"]
        return real[0] if real else options[0]

    def _object(self, schema: Schema, story: Story, depth: int) -> dict[str, Any]:
        properties: Mapping[str, Schema] = schema.get("properties") or {}
        chosen = set(properties) if depth < _MAX_DEPTH else set(schema.get("required", []))
        result: dict[str, Any] = {}
        for prop, prop_schema in properties.items():
            if prop in chosen and not self.resolve(prop_schema).get("writeOnly"):
                result[prop] = self.value(prop_schema, prop, story, depth + 1)
        return result

    def _array(self, schema: Schema, name: str | None, story: Story, depth: int) -> list[Any]:
        low = int(schema.get("minItems", 0))
        high = int(schema.get("maxItems", low + 3))
        items = schema.get("items") or {}
        listed = self.inventor.strings(name, story)
        if listed is not None and type_of(self.flatten(items)) == "string" and "enum" not in self.flatten(items):
            values: list[Any] = [self._fit(v, self.flatten(items)) for v in listed]
        else:
            if depth >= _MAX_DEPTH:
                high = low
            count = self.streams.rng.randint(low, max(low, min(high, low + 3)))
            values = []
            for _ in range(count * 10 + 10):
                if len(values) >= count:
                    break
                item = self.value(items, _singular(name), None, depth + 1)
                if not (schema.get("uniqueItems") and item in values):
                    values.append(item)
        if schema.get("uniqueItems"):
            values = [v for i, v in enumerate(values) if v not in values[:i]]
        while len(values) < low:
            values.append(self.value(items, _singular(name), None, depth + 1))
        return values[:high] if "maxItems" in schema else values

    def _number(self, schema: Schema, integer: bool) -> float:
        low, high = _bounds(schema, integer)
        rng = self.streams.rng
        multiple = schema.get("multipleOf")
        if multiple:
            first, last = math.ceil(low / multiple), math.floor(high / multiple)
            value = rng.randint(first, max(first, last)) * multiple
            return value if integer or float(multiple).is_integer() else round(value, 10)
        if integer:
            return rng.randint(math.ceil(low), math.floor(high))
        if high - low <= 0.02:
            return low
        value = round(rng.uniform(low, high), 2)
        return min(max(value, low), high)

    def _string(self, schema: Schema, name: str | None, story: Story) -> str:
        fmt = schema.get("format")
        make = _FORMATS.get(str(fmt)) if fmt else None
        text = make(self.streams) if make else self.inventor.string(name, schema, story)
        return text if make and _fits(text, schema) else self._fit(text, schema)

    def _fit(self, text: str, schema: Schema) -> str:
        """Trim or extend `text` to the schema's length bounds, at word boundaries if possible."""
        low = int(schema.get("minLength", 0))
        high = schema.get("maxLength")
        if high is not None and len(text) > int(high):
            cut = text[: int(high)]
            text = cut.rsplit(" ", 1)[0] if " " in cut and len(cut.rsplit(" ", 1)[0]) >= low else cut
        while len(text) < low:
            text = (text + " " + self.inventor.story().text).strip()
            if high is not None:
                text = text[: int(high)]
        return text


def type_of(schema: Schema) -> str:
    """The JSON type a schema describes, preferring a non-null one in a 3.1 type list."""
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


def _bounds(schema: Schema, integer: bool) -> tuple[float, float]:
    """Inclusive [low, high] from minimum/maximum and both flavours of exclusive bounds."""
    step = 1 if integer else 0.01
    low, high = schema.get("minimum"), schema.get("maximum")
    ex_low, ex_high = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
    if ex_low is True:  # OpenAPI 3.0: a boolean modifier of minimum
        ex_low, low = low, None
    if ex_high is True:
        ex_high, high = high, None
    if isinstance(ex_low, (int, float)) and not isinstance(ex_low, bool):
        low = ex_low + step if low is None else max(low, ex_low + step)
    if isinstance(ex_high, (int, float)) and not isinstance(ex_high, bool):
        high = ex_high - step if high is None else min(high, ex_high - step)
    if low is not None and high is not None:
        return low, high
    if high is not None:
        return high - 100, high
    if low is not None:
        return low, low + 100
    return (1, 100) if integer else (0.0, 1.0)


def _fits(text: str, schema: Schema) -> bool:
    high = schema.get("maxLength")
    return len(text) >= int(schema.get("minLength", 0)) and (high is None or len(text) <= int(high))


def _singular(name: str | None) -> str | None:
    if name and name.endswith("s") and len(name) > 3:
        return name[:-1]
    return name


def _past(streams: Streams) -> dt.datetime:
    """A moment within the year before the API's clock, for date-times nobody stamped."""
    base = streams.base_time()
    return base - dt.timedelta(seconds=streams.rng.randint(3600, 365 * 24 * 3600))


_FORMATS: dict[str, Callable[[Streams], str]] = {
    "date-time": lambda s: rfc3339(_past(s)),
    "date": lambda s: _past(s).date().isoformat(),
    "time": lambda s: _past(s).strftime("%H:%M:%SZ"),
    "uuid": lambda s: s.uuid4(),
    "email": lambda s: s.faker.email(),
    "uri": lambda s: s.faker.url(),
    "url": lambda s: s.faker.url(),
    "hostname": lambda s: s.faker.domain_name(),
    "ipv4": lambda s: s.faker.ipv4(),
    "ipv6": lambda s: s.faker.ipv6(),
    "byte": lambda s: base64.b64encode(s.token(12).encode()).decode(),
    "password": lambda s: s.token(16),
}
