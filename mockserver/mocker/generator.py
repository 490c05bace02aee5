"""Turn a JSON Schema (OpenAPI 3.0 or 3.1 flavour) into a value that validates against it.

The generator is driven by the schema, in this order: `const` and `enum`; composition (`oneOf`
and `anyOf` honouring a `discriminator`, `allOf` merged, `not`); then by type. Strings take their
`format` first, then their `pattern` (rstr), then the spec's example, then what the field's name
says it holds (`created_at` is a date-time, `next_url` a URL, `user_id` an id), and only free-text
fields get invented memory text (one `Story` per object, so an object's texts agree). Lengths,
bounds, `multipleOf`, item counts and uniqueness are met by construction; where a schema can only
be met by trying (overlapping `oneOf` branches, `not`), candidates are checked with the `Judge`.
Randomness comes from the API's `Streams`, so a seeded server is reproducible. The pipeline still
validates every body before sending it: a violation is our bug, and the spec's own example is
used in its place when it is valid.
"""

from __future__ import annotations

import base64
import datetime as dt
import math
from collections.abc import Callable, Mapping
from typing import Any, cast

from ..spec.references import lookup
from . import patterns
from .judge import Judge
from .streams import Streams, rfc3339
from .text import Inventor, Story

Schema = Mapping[str, Any]

_MAX_DEPTH = 6
_HARD_DEPTH = 24
_TRIES = 4
_INT32 = (-(2**31), 2**31 - 1)
_INT64 = (-(2**63), 2**63 - 1)
_ANNOTATIONS = frozenset(
    {"title", "description", "example", "examples", "deprecated", "$comment", "externalDocs", "xml"}
)


