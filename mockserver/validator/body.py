"""Request bodies, by the media type the request declares and the document matches.

JSON (any `+json` type) is parsed with orjson; `application/x-www-form-urlencoded` and
`multipart/form-data` fields are cast per property by openapi-core's casters, text is decoded by
its charset; each then goes through the schema check.
XML is checked for well-formedness only (openapi-core has no XML schema mapping), and other types
(files, images) are taken as they are. A JSON body nested deeper than `MAX_DEPTH` is refused:
no client needs it, and it could not be echoed back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from jsonschema_path import SchemaPath
from openapi_core.casting.schemas import oas30_write_schema_casters_factory, oas31_schema_casters_factory
from openapi_core.casting.schemas.exceptions import CastError

from .. import jsonio, media
from ..problems import ErrorItem
from ..server.http import Request
from .params import effective_type
from .schema import SchemaCheck, factories
from .wording import PARSING_MESSAGES

MAX_DEPTH = 100
_BODY = ("body",)


class _MediaCheck:
    """How one declared media type of a request body is read and checked."""

    def __init__(self, openapi: str, spec: SchemaPath, path: SchemaPath, declared: str, definition: Any) -> None:
        self.declared = declared
        has_schema = isinstance(definition, Mapping) and "schema" in definition
        request_factory, _ = factories(openapi)
        self.check = SchemaCheck(request_factory, spec, path / "schema", openapi) if has_schema else None
        self._spec = spec
        self._path = path
        self._openapi = openapi
        self._form_schema = path / "schema" if has_schema and media.is_form(declared) else None
        self._fields: dict[str, _FormField] | None = None

    def read(self, request: Request) -> tuple[list[ErrorItem], Any]:
        content_type = request.headers.get("content-type", "")
        if media.is_json(content_type) or (media.is_json(self.declared) and media.essence(self.declared) != "*/*"):
            return self._json(request.body)
        if media.is_form(content_type):
            return self._form(request.body, content_type)
        if media.is_xml(content_type):
            return self._xml(request.body)
        if media.is_text(content_type):
            return self._text(request.body, content_type)
        return [], None

    def _json(self, body: bytes) -> tuple[list[ErrorItem], Any]:
        try:
            value = jsonio.loads(body)
        except jsonio.JSONError as exc:
            return [ErrorItem((*_BODY, exc.position), "JSON decode error", "json_invalid")], None
        if (body.count(b"[") + body.count(b"{")) > MAX_DEPTH and _depth(value) > MAX_DEPTH:
            return [ErrorItem(_BODY, f"JSON is nested more than {MAX_DEPTH} levels deep", "json_invalid")], None
        return self._checked(value)

    def _form(self, body: bytes, content_type: str) -> tuple[list[ErrorItem], Any]:
        """Form fields, each cast to its property's type by openapi-core's caster.

        openapi-core's own form decoding leaves multipart text parts uncast and file parts as
        bytes, so its validator rejects `pages=3` for an integer and every file upload in 3.1;
        here each part is read as its property's type says (text, file, number, JSON object)
        and a part that cannot be read is blamed by name."""
        if self._form_schema is not None and effective_type(self._form_schema.read_value()) not in ("object", None):
            return [], None  # the whole body is the value (a file): nothing to decode field by field
        try:
            fields = _form_fields(body, content_type)
        except Exception:  # the stdlib's parsers raise whatever they hit on bad input
            return [ErrorItem(_BODY, f"Invalid {media.essence(content_type)} body", "value_error")], None
        properties = self._form_properties()
        value: dict[str, Any] = {}
        errors: list[ErrorItem] = []
        for name in fields:
            raw = fields.getlist(name)
            prop = properties.get(name)
            kind = effective_type(prop.schema) if prop else None
            try:
                if kind == "array":
                    value[name] = [prop.cast_item(item) if prop else _text(item) for item in raw]
                else:
                    value[name] = prop.cast(raw[-1]) if prop else _text(raw[-1])
            except (CastError, ValueError, TypeError):
                errors.append(
                    ErrorItem((*_BODY, name), *PARSING_MESSAGES.get(kind or "", ("Invalid value", "value_error")))
                )
        if not errors:
            return self._checked(value)
        unreadable = {item.loc[1] for item in errors}
        others, _ = self._checked(value)
        return errors + [item for item in others if len(item.loc) < 2 or item.loc[1] not in unreadable], None

    def _form_properties(self) -> dict[str, _FormField]:
        if self._fields is None:
            schema = self._form_schema.read_value() if self._form_schema is not None else {}
            properties = schema.get("properties") if isinstance(schema, Mapping) else None
            self._fields = {
                name: _FormField(self._openapi, self._spec, self._form_schema / "properties" / name, prop)
                for name, prop in (properties.items() if isinstance(properties, Mapping) else ())
                if self._form_schema is not None
            }
        return self._fields

    def _xml(self, body: bytes) -> tuple[list[ErrorItem], Any]:
        from xml.etree.ElementTree import ParseError, fromstring

        try:
            fromstring(body)
        except (ParseError, ValueError):
            return [ErrorItem(_BODY, "XML is not well-formed", "value_error")], None
        return [], None

    def _text(self, body: bytes, content_type: str) -> tuple[list[ErrorItem], Any]:
        charset = media.parameters(content_type).get("charset", "utf-8")
        try:
            text = body.decode(charset)
        except (UnicodeDecodeError, LookupError):
            return [ErrorItem(_BODY, f"Body is not valid {charset} text", "value_error")], None
        return self._checked(text)

    def _checked(self, value: Any) -> tuple[list[ErrorItem], Any]:
        if self.check is None:
            return [], value
        return self.check.errors(value, _BODY), value


class _FormField:
    """One property of a form body: openapi-core's caster for it and for its array items."""

    def __init__(self, openapi: str, spec: SchemaPath, path: SchemaPath, schema: Any) -> None:
        casters = oas30_write_schema_casters_factory if openapi.startswith("3.0") else oas31_schema_casters_factory
        self.schema = schema
        self._kind = effective_type(schema)
        self._caster = casters.create(spec, path)
        items = schema.get("items") if isinstance(schema, Mapping) else None
        self._item_kind = effective_type(items)
        self._item_caster = casters.create(spec, path / "items") if isinstance(items, Mapping) else None

    def cast(self, raw: Any) -> Any:
        return _read(raw, self._kind, self._caster)

    def cast_item(self, raw: Any) -> Any:
        return _read(raw, self._item_kind, self._item_caster)


