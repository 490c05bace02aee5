"""A generated value as the bytes of its media type: JSON, text, XML, form data or binary.

JSON is what almost every response is. A `text/plain` body is the string itself (not a JSON
string with quotes), `text/event-stream` one `data:` event carrying the value as JSON, XML
follows the schema's `xml` objects (element and attribute names, wrapped arrays), and a binary
type gets bytes that look like one (a 1×1 PNG for images).
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode
from xml.etree import ElementTree

from .. import jsonio, media

_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def encode(value: Any, content_type: str, schema: Any, resolve: Any = None) -> bytes:
    """`value` serialised for `content_type`; `resolve` flattens `$ref`/`allOf` in XML hints."""
    if media.is_json(content_type):
        return dump(value)
    if media.is_xml(content_type):
        return to_xml(value, schema, resolve or (lambda s: s))
    if media.essence(content_type) == "text/event-stream":
        return b"data: " + dump(value) + b"\n\n"  # one event whose data is the schema's value
    if media.is_text(content_type):
        return _text(value).encode()
    if media.essence(content_type) == "application/x-www-form-urlencoded" and isinstance(value, Mapping):
        return urlencode({k: _text(v) for k, v in value.items()}).encode()
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    kind = media.essence(content_type)
    if kind.startswith("image/"):
        return _PNG
    if kind == "application/pdf":
        return _PDF
    return _text(value).encode()


def dump(value: Any) -> bytes:
    """JSON the way a typical API writes it (UTF-8, no spaces); never NaN."""
    return jsonio.dumps(value)


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, (int, float)):
        return repr(value) if isinstance(value, float) else str(value)
    return dump(value).decode()


def to_xml(value: Any, schema: Any, resolve: Any) -> bytes:
    """XML for `value` following the OpenAPI `xml` object of `schema` and its parts."""
    schema = resolve(schema) if isinstance(schema, Mapping) else {}
    name = _xml(schema).get("name") or ("items" if isinstance(value, list) else "response")
    root = _element(str(name), value, schema, resolve)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(root, encoding="unicode").encode()


def _element(name: str, value: Any, schema: Mapping[str, Any], resolve: Any) -> ElementTree.Element:
    hints = _xml(schema)
    tag = f"{hints['prefix']}:{name}" if hints.get("prefix") else name
    element = ElementTree.Element(tag)
    if hints.get("namespace"):
        element.set(f"xmlns:{hints['prefix']}" if hints.get("prefix") else "xmlns", str(hints["namespace"]))
    if isinstance(value, dict):
        declared = schema.get("properties")
        properties: Mapping[str, Any] = declared if isinstance(declared, Mapping) else {}
        for prop, item in value.items():
            prop_schema = resolve(properties.get(prop) or {})
            prop_hints = _xml(prop_schema)
            prop_name = str(prop_hints.get("name") or prop)
            if prop_hints.get("attribute") and not isinstance(item, (dict, list)):
                element.set(prop_name, _text(item))
            elif isinstance(item, list):
                _append_list(element, prop_name, item, prop_schema, resolve)
            else:
                element.append(_element(prop_name, item, prop_schema, resolve))
    elif isinstance(value, list):
        _append_list(element, None, value, schema, resolve)
    else:
        element.text = _text(value)
    return element


def _append_list(
    parent: ElementTree.Element, name: str | None, items: list[Any], schema: Mapping[str, Any], resolve: Any
) -> None:
    """Array items as repeated elements, inside a wrapper element when `xml.wrapped`."""
    item_schema = resolve(schema.get("items") or {}) if isinstance(schema.get("items"), Mapping) else {}
    item_name = str(_xml(item_schema).get("name") or name or "item")
    target = parent
    if name is not None and _xml(schema).get("wrapped"):
        target = ElementTree.SubElement(parent, name)
    for item in items:
        target.append(_element(item_name, item, item_schema, resolve))


def _xml(schema: Any) -> Mapping[str, Any]:
    hints = schema.get("xml") if isinstance(schema, Mapping) else None
    return hints if isinstance(hints, Mapping) else {}
