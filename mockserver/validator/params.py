"""Parameters: read where the spec puts them, deserialised and cast by openapi-core, validated.

Every parameter gets, once at start-up, openapi-core's own style deserialiser (form, simple,
label, matrix, spaceDelimited, pipeDelimited, deepObject, with `explode`) and schema caster, and a
compiled `SchemaCheck`, so a value is judged exactly as openapi-core judges it. What openapi-core
gets wrong when driven through its full request path is fixed in how it is driven, not by
second-guessing its verdicts:

- the style deserialiser is told the parameter's *effective* type: FastAPI's optional
  parameters are `anyOf: [{type: integer}, {type: 'null'}]`, whose missing top-level `type`
  made openapi-core treat `?tags=a&tags=b` as one string and reject every valid array;
- label and matrix path parameters, and spaceDelimited query parameters, are handed to the
  deserialiser in the form it expects (`.name`, `;name`, `%20`-separated);
- an empty query value (`?limit=`) is the empty string, judged by the schema like any other
  value (a valid string, an invalid integer or UUID), as FastAPI judges it; openapi-core's own
  rule rejects it for every schema, which no vendor does.

Parsing results are cached per raw value, since clients repeat the same few values.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus

from jsonschema_path import SchemaPath
from openapi_core.casting.schemas import oas30_write_schema_casters_factory, oas31_schema_casters_factory
from openapi_core.casting.schemas.exceptions import CastError
from openapi_core.deserializing.exceptions import DeserializeError
from openapi_core.deserializing.styles import style_deserializers
from openapi_core.deserializing.styles.deserializers import StyleDeserializer
from openapi_core.schema.parameters import get_style_and_explode

from .. import jsonio, media
from ..bounded import Bounded
from ..problems import ErrorItem
from ..server.http import Request
from .schema import SchemaCheck, factories
from .wording import PARSING_MESSAGES

_DEFAULT_STYLE = {"query": "form", "cookie": "form", "header": "simple", "path": "simple"}
_ALLOWED_STYLES = {
    "query": {"form", "spaceDelimited", "pipeDelimited", "deepObject"},
    "cookie": {"form"},
    "header": {"simple"},
    "path": {"simple", "label", "matrix"},
}
_CACHE_SIZE = 512
# A delimiter as sent literally first (then an encoded one inside an item is data), else as
# clients that encode everything send it (`requests` turns `a,b` into `a%2Cb`).
_DELIMITERS = {"form": (",", "%2C", "%2c"), "pipeDelimited": ("|", "%7C", "%7c"), "spaceDelimited": ("%20", "+", " ")}


def effective_type(schema: Any) -> str | None:
    """The one JSON type a parameter schema stands for, looking through `null` alternatives
    (`anyOf: [{type: integer}, {type: 'null'}]` → `integer`), or None when it is open."""
    if not isinstance(schema, Mapping):
        return None
    declared = schema.get("type")
    if isinstance(declared, str):
        return declared
    if isinstance(declared, list):
        kinds = [k for k in declared if k != "null"]
        return str(kinds[0]) if len(kinds) == 1 else None
    for keyword in ("anyOf", "oneOf", "allOf"):
        options = schema.get(keyword)
        if isinstance(options, list):
            found = {effective_type(o) for o in options if not (isinstance(o, Mapping) and o.get("type") == "null")}
            found.discard(None)
            if len(found) == 1:
                return str(found.pop())
    if "properties" in schema:
        return "object"
    if "items" in schema:
        return "array"
    return None


def _castable(path: SchemaPath, schema: Mapping[str, Any]) -> SchemaPath:
    """`path`, or where a 3.1 type list appears in its schema (`type: [number, 'null']`, also what
    a 3.1 `nullable` reads as) the same schema with each list spelled as `anyOf` of single types:
    openapi-core's caster reads `type` as one string and fails on a list, so `?depth=0` would be
    refused where jsonschema (the validator) accepts it."""
    return SchemaPath.from_dict(_single_types(schema)) if _has_type_list(schema) else path


def _has_type_list(node: Any) -> bool:
    if isinstance(node, Mapping):
        return isinstance(node.get("type"), list) or any(_has_type_list(value) for value in node.values())
    return isinstance(node, list) and any(_has_type_list(value) for value in node)


def _single_types(node: Any) -> Any:
    if isinstance(node, list):
        return [_single_types(value) for value in node]
    if not isinstance(node, Mapping):
        return node
    copy = {key: _single_types(value) for key, value in node.items()}
    kinds = copy.get("type")
    if isinstance(kinds, list):
        del copy["type"]
        return {"anyOf": [{**copy, "type": kind} for kind in kinds]}
    return copy


class _Values(Mapping[str, str]):
    """Query pairs as openapi-core's deserialisers read them: `[name]` is the last value (as
    Starlette and FastAPI read a repeated scalar), `getlist(name)` every value; `raw` keeps the
    values still percent-encoded, for delimited arrays."""

    def __init__(self, pairs: list[tuple[str, str]], raw: list[tuple[str, str]] | None = None) -> None:
        self._pairs = pairs
        self._last = dict(pairs)
        self.raw = raw or []

    def __getitem__(self, key: str) -> str:
        return self._last[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._last)

    def __len__(self) -> int:
        return len(self._last)

    def getlist(self, key: str) -> list[str]:
        return [value for name, value in self._pairs if name == key]


@dataclass(frozen=True)
class _Raw:
    """What the request holds for one parameter: its cache key and openapi-core's location."""

    key: tuple[Any, ...]
    location: Mapping[str, Any]