def _read(raw: Any, kind: str | None, caster: Any) -> Any:
    """A form part as `kind` says: JSON for objects, text otherwise, then openapi-core's cast."""
    text = _text(raw)
    if kind == "object":
        return jsonio.loads(text.encode())
    if kind in ("integer", "number", "boolean") and caster is not None:
        value = caster.cast(text)
        if isinstance(value, str):
            raise ValueError(text)
        return value
    return text


def _text(raw: Any) -> str:
    return raw.decode("utf-8", "replace") if isinstance(raw, (bytes, bytearray)) else str(raw)


def _form_fields(body: bytes, content_type: str) -> Any:
    """A multidict of the form's fields (file parts as bytes), read by werkzeug."""
    import io
    from urllib.parse import parse_qsl

    from werkzeug.datastructures import MultiDict
    from werkzeug.formparser import MultiPartParser

    if media.essence(content_type) == "application/x-www-form-urlencoded":
        return MultiDict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    boundary = media.parameters(content_type).get("boundary", "").encode("latin-1")
    if not boundary:
        raise ValueError("multipart body without a boundary")
    try:
        form, files = MultiPartParser().parse(io.BytesIO(body), boundary, len(body))
    except ValueError:
        if body.replace(b"--" + boundary, b"").strip(b"-\r\n \t"):
            raise
        return MultiDict()  # delimiters and nothing else: a form with no fields
    fields: MultiDict[str, Any] = MultiDict(form)
    for name, upload in files.items(multi=True):
        try:
            fields.add(name, upload.read())
        finally:  # werkzeug spools each file part to a temporary file: closed here, not left to the collector
            upload.close()
    return fields


class BodyCheck:
    """One operation's request body: whether it is required, and each declared media type."""

    def __init__(self, openapi: str, spec: SchemaPath, operation: SchemaPath, body: Mapping[str, Any]) -> None:
        self.required = bool(body.get("required", False))
        content = body.get("content")
        content = content if isinstance(content, Mapping) else {}
        self.media_types = tuple(content)
        self._checks = {
            declared: _MediaCheck(openapi, spec, operation / "requestBody" / "content" / declared, declared, definition)
            for declared, definition in content.items()
        }

    def checks(self) -> dict[str, SchemaCheck]:
        return {
            declared: media_check.check
            for declared, media_check in self._checks.items()
            if media_check.check is not None
        }

    def read(self, request: Request) -> tuple[list[ErrorItem], Any]:
        """Every problem with the body, and its parsed value (None when absent or unreadable)."""
        if not request.body:
            return ([ErrorItem(_BODY, "Field required", "missing")] if self.required else []), None
        if not self._checks:
            return [], None
        declared = media.match(request.headers.get("content-type", ""), self.media_types)
        if declared is None:
            expected = ", ".join(self.media_types)
            shown = request.content_type or "none"
            return [
                ErrorItem(_BODY, f"Unsupported Content-Type '{shown}': expected {expected}", "model_attributes_type")
            ], None
        return self._checks[declared].read(request)


def _depth(value: Any) -> int:
    """How deeply `value` nests (iteratively: the input is untrusted)."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        node, level = stack.pop()
        children: Iterable[Any]
        if isinstance(node, dict):
            children = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        deepest = max(deepest, level)
        if deepest > MAX_DEPTH:
            return deepest
        stack.extend((child, level + 1) for child in children)
    return deepest
