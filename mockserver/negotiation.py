"""Decide which declared response answers a request: Prism's negotiator, reduced to what we need.

Only the choice lives here (status, schema, media type, example); turning a choice into bytes is
the generator's and the error renderer's job.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from .generate import Schema
from .specs import Operation

_JSON_MARKERS = ("json",)
JSON_TYPE = "application/json"


@dataclass(frozen=True)
class Choice:
    """A declared response picked for this request."""

    status: int
    declared: bool
    schema: Schema | None
    media_type: str | None
    response: Mapping[str, Any]

    @property
    def examples(self) -> Mapping[str, Any]:
        """Named examples of the chosen media type (`examples:` map), values unwrapped."""
        media = (self.response.get("content") or {}).get(self.media_type or "") or {}
        named = media.get("examples") or {}
        return {name: ex.get("value") for name, ex in named.items() if isinstance(ex, Mapping)}

    @property
    def example(self) -> Any:
        """The single example of the media type or its schema, or `None` if there is none."""
        media = (self.response.get("content") or {}).get(self.media_type or "") or {}
        if "example" in media:
            return media["example"]
        if self.examples:
            return next(iter(self.examples.values()))
        if self.schema is not None and "example" in self.schema:
            return self.schema["example"]
        return None


def declared_response(op: Operation, status: int) -> Mapping[str, Any] | None:
    """The response object that covers `status`: exact code, then `4XX`-style range, else None."""
    responses = op.responses
    return responses.get(str(status)) or responses.get(f"{str(status)[0]}XX")


def choose(op: Operation, status: int) -> Choice:
    """The response for `status`, falling back to `default` (still declared) or nothing."""
    response = declared_response(op, status)
    declared = response is not None
    if response is None and "default" in op.responses:
        response, declared = op.responses["default"], True
    response = response or {}
    media_type, schema = _json_content(response)
    return Choice(status, declared, schema, media_type, response)


def success(op: Operation) -> Choice:
    """The documented success: the lowest declared 2xx code (200, or 201 for a create)."""
    codes = sorted(int(code) for code in op.responses if code.isdigit() and code.startswith("2"))
    if codes:
        return choose(op, codes[0])
    if "2XX" in op.responses:
        return choose(op, 200)
    return choose(op, 200 if "default" in op.responses else 204)


def _json_content(response: Mapping[str, Any]) -> tuple[str | None, Schema | None]:
    content: Mapping[str, Any] = response.get("content") or {}
    if not content:
        return None, None
    media_type = next((m for m in content if any(k in m for k in _JSON_MARKERS)), None)
    media_type = media_type or next(iter(content))
    schema = (content.get(media_type) or {}).get("schema")
    return media_type, schema if schema is not None else {}