class SchemaFaker:
    """Generates schema-valid values from one API's resolved document."""

    def __init__(
        self, document: Mapping[str, Any], streams: Streams, inventor: Inventor, openapi: str = "3.1.0"
    ) -> None:
        self._document = document
        self.streams = streams
        self.inventor = inventor
        self.judge = Judge(document, openapi)
        self._flat: dict[int, tuple[Any, Schema]] = {}
        self._merged: dict[tuple[int, int], tuple[Any, Schema]] = {}
        self._labels: dict[tuple[int, int], Any] = {}
        self.calls = 0  # values invented so far: callers tell a deterministic rendering by it

    # -- schemas ---------------------------------------------------------------------------

    def resolve(self, schema: Any) -> Schema:
        """Follow a local `$ref` left in place (prance keeps them only for recursive schemas);
        anything unresolvable or not a schema object reads as the empty (any-value) schema."""
        seen = 0
        while isinstance(schema, Mapping) and "$ref" in schema and seen < 32:
            target = lookup(self._document, str(schema["$ref"]))
            schema = target if target is not None else {}
            seen += 1
        return schema if isinstance(schema, Mapping) else {}

    def flatten(self, schema: Any) -> Schema:
        """`schema` with `$ref` followed and `allOf` merged into one schema. The result is cached
        and kept alive, so callers may key their own caches by its identity."""
        cached = self._flat.get(id(schema))
        if cached is not None and cached[0] is schema:
            return cached[1]
        flat = self._flatten(schema, 0)
        self._flat[id(schema)] = (schema, flat)
        return flat

    def _flatten(self, schema: Any, depth: int) -> Schema:
        resolved: Schema = self.resolve(schema)
        if "allOf" not in resolved or depth > _HARD_DEPTH:
            return resolved
        merged: dict[str, Any] = {k: v for k, v in resolved.items() if k != "allOf"}
        parts = resolved["allOf"] if isinstance(resolved["allOf"], list) else []
        for part in parts:
            _merge_into(merged, self._flatten(part, depth + 1))
        return merged

    def with_siblings(self, schema: Schema, keyword: str, index: int) -> Schema:
        """Branch `index` of `schema[keyword]`, with the keywords written beside `oneOf`/`anyOf`
        (shared properties, `required`, `type`) merged in: the schema a value of that branch
        must satisfy."""
        key = (id(schema), index if keyword == "oneOf" else -1 - index)
        cached = self._merged.get(key)
        if cached is not None and cached[0] is schema:
            return cached[1]
        branch = self.flatten(schema[keyword][index])
        siblings = {
            k: v for k, v in schema.items() if k not in ("oneOf", "anyOf", "discriminator") and k not in _ANNOTATIONS
        }
        if siblings:
            merged: dict[str, Any] = dict(siblings)
            _merge_into(merged, branch)
        else:
            merged = dict(branch)
        self._merged[key] = (schema, merged)
        return merged

    def pick_option(self, options: list[Any]) -> Schema:
        """Prefer a non-null alternative: a nullable field still deserves a real value."""
        real = [o for o in options if type_of(self.flatten(o)) != "null"]
        return real[0] if real else (options[0] if options else {})

    # -- values ----------------------------------------------------------------------------

    def value(self, schema: Any, name: str | None = None, story: Story | None = None, depth: int = 0) -> Any:
        """A value valid against `schema`; `name` is the property it will be stored under and
        `story` the invented memory its text should agree with (a new one if not given)."""
        self.calls += 1
        if schema is True or schema is None:
            return self._any(name, story)
        schema = self.flatten(schema)
        if "const" in schema:
            return schema["const"]
        if isinstance(schema.get("enum"), list) and schema["enum"]:
            choices = [v for v in schema["enum"] if v is not None] or list(schema["enum"])
            return self.streams.rng.choice(choices)
        for keyword in ("oneOf", "anyOf"):
            if isinstance(schema.get(keyword), list) and schema[keyword]:
                return self._alternative(schema, keyword, name, story, depth)
        value = self._typed(schema, name, story, depth)
        if isinstance(schema.get("not"), (Mapping, bool)):
            for _ in range(_TRIES):
                if not self.judge.valid(schema["not"], value):
                    break
                value = self._typed(schema, name, story, depth)
        return value

    def _typed(self, schema: Schema, name: str | None, story: Story | None, depth: int) -> Any:
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
        return self.string(schema, name, story)

    def _alternative(self, schema: Schema, keyword: str, name: str | None, story: Story | None, depth: int) -> Any:
        """A value of one branch: non-null branches first, the discriminator set to the branch's
        mapping key, and for `oneOf` a value that matches exactly one branch."""
        options: list[Any] = schema[keyword]
        real = [i for i in range(len(options)) if type_of(self.flatten(options[i])) != "null"]
        start = self.streams.rng.randrange(len(real)) if len(real) > 1 else 0
        order = real[start:] + real[:start] + [i for i in range(len(options)) if i not in real]
        if depth >= _MAX_DEPTH and any(type_of(self.flatten(options[i])) == "null" for i in order):
            order = [i for i in order if type_of(self.flatten(options[i])) == "null"] + order
        value: Any = None
        for index in order[:_TRIES]:
            branch = self.with_siblings(schema, keyword, index)
            value = self.value(branch, name, story, depth)
            self._label(schema, keyword, index, value)
            if keyword == "anyOf" or self._exactly_one(options, value):
                return value
        return value

    def _exactly_one(self, options: list[Any], value: Any) -> bool:
        matches = 0
        for option in options:
            if self.judge.valid(option, value):
                matches += 1
                if matches > 1:
                    return False
        return matches == 1

    def _label(self, schema: Schema, keyword: str, index: int, value: Any) -> None:
        """Set the discriminator property of `value` to the name its branch is known by."""
        discriminator = schema.get("discriminator")
        if not isinstance(discriminator, Mapping) or not isinstance(value, dict):
            return
        prop = discriminator.get("propertyName")
        if not isinstance(prop, str):
            return
        key = (id(schema), index)
        if key not in self._labels:
            self._labels[key] = self._discriminator_value(discriminator, self.flatten(schema[keyword][index]))
        label = self._labels[key]
        if label is None:
            return
        prop_schema = (self.flatten(schema[keyword][index]).get("properties") or {}).get(prop)
        if prop_schema is None or self.judge.valid(prop_schema, label):
            value[prop] = label

    def _discriminator_value(self, discriminator: Mapping[str, Any], branch: Schema) -> Any:
        """The mapping key (or, without a mapping entry, the component name) of `branch`."""
        mapping = discriminator.get("mapping")
        for label, target in mapping.items() if isinstance(mapping, Mapping) else ():
            ref = str(target) if str(target).startswith("#") else f"#/components/schemas/{target}"
            found = lookup(self._document, ref)
            if found is not None and (found is branch or self.flatten(found) == branch):
                return label
        components = self._document.get("components")
        schemas = components.get("schemas") if isinstance(components, Mapping) else None
        for label, component in schemas.items() if isinstance(schemas, Mapping) else ():
            if component is branch or self.flatten(component) == branch:
                return label
        return None

    def _object(self, schema: Schema, story: Story, depth: int) -> dict[str, Any]:
        properties = schema.get("properties")
        properties = properties if isinstance(properties, Mapping) else {}
        required = [r for r in schema.get("required") or () if isinstance(r, str)]
        chosen = set(properties) if depth < _MAX_DEPTH else set(required)
        result: dict[str, Any] = {}
        if depth > _HARD_DEPTH:
            return result
        for prop, prop_schema in properties.items():
            if prop in chosen and not self.resolve(prop_schema).get("writeOnly"):
                result[prop] = self.value(prop_schema, prop, story, depth + 1)
        extra = schema.get("additionalProperties", True)
        for prop in required:
            if prop not in result and prop not in properties and extra is not False:
                result[prop] = self.value(extra if isinstance(extra, Mapping) else True, prop, story, depth + 1)
        low = schema.get("minProperties")
        if isinstance(low, int) and extra is not False:
            while len(result) < low:
                result[f"key{len(result) + 1}"] = self.value(
                    extra if isinstance(extra, Mapping) else True, None, story, depth + 1
                )
        high = schema.get("maxProperties")
        if isinstance(high, int) and len(result) > high:
            for prop in [p for p in result if p not in required][: len(result) - high]:
                del result[prop]
        return result

    def _array(self, schema: Schema, name: str | None, story: Story, depth: int) -> list[Any]:
        low = _int(schema.get("minItems"), 0)
        high = _int(schema.get("maxItems"), low + 3)
        items = schema.get("items", True)
        flat_items = self.flatten(items) if isinstance(items, Mapping) else {}
        listed = self.inventor.strings(name, story)
        values: list[Any]
        if (
            listed is not None
            and type_of(flat_items) == "string"
            and not ({"enum", "const", "pattern", "format"} & set(flat_items))
        ):
            values = [self.fit(v, flat_items) for v in listed]
        else:
            if depth >= _MAX_DEPTH:
                high = min(high, low)
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
        for _ in range(low * 10 + 10):
            if len(values) >= low:
                break
            item = self.value(items, _singular(name), None, depth + 1)
            if not (schema.get("uniqueItems") and item in values):
                values.append(item)
        return values[:high] if "maxItems" in schema else values

    def _number(self, schema: Schema, integer: bool) -> float:
        low, high = _bounds(schema, integer)
        rng = self.streams.rng
        multiple = schema.get("multipleOf")
        if isinstance(multiple, (int, float)) and not isinstance(multiple, bool) and multiple > 0:
            return _multiple(rng.randint, low, high, multiple, integer)
        if integer:
            return rng.randint(math.ceil(low), max(math.ceil(low), math.floor(high)))
        if high - low <= 0.02:
            return low
        value = round(rng.uniform(low, high), 2)
        return min(max(value, low), high)

    def string(self, schema: Schema, name: str | None, story: Story | None = None) -> str:
        """A string for `schema`: format, pattern, example, the name's shape, then text."""
        low, high = _int(schema.get("minLength"), 0), schema.get("maxLength")
        high = high if isinstance(high, int) else None
        fmt = schema.get("format")
        make = FORMATS.get(str(fmt)) if fmt else None
        pattern = schema.get("pattern")
        if isinstance(pattern, str):
            found = patterns.matching(pattern, self.streams.rng, low, high)
            if found is not None and (make is None or self.judge.valid({"format": fmt, "type": "string"}, found)):
                return found
        if make is not None:
            text = make(self.streams)
            if _fits(text, low, high):
                return text
        example = _example(schema)
        if isinstance(example, str) and _fits(example, low, high) and not isinstance(pattern, str):
            return example
        shape = self.inventor.shape(name) if not self.inventor.hinted(name) else None
        if shape in FORMATS and make is None:
            shaped = FORMATS[shape](self.streams)
            if shape == "uuid" and not _fits(shaped, low, high):
                shaped = self.streams.token(max(low, min(high or 16, 16)))
            if _fits(shaped, low, high):
                return shaped
        return self.fit(self.inventor.string(name, schema, story or self.inventor.story()), schema)

    def fit(self, text: str, schema: Schema) -> str:
        """Trim or extend `text` to the schema's length bounds, at word boundaries if possible."""
        low = _int(schema.get("minLength"), 0)
        high = schema.get("maxLength")
        if isinstance(high, int) and len(text) > high:
            cut = text[:high]
            text = cut.rsplit(" ", 1)[0] if " " in cut and len(cut.rsplit(" ", 1)[0]) >= low else cut
        while len(text) < low:
            text = (text + " " + self.inventor.story().text).strip()
            if isinstance(high, int):
                text = text[:high]
        return text

    def _any(self, name: str | None, story: Story | None) -> Any:
        """A value for a schema that allows anything: what the name suggests, as a string."""
        return self.string({}, name, story)


