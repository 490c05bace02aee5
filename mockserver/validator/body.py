"""Request bodies, by the media type the request declares and the document matches.

JSON (any `+json` type) is parsed with orjson; `application/x-www-form-urlencoded` and
`multipart/form-data` are decoded by openapi-core's media type deserialisers (properties cast
per their schema and `encoding`), text by its charset; each then goes through the schema check.
XML is checked for well-formedness only (openapi-core has no XML schema mapping), and other types
(files, images) are taken as they are. A JSON body nested deeper than `MAX_DEPTH` is refused:
no client needs it, and it could not be echoed back.
"""

from __future__ import annotations

from typing import Any, Mapping

import orjson
from jsonschema_path import SchemaPath
from openapi_core.casting.schemas import oas30_write_schema_casters_factory, oas31_schema_casters_factory
from openapi_core.deserializing.media_types import MediaTypeDeserializersFactory

from .. import media
from ..problems import ErrorItem
from ..server.http import Request
from .schema import SchemaCheck, factories

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
        self._encoding = path / "encoding" if isinstance(definition, Mapping) and "encoding" in definition else None

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
            value = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            return [ErrorItem((*_BODY, getattr(exc, "pos", 0) or 0), "JSON decode error", "json_invalid")], None
        if (body.count(b"[") + body.count(b"{")) > MAX_DEPTH and _depth(value) > MAX_DEPTH:
            return [ErrorItem(_BODY, f"JSON is nested more than {MAX_DEPTH} levels deep", "json_invalid")], None
        return self._checked(value)

    def _form(self, body: bytes, content_type: str) -> tuple[list[ErrorItem], Any]:
        casters = oas30_write_schema_casters_factory if self._openapi.startswith("3.0") else oas31_schema_casters_factory
        factory = MediaTypeDeserializersFactory.from_schema_casters_factory(casters)
        schema_validator = None
        if self._form_schema is not None:
            request_factory, _ = factories(self._openapi)
            schema_validator = request_factory.create(self._spec, self._form_schema)
        deserializer = factory.create(
            self._spec,
            media.essence(content_type),
            schema=self._form_schema,
            schema_validator=schema_validator,
            parameters=media.parameters(content_type),
            encoding=self._encoding,
        )
        try:
            value = deserializer.deserialize(body)
        except Exception:  # openapi-core's parsers raise whatever the stdlib raises for bad input
            return [ErrorItem(_BODY, f"Invalid {media.essence(content_type)} body", "value_error")], None
        if not isinstance(value, Mapping):
            return [ErrorItem(_BODY, f"Invalid {media.essence(content_type)} body", "value_error")], None
        return self._checked(dict(value))

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
        return {declared: media_check.check for declared, media_check in self._checks.items() if media_check.check is not None}

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
            return [ErrorItem(_BODY, f"Unsupported Content-Type '{shown}': expected {expected}", "model_attributes_type")], None
        return self._checks[declared].read(request)


def _depth(value: Any) -> int:
    """How deeply `value` nests (iteratively: the input is untrusted)."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        node, level = stack.pop()
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