class ParameterCheck:
    """One declared parameter, compiled."""

    def __init__(self, openapi: str, spec: SchemaPath, path: SchemaPath, param: Mapping[str, Any]) -> None:
        self.name = str(param["name"])
        self.location = str(param["in"])
        self.required = bool(param.get("required", self.location == "path"))
        self.loc: tuple[str, str] = (self.location, self.name)
        style, explode = get_style_and_explode(path, default_location=self.location)
        if style not in _ALLOWED_STYLES[self.location]:
            style = _DEFAULT_STYLE[self.location]
        self.style, self.explode = style, explode
        schema = param.get("schema")
        self.kind = effective_type(schema)
        self._properties = tuple((schema or {}).get("properties") or ()) if isinstance(schema, Mapping) else ()
        request_factory, _ = factories(openapi)
        self._deserializer: StyleDeserializer | None = None
        self.check: SchemaCheck | None = None
        self._content_json = False
        self._delimiters: tuple[str, ...] = ()
        self._caster: Any = None
        self._spread = style == "form" and explode and self.kind == "object" and self.location == "query"
        self._schema = schema if isinstance(schema, Mapping) else {}
        if isinstance(schema, Mapping):
            casters = oas30_write_schema_casters_factory if openapi.startswith("3.0") else oas31_schema_casters_factory
            caster = self._caster = casters.create(spec, _castable(path / "schema", schema))
            self._deserializer = StyleDeserializer(
                style, explode, self.name, self.kind or "", caster, style_deserializers[style]
            )
            if self.location == "query" and self.kind == "array" and not explode and style in _DELIMITERS:
                # Split the still-encoded value on its delimiter, then hand openapi-core the
                # decoded items as if exploded: an encoded delimiter inside an item stays in it.
                self._delimiters = _DELIMITERS[style]
                self._deserializer = StyleDeserializer(
                    "form", True, self.name, "array", caster, style_deserializers["form"]
                )
            self.check = SchemaCheck(request_factory, spec, path / "schema", openapi)
        elif isinstance(param.get("content"), Mapping) and param["content"]:
            media_type = next(iter(param["content"]))
            self._content_json = media.is_json(media_type)
            if isinstance(param["content"][media_type], Mapping) and "schema" in param["content"][media_type]:
                self.check = SchemaCheck(request_factory, spec, path / "content" / media_type / "schema", openapi)
        self._cache: Bounded[tuple[Any, ...], tuple[ErrorItem, ...]] = Bounded(_CACHE_SIZE)

    def errors(self, request: Request, query: _Values | None) -> tuple[ErrorItem, ...]:
        """Every problem with this parameter in `request` (`query` is its parsed query)."""
        raw = self._raw(request, query)
        if raw is None:
            return (ErrorItem(self.loc, "Field required", "missing"),) if self.required else ()
        cached = self._cache.get(raw.key)
        if cached is None:
            cached = self._cache.remember(raw.key, tuple(self._judge(raw.location)))
        return cached

    def _judge(self, location: Mapping[str, Any]) -> list[ErrorItem]:
        if self._deserializer is None:
            return self._judge_content(location[self.name])
        if self._delimiters and isinstance(location, _Values) and not location.getlist(self.name):
            return self.check.errors([], self.loc) if self.check else []  # `ids=`: the empty list
        try:
            if self._spread:  # `?user_id=1&agent_id=2`: the properties are the query's own keys
                value = self._caster.cast(_shaped(dict(location), self._schema))
            elif self.style == "deepObject":
                value = self._caster.cast(_shaped(_deep_object(self.name, list(location.items())), self._schema))
            else:
                value = self._deserializer.deserialize(location)
        except (DeserializeError, CastError, KeyError, ValueError, TypeError):
            return [ErrorItem(self.loc, *self._parsing_message())]
        if isinstance(value, str) and self.kind in ("integer", "number", "boolean", "array", "object"):
            return [ErrorItem(self.loc, *self._parsing_message())]
        return self.check.errors(value, self.loc) if self.check else []

    def _judge_content(self, text: str) -> list[ErrorItem]:
        value: Any = text
        if self._content_json:
            try:
                value = jsonio.loads(text.encode("utf-8", "surrogateescape"))
            except jsonio.JSONError:
                return [ErrorItem(self.loc, "Invalid JSON", "json_invalid")]
        return self.check.errors(value, self.loc) if self.check else []

    def _parsing_message(self) -> tuple[str, str]:
        return PARSING_MESSAGES.get(self.kind or "", ("Input is not valid for its declared style", "value_error"))

    def _raw(self, request: Request, query: _Values | None) -> _Raw | None:
        """What `request` carries for this parameter, or None when it is absent."""
        name = self.name
        if self.location == "query":
            assert query is not None
            return self._raw_query(query)
        if self.location == "header":
            value = request.headers.get(name.lower())
        elif self.location == "cookie":
            value = request.cookies.get(name)
        else:
            value = request.path_params.get(name)
        if value is None:
            return None
        key = name
        if self.style == "label":
            key = f".{name}*" if self.explode else f".{name}"
        elif self.style == "matrix":
            key = f";{name}*" if self.explode else f";{name}"
        return _Raw((value,), {key: value, name: value})

    def _raw_query(self, query: _Values) -> _Raw | None:
        name = self.name
        if self.style == "deepObject":
            prefix = name + "["
            pairs = tuple((k, v) for k in query for v in query.getlist(k) if k.startswith(prefix))
            return _Raw(pairs, dict(pairs)) if pairs else None
        if self._spread:
            prefix = name + "["
            pairs = tuple((k, query[k]) for k in self._properties if k in query)
            pairs += tuple((k[len(prefix) : -1], query[k]) for k in query if k.startswith(prefix) and k.endswith("]"))
            return _Raw(pairs, dict(pairs)) if pairs else None
        if self._delimiters:
            raw = [value for key, value in query.raw if key == name]
            if not raw:
                return None
            items = [unquote_plus(item) for item in _split(raw[-1], self._delimiters)]
            return _Raw(("split", *items), _Values([(name, item) for item in items]))
        values = query.getlist(name)
        if not values:
            return None
        return _Raw(tuple(values), _Values([(name, value) for value in values]))


