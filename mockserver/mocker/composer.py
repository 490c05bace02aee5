"""The success body a real server would have produced for this request.

A create response is mostly the request reflected back, plus what only the server knows. For
each response field, in order:

1. **echo** the value the client sent under that name or a synonym (`fixtures/fields.yaml`),
   with the request schema's defaults applied for fields the client omitted — if it fits the
   response field's schema;
2. a nested object with no echo of its own is composed from the same request (a `memory` object
   describing the memory just sent);
3. **server-assigned**: a fresh id (`id`, `memory_id`, `<resource>_id`…) in the form the spec
   suggests, one per created object; creation timestamps (`created_at == updated_at`, now);
   one id per echoed list item for `<item>_ids`; a success message; `success: true`; a
   single-value enum;
4. **server-computed**: an enum the client could have sent but did not is chosen from the
   content ("auto-categorized if not provided"); a declared default;
5. a required field nobody provides is **invented** (realistic text about one story per object);
6. anything else is null where the schema allows it, and otherwise left out — unless nothing was
   sent to reflect (a read, a list, an item nobody described): then optional fields are invented
   too, so a listed memory has its content rather than a skeleton.

Write-only fields are never answered. Plans are cached per (flattened) schema; the generator
keeps every flattened schema alive, so a cache keyed by identity never hands one operation's
plan to another.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from .. import media
from ..jsonio import clone
from ..spec import Api, Operation
from . import patterns
from .generator import Schema, SchemaFaker, type_of
from .hints import Hints
from .streams import rfc3339
from .text import Story

_OMIT = object()
# the schema of a value nothing describes: one object, since the caches here and the faker's
# are keyed by a schema's identity (a fresh `{}` per request would be a new entry each time)
_NO_SCHEMA: Schema = {}
_PREFIX = re.compile(r"^([A-Za-z]+[-_])")
_MAX_DEPTH = 4  # below this, optional fields of invented objects are filled in
_HARD_DEPTH = 12  # recursive schemas stop here whatever they require
_ANNOTATIONS = frozenset(
    {
        "title",
        "description",
        "default",
        "example",
        "examples",
        "deprecated",
        "readOnly",
        "writeOnly",
        "$comment",
        "nullable",
    }
)
_PY_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
    "null": (type(None),),
}


@dataclass
class _Creation:
    """What one response shares across its nested objects: ids, the instant, the story."""

    source: Mapping[str, Any]
    request_fields: frozenset[str]
    message: str
    ids: dict[str, Any] = field(default_factory=dict)
    now: str | None = None
    story: Story | None = None


@dataclass(frozen=True)
class _Field:
    """Everything about one response property that does not depend on the request."""

    name: str
    schema: Schema
    real: Schema
    kind: str
    required: bool
    echo_keys: tuple[str, ...]
    plain_types: tuple[type, ...] | None
    nested: bool
    is_id: bool
    is_timestamp: bool
    derived_from: str | None
    is_message: bool
    is_success_flag: bool  # `success: true` in a success body, never a random false
    enum: tuple[Any, ...]
    nullable: bool
    write_only: bool
    default: tuple[Any, ...]  # the declared default, when it is valid for the field (documents
    # carry `default: null` on non-nullable objects, which would fail the response guard)


class _Plan(NamedTuple):
    """How an object schema is composed, worked out once per schema."""

    fields: tuple[_Field, ...]
    undeclared: tuple[str, ...]  # required, but no property describes them
    extra: Schema | bool  # `additionalProperties`, what the undeclared ones are made of


class Composer:
    """Builds success bodies for one API; per-schema analysis is done once and cached."""

    def __init__(self, api: Api, faker: SchemaFaker, hints: Hints) -> None:
        self._faker = faker
        self._hints = hints
        self._plans: dict[tuple[int, str], tuple[Schema, _Plan]] = {}
        self._requests: dict[str, tuple[tuple[tuple[str, Any], ...], frozenset[str], str, str]] = {}
        self._shapes: dict[int, tuple[Schema, Schema, str, bool]] = {}
        self.minted: Mapping[str, str] = {}  # id field → `uuid`/`integer`, as observed of the vendor

    def body(self, op: Operation, schema: Schema | None, request_body: Any, example: Any) -> Any:
        """The body for `op`'s success response, reflecting `request_body`."""
        defaults, request_fields, message, resource = self._request_facts(op)
        source = _with_defaults(request_body, defaults)
        creation = _Creation(source=source, request_fields=request_fields, message=message)
        return self._value(schema or _NO_SCHEMA, None, source, example, creation, resource)

    def identity(self, op: Operation, body: Any) -> Any:
        """The id the server assigned to the object `body` describes (None if it has none)."""
        resource = self._request_facts(op)[3]
        pending = [body]
        while pending:
            value = pending.pop(0)
            if type(value) is dict:
                for name, item in value.items():
                    if self._is_id(name, resource):
                        return item
                pending.extend(value.values())
        return None

    def _is_id(self, name: str, resource: str) -> bool:
        """Whether `name` holds the id the server assigns to a created `resource`."""
        return name in self._hints.ids or name in (f"{resource}_id", f"{resource}Id", f"{resource}_uuid")

    def _request_facts(self, op: Operation) -> tuple[tuple[tuple[str, Any], ...], frozenset[str], str, str]:
        """(the request body's declared defaults, its field names, the success message, the
        resource name) of `op`: fixed by the document, so worked out once."""
        facts = self._requests.get(op.routing_id)
        if facts is None:
            request_schema = _request_schema(op, self._faker)
            properties = request_schema.get("properties") or {}
            defaults = tuple(
                (name, flat["default"])
                for name, prop in properties.items()
                if "default" in (flat := self._faker.flatten(prop))
            )
            facts = (defaults, frozenset(properties.keys()), _message(op, self._hints), _resource(op))
            self._requests[op.routing_id] = facts
        return facts

    def _value(
        self,
        schema: Schema,
        name: str | None,
        source: Mapping[str, Any],
        example: Any,
        creation: _Creation,
        resource: str,
        depth: int = 0,
    ) -> Any:
        given = schema
        shape = self._shapes.get(id(given))
        if shape is None or shape[0] is not given:
            shape = self._shapes[id(given)] = (given, *self._shape(given))
        schema, kind, invented = shape[1], shape[2], shape[3]
        if invented:
            return self._faker.value(schema, name, self._story(creation))
        if kind == "object" and "properties" in schema:
            return self._object(schema, source, example, creation, resource, depth)
        if kind == "array" and type_of(self._faker.flatten(schema.get("items") or _NO_SCHEMA)) == "object":
            item_example = example[0] if isinstance(example, list) and example else None
            count = max(int(schema.get("minItems", 1)), 1) if depth < _MAX_DEPTH else int(schema.get("minItems", 0))
            return [
                self._value(
                    schema.get("items") or _NO_SCHEMA,
                    name,
                    {},
                    item_example,
                    _Creation({}, creation.request_fields, creation.message),
                    resource,
                    depth + 1,
                )
                for _ in range(count)
            ]
        return self._faker.value(schema, name or ("text" if kind == "string" else None), self._story(creation))

    def _shape(self, schema: Schema) -> tuple[Schema, str, bool]:
        """(the schema to compose, its JSON type, whether it is a real choice the faker makes):
        of a `oneOf`/`anyOf` that only adds null the non-null option is composed. Fixed by the
        document, so cached per schema (`given` is kept alive in the cache, as `flatten` does)."""
        schema = self._faker.flatten(schema)
        for keyword in ("oneOf", "anyOf"):
            options = schema.get(keyword)
            if isinstance(options, list) and options:
                if (
                    schema.get("discriminator")
                    or keyword == "oneOf"
                    and len([o for o in options if type_of(self._faker.flatten(o)) != "null"]) > 1
                ):
                    return schema, type_of(schema), True
                real = next((i for i, o in enumerate(options) if type_of(self._faker.flatten(o)) != "null"), 0)
                schema = self._faker.with_siblings(schema, keyword, real)
                break
        return schema, type_of(schema), False

    def _object(
        self,
        schema: Schema,
        source: Mapping[str, Any],
        example: Any,
        creation: _Creation,
        resource: str,
        depth: int = 0,
    ) -> dict[str, Any]:
        result: dict[str, Any] = {}
        fields, undeclared, extra = self._plan(schema, resource)
        examples = example if type(example) is dict else {}
        for plan in fields:
            value = self._field(plan, source, examples.get(plan.name), creation, resource, depth)
            if value is not _OMIT:
                result[plan.name] = value
        for name in undeclared:
            result[name] = self._faker.value(extra, name, self._story(creation))
        return result

    def _plan(self, schema: Schema, resource: str) -> _Plan:
        """Each declared property's analysis, the required names no property declares (filled
        from `additionalProperties`), and that schema."""
        key = (id(schema), resource)
        cached = self._plans.get(key)
        if cached is not None and cached[0] is schema:
            return cached[1]
        required = [name for name in schema.get("required") or () if isinstance(name, str)]
        properties = schema.get("properties")
        defined = properties if isinstance(properties, Mapping) else {}
        extra = schema.get("additionalProperties", True)
        plan = _Plan(
            tuple(self._analyse(name, prop, name in required, resource) for name, prop in defined.items()),
            tuple(name for name in required if name not in defined) if extra is not False else (),
            extra if isinstance(extra, Mapping) else True,
        )
        self._plans[key] = (schema, plan)
        return plan

    def _analyse(self, name: str, prop: Schema, required: bool, resource: str) -> _Field:
        flat = self._faker.flatten(prop)
        options = flat.get("anyOf") or flat.get("oneOf")
        real = self._faker.flatten(self._faker.pick_option(options)) if options else flat
        kind = type_of(real)
        derived = re.match(r"^(\w+?)(_ids|Ids)$", name)
        return _Field(
            name=name,
            schema=flat,
            real=real,
            kind=kind,
            required=required,
            echo_keys=self._hints.echo_keys(name),
            plain_types=_plain_types(flat, self._faker),
            nested=kind == "object" and "properties" in real,
            is_id=self._is_id(name, resource),
            is_timestamp=name in self._hints.timestamps and kind == "string",
            derived_from=derived.group(1) + "s" if derived and kind == "array" else None,
            is_message=name in self._hints.message_fields and kind == "string" and "enum" not in real,
            is_success_flag=name in self._hints.success_flags
            and kind == "boolean"
            and self._faker.judge.valid(flat, True),
            enum=tuple(real.get("enum") or ()),
            nullable=_nullable(flat, self._faker),
            write_only=bool(flat.get("writeOnly")),
            default=(flat["default"],) if "default" in flat and self._faker.judge.valid(flat, flat["default"]) else (),
        )

    def _field(
        self, plan: _Field, source: Mapping[str, Any], example: Any, creation: _Creation, resource: str, depth: int = 0
    ) -> Any:
        if plan.write_only:
            return _OMIT
        for key in plan.echo_keys:
            if key in source and _storable(source[key]) and self._fits(source[key], plan):
                if plan.is_id and source[key] == "":
                    break  # an empty id names nothing: the server assigns one
                return clone(source[key])
        if plan.nested:
            nested = source.get(plan.name)
            if type(nested) is dict:
                return self._object(plan.real, nested, example, creation, resource, depth + 1)
            if plan.required:
                return self._object(plan.real, source, example, creation, resource, depth + 1)
        if plan.is_id:
            if plan.name not in creation.ids:
                creation.ids[plan.name] = self._minted(plan, example)
            return creation.ids[plan.name]
        if plan.is_timestamp:
            if creation.now is None:
                creation.now = rfc3339(self._faker.streams.now())
            return creation.now
        if plan.derived_from is not None and type(source.get(plan.derived_from)) is list:
            item_schema = self._faker.flatten(plan.real.get("items") or _NO_SCHEMA)
            return [self._new_id(item_schema, None) for _ in source[plan.derived_from]]
        if plan.is_message:
            return creation.message
        if plan.is_success_flag:
            return True
        if len(plan.enum) == 1:
            return plan.enum[0]
        if plan.enum and plan.name in creation.request_fields:
            chosen = self._faker.inventor.classify(list(plan.enum), self._text_of(source, creation))
            if chosen is not None:
                return chosen
        if plan.default:
            return clone(plan.default[0])
        if depth > _HARD_DEPTH:
            return None if plan.nullable else _OMIT
        if plan.required or (not source and depth < _MAX_DEPTH):
            invented = (
                creation
                if source
                else _Creation({}, creation.request_fields, creation.message, story=self._story(creation))
            )
            return self._value(plan.schema, plan.name, {}, example, invented, resource, depth + 1)
        return None if plan.nullable else _OMIT

    def _minted(self, plan: _Field, example: Any) -> Any:
        """A new id as the vendor was seen to mint them (`--fidelity observed`), when that
        shape fits the schema; else as the document suggests."""
        shape = self.minted.get(plan.name)
        if shape == "uuid":
            candidate: Any = self._faker.streams.uuid4()
        elif shape == "integer":
            candidate = self._faker.streams.rng.randint(1, 2**31 - 1)
        else:
            return self._new_id(plan.real, example)
        return candidate if self._faker.judge.valid(plan.real, candidate) else self._new_id(plan.real, example)

    def _new_id(self, schema: Schema, example: Any) -> Any:
        """A fresh identifier shaped like the spec suggests: its pattern, uuid format, the
        example's prefix (`mem-123` → `mem-` + a random token), an integer, else a UUID — always
        within the declared length."""
        streams = self._faker.streams
        example = example if example is not None else schema.get("example")
        kind = type_of(schema)
        if kind in ("integer", "number") or "enum" in schema or "const" in schema:
            return self._faker.value(schema)
        if kind != "string":
            return self._faker.value(schema)
        shortest, longest = schema.get("minLength"), schema.get("maxLength")
        low: int = shortest if isinstance(shortest, int) else 0
        high: int | None = longest if isinstance(longest, int) else None
        pattern = schema.get("pattern")
        if isinstance(pattern, str):
            found = patterns.matching(pattern, streams.rng, low, high)
            return found if found is not None else self._faker.value(schema)
        if schema.get("format") not in (None, "uuid"):
            return self._faker.value(schema)
        prefix = _PREFIX.match(example) if schema.get("format") != "uuid" and isinstance(example, str) else None
        candidate = prefix.group(1) + streams.token(12) if prefix else streams.uuid4()
        if high is not None and len(candidate) > high:
            candidate = (
                candidate[: max(high - 12, 0)] + streams.token(min(12, high))
                if "-" in candidate[:8]
                else streams.token(high)
            )
            candidate = candidate[:high]
        while len(candidate) < low:
            candidate += streams.token(8)
        return candidate[:high] if high is not None else candidate

    def _story(self, creation: _Creation) -> Story:
        if creation.story is None:
            creation.story = self._faker.inventor.story()
        return creation.story

    def _text_of(self, source: Mapping[str, Any], creation: _Creation) -> str:
        """All text a classifier may read: every string and string list the client sent."""
        parts: list[str] = []
        for value in source.values():
            if type(value) is str:
                parts.append(value)
            elif type(value) is list:
                parts.extend(v for v in value if type(v) is str)
        if parts:
            return " ".join(parts)
        story = self._story(creation)
        return story.text + " " + " ".join(story.topics)

    def _fits(self, value: Any, plan: _Field) -> bool:
        """Whether an echoed value is valid for the response field: a type check for plainly
        typed fields, else the judge (openapi-core's response validator class)."""
        if plan.plain_types is not None:
            return isinstance(value, plan.plain_types) and not (type(value) is bool and bool not in plan.plain_types)
        return self._faker.judge.valid(plan.schema, value)