def type_of(schema: Schema) -> str:
    """The JSON type a schema describes, preferring a non-null one in a 3.1 type list."""
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if isinstance(kind, str) and kind:
        return kind
    if "properties" in schema or "additionalProperties" in schema or "required" in schema:
        return "object"
    if "items" in schema:
        return "array"
    if any(k in schema for k in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")):
        return "number"
    return "string"


def _merge_into(merged: dict[str, Any], part: Schema) -> None:
    """Merge one `allOf` part into `merged`, keeping both sides' constraints where they meet."""
    for key, val in part.items():
        if key == "properties" and isinstance(val, Mapping):
            properties = dict(merged.get("properties") or {})
            for prop, prop_schema in val.items():
                properties[prop] = (
                    {"allOf": [properties[prop], prop_schema]}
                    if prop in properties and properties[prop] != prop_schema
                    else prop_schema
                )
            merged["properties"] = properties
        elif key == "required" and isinstance(val, list):
            merged["required"] = list(dict.fromkeys([*merged.get("required", []), *val]))
        elif (
            key in ("minimum", "minLength", "minItems", "minProperties", "exclusiveMinimum")
            and key in merged
            and _numeric(val)
        ):
            merged[key] = max(merged[key], val) if _numeric(merged[key]) else val
        elif (
            key in ("maximum", "maxLength", "maxItems", "maxProperties", "exclusiveMaximum")
            and key in merged
            and _numeric(val)
        ):
            merged[key] = min(merged[key], val) if _numeric(merged[key]) else val
        elif key == "enum" and isinstance(merged.get("enum"), list) and isinstance(val, list):
            merged["enum"] = [v for v in merged["enum"] if v in val] or merged["enum"]
        elif key == "type" and key in merged and merged[key] != val:
            mine = merged[key] if isinstance(merged[key], list) else [merged[key]]
            theirs = val if isinstance(val, list) else [val]
            common = [k for k in mine if k in theirs] or (
                [k for k in mine if k == "integer" and "number" in theirs] or mine
            )
            merged[key] = common if len(common) > 1 else common[0]
        elif key == "additionalProperties" and key in merged:
            if val is False or merged[key] is False:
                merged[key] = False
        else:
            merged.setdefault(key, val)


def _numeric(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _int(value: Any, default: int) -> int:
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else default


def _bounds(schema: Schema, integer: bool) -> tuple[float, float]:
    """Inclusive [low, high] from minimum/maximum, both flavours of exclusive bounds and the
    integer formats' ranges."""
    step = 1 if integer else 0.01
    low = schema.get("minimum") if _numeric(schema.get("minimum")) else None
    high = schema.get("maximum") if _numeric(schema.get("maximum")) else None
    ex_low, ex_high = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
    if ex_low is True:  # OpenAPI 3.0: a boolean modifier of minimum
        ex_low, low = low, None
    if ex_high is True:
        ex_high, high = high, None
    if _numeric(ex_low):
        above = _above(cast(float, ex_low), step, integer)
        low = above if low is None else max(low, above)
    if _numeric(ex_high):
        below = _below(cast(float, ex_high), step, integer)
        high = below if high is None else min(high, below)
    fmt = schema.get("format")
    limits = _INT32 if fmt == "int32" else _INT64 if fmt == "int64" and integer else None
    if limits:
        low = limits[0] if low is None else max(low, limits[0])
        high = limits[1] if high is None else min(high, limits[1])
    if low is not None and high is not None:
        return low, max(low, high)
    if high is not None:
        return high - 100, high
    if low is not None:
        return low, low + 100
    return (1, 100) if integer else (0.0, 1.0)


def _above(bound: float, step: float, integer: bool) -> float:
    return math.floor(bound) + 1 if integer else bound + step if abs(bound) < 1e12 else math.nextafter(bound, math.inf)


def _below(bound: float, step: float, integer: bool) -> float:
    return math.ceil(bound) - 1 if integer else bound - step if abs(bound) < 1e12 else math.nextafter(bound, -math.inf)


def _multiple(randint: Callable[[int, int], int], low: float, high: float, multiple: float, integer: bool) -> float:
    """A multiple of `multiple` in [low, high] that jsonschema's float check also accepts
    (`value / multiple` must come out exactly whole)."""
    first, last = math.ceil(low / multiple), math.floor(high / multiple)
    if last < first:
        last = first
    for _ in range(20):
        k = randint(first, last)
        value = k * multiple if integer or float(multiple).is_integer() else round(k * multiple, 10)
        if isinstance(multiple, int) or (value / multiple) == int(value / multiple):
            return int(value) if integer else value
    return int(first * multiple) if integer else first * multiple


def _fits(text: str, low: int, high: int | None) -> bool:
    return len(text) >= low and (high is None or len(text) <= high)


def _example(schema: Schema) -> Any:
    if "example" in schema:
        return schema["example"]
    listed = schema.get("examples")
    return listed[0] if isinstance(listed, list) and listed else None


def _singular(name: str | None) -> str | None:
    if name and name.endswith("s") and len(name) > 3:
        return name[:-1]
    return name


def _past(streams: Streams) -> dt.datetime:
    """A moment within the year before the API's clock, for date-times nobody stamped."""
    base = streams.base_time()
    return base - dt.timedelta(seconds=streams.rng.randint(3600, 365 * 24 * 3600))


FORMATS: dict[str, Callable[[Streams], str]] = {
    "date-time": lambda s: rfc3339(_past(s)),
    "date": lambda s: _past(s).date().isoformat(),
    "time": lambda s: _past(s).strftime("%H:%M:%SZ"),
    "duration": lambda s: f"PT{s.rng.randint(1, 59)}M",
    "uuid": lambda s: s.uuid4(),
    "email": lambda s: s.faker.email(),
    "idn-email": lambda s: s.faker.email(),
    "uri": lambda s: s.faker.url(),
    "url": lambda s: s.faker.url(),
    "iri": lambda s: s.faker.url(),
    "uri-reference": lambda s: "/" + s.faker.uri_path(),
    "iri-reference": lambda s: "/" + s.faker.uri_path(),
    "uri-template": lambda s: s.faker.url() + "{id}",
    "hostname": lambda s: s.faker.domain_name(),
    "idn-hostname": lambda s: s.faker.domain_name(),
    "ipv4": lambda s: s.faker.ipv4(),
    "ipv6": lambda s: s.faker.ipv6(),
    "byte": lambda s: base64.b64encode(s.token(12).encode()).decode(),
    "binary": lambda s: s.token(24),
    "password": lambda s: s.token(16),
    "json-pointer": lambda s: "/" + s.faker.word(),
    "relative-json-pointer": lambda s: "0/" + s.faker.word(),
    "regex": lambda s: "^[a-z]+$",
    "color": lambda s: s.rng.choice(["teal", "navy", "olive", "maroon", "silver"]),
}