def _deep_object(name: str, pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """`name[a]=1&name[b][c]=2&name[d][]=3&name[e][0]=4` → `{a: "1", b: {c: "2"}, d: ["3"], e: ["4"]}`, the way qs,
    Rails and PHP read brackets (OpenAPI leaves nesting undefined; openapi-core reads one level
    of word-character keys only)."""
    result: dict[str, Any] = {}
    for key, value in pairs:
        path = key[len(name) :]
        keys = path[1:-1].split("][") if path.startswith("[") and path.endswith("]") else []
        if not keys:
            continue
        node: Any = result
        for index, part in enumerate(keys):
            last = index == len(keys) - 1
            if isinstance(node, list):
                if last:
                    node.append(value)
                else:
                    node.append({})
                    node = node[-1]
                continue
            if last:
                if part == "":
                    continue
                existing = node.get(part)
                node[part] = (
                    [*existing, value]
                    if isinstance(existing, list)
                    else ([existing, value] if isinstance(existing, str) else value)
                )
            else:
                follow: list[Any] | dict[str, Any] = [] if keys[index + 1] == "" else {}
                if not isinstance(node.get(part), (dict, list)):
                    node[part] = follow
                node = node[part]
    indexed: dict[str, Any] = _indexed(result)
    return indexed


def _indexed(value: Any) -> Any:
    """`name[ids][0]=a&name[ids][1]=b` names a list, as qs reads it: an object whose keys are
    all indexes becomes the list of its values in index order."""
    if isinstance(value, list):
        return [_indexed(item) for item in value]
    if not isinstance(value, dict):
        return value
    items = {k: _indexed(v) for k, v in value.items()}
    if items and all(k.isdigit() and len(k) <= 3 for k in items):
        return [items[k] for k in sorted(items, key=int)]
    return items


def _shaped(value: dict[str, Any], schema: Mapping[str, Any]) -> dict[str, Any]:
    """Query text in the shape an object's properties declare: a lone value for an array is a
    one-item array, an empty value an empty array or object (query strings cannot say `[]`)."""
    declared = schema.get("properties")
    properties: Mapping[str, Any] = declared if isinstance(declared, Mapping) else {}
    extra = schema.get("additionalProperties")
    shaped: dict[str, Any] = {}
    for key, item in value.items():
        prop = properties.get(key, extra if isinstance(extra, Mapping) else None)
        kind = effective_type(prop)
        if kind == "array" and isinstance(item, str):
            item = [] if item == "" else [item]
        elif kind == "object" and item == "":
            item = {}
        elif kind == "object" and isinstance(item, dict) and isinstance(prop, Mapping):
            item = _shaped(item, prop)
        shaped[key] = item
    return shaped


_NO_QUERY = _Values([])


def query_values(request: Request) -> _Values:
    return _Values(request.query, request.raw_query) if request.query_string else _NO_QUERY


def _split(raw: str, delimiters: tuple[str, ...]) -> list[str]:
    """Items of a delimited value (none for an empty one), on the first delimiter spelling
    that occurs in it."""
    if raw == "":
        return []
    for delimiter in delimiters:
        if delimiter in raw:
            return raw.split(delimiter)
    return [raw]