def _storable(value: Any, depth: int = 0) -> bool:
    """Whether a server could have stored `value` and given it back: no integer beyond 64 bits
    (JSON allows them, databases and most JSON libraries do not, and tools disagree on them)."""
    kind = type(value)
    if kind is str or value is None or kind is bool or kind is float:
        return True
    if kind is int:
        return bool(-(2**63) <= value < 2**64)
    if depth > 32:
        return True
    if kind is dict:
        return all(_storable(item, depth + 1) for item in value.values())
    if kind is list:
        return all(_storable(item, depth + 1) for item in value)
    return True


def _plain_types(schema: Schema, faker: SchemaFaker) -> tuple[type, ...] | None:
    """Python types equivalent to `schema` when it only constrains the JSON type (with anyOf
    alternatives that do the same); None when a real validator is needed."""
    options = schema.get("anyOf") or schema.get("oneOf")
    if options:
        if set(schema) - _ANNOTATIONS - {"anyOf", "oneOf"}:
            return None
        types: tuple[type, ...] = ()
        for option in options:
            part = _plain_types(faker.flatten(option), faker)
            if part is None:
                return None
            types += part
        return types
    if set(schema) - _ANNOTATIONS - {"type"}:
        return None
    kinds = schema.get("type")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    if not all(k in _PY_TYPES for k in kinds):
        return None
    if schema.get("nullable") is True and faker.judge.valid(schema, None):
        kinds = [*kinds, "null"]
    return tuple(t for k in kinds for t in _PY_TYPES[k])


def _request_schema(op: Operation, faker: SchemaFaker) -> Schema:
    content = (op.request_body or {}).get("content") or {}
    for media_type, definition in content.items():
        if (media.is_json(media_type) or media.is_form(media_type)) and isinstance(definition, Mapping):
            return faker.flatten(definition.get("schema") or {})
    return {}


def _with_defaults(body: Any, defaults: tuple[tuple[str, Any], ...]) -> Mapping[str, Any]:
    """The request as the vendor's server sees it: what was sent, plus declared defaults."""
    source = dict(body) if type(body) is dict else {}
    for name, default in defaults:
        if name not in source:
            source[name] = clone(default)
    return source


def _resource(op: Operation) -> str:
    """`memory` for /memories, `memory_blob` for /memory-blobs: the thing the path creates."""
    segments = [s for s in op.path.split("/") if s and not s.startswith("{")]
    last = segments[-1] if segments else "item"
    last = re.sub(r"[^A-Za-z0-9]+", "_", last).lower()
    if last.endswith("ies"):
        return last[:-3] + "y"
    if last.endswith("s") and not last.endswith("ss"):
        return last[:-1]
    return last


def _message(op: Operation, hints: Hints) -> str:
    template = hints.messages.get(op.method.lower(), "OK")
    return template.format(resource=_resource(op).replace("_", " ").capitalize())


def _nullable(schema: Schema, faker: SchemaFaker) -> bool:
    """Whether null is a valid answer, as the response validator judges it: OpenAPI 3.0's
    `nullable` does not add null to an `enum`, and means nothing at all in 3.1."""
    return faker.judge.valid(schema, None)
