"""Decide which declared response answers a request: Prism's negotiator, reduced to what we need.

Only the choice lives here (status, schema, media type, example); turning a choice into bytes is
the generator's and the error renderer's job. The media type follows the request's `Accept`
among those the response declares (JSON first when the client does not care); a success nobody
can accept is a 406. Statuses that carry no body (204, 304, 1xx) never get a media type, whatever
the document declares for them. Clients steer the choice per request with Prism's `Prefer`
header: `code=404`, `example=NAME`, `dynamic=false`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .. import media
from ..spec import Operation
from .generator import Schema

_NO_BODY = (204, 205, 304)
_CODE = re.compile(r"[1-5][0-9][0-9]")
_DELAY = re.compile(r"[0-9]{1,6}")


@dataclass(frozen=True)
class Choice:
    """A declared response picked for this request.

    `media_type` is the key of the response's `content` the body follows (None: no body);
    `content_type` is what is sent in `Content-Type`: the same, unless the document declares a
    wildcard (`*/*`, `application/*`), which cannot be sent and is made concrete.
    """

    status: int
    key: str
    declared: bool
    schema: Schema | None
    media_type: str | None
    response: Mapping[str, Any]
    acceptable: bool = True

    @property
    def content_type(self) -> str | None:
        if self.media_type is None:
            return None
        return concrete(self.media_type)

    @property
    def headers(self) -> Mapping[str, Any]:
        declared = self.response.get("headers")
        return declared if isinstance(declared, Mapping) else {}

    @property
    def examples(self) -> Mapping[str, Any]:
        """Named examples of the chosen media type (`examples:` map), values unwrapped."""
        named = self._media().get("examples")
        if not isinstance(named, Mapping):
            return {}
        return {name: ex.get("value") for name, ex in named.items() if isinstance(ex, Mapping) and "value" in ex}

    @property
    def example(self) -> Any:
        """The single example of the media type or its schema, or `None` if there is none."""
        definition = self._media()
        if "example" in definition:
            return definition["example"]
        if self.examples:
            return next(iter(self.examples.values()))
        if isinstance(self.schema, Mapping):
            if "example" in self.schema:
                return self.schema["example"]
            listed = self.schema.get("examples")
            if isinstance(listed, list) and listed:
                return listed[0]
        return None

    def _media(self) -> Mapping[str, Any]:
        content = self.response.get("content")
        found = content.get(self.media_type or "") if isinstance(content, Mapping) else None
        return found if isinstance(found, Mapping) else {}


def concrete(media_type: str) -> str:
    """A media type that can be sent for a declared one (`*/*` → JSON, `text/*` → text/plain)."""
    kind = media.essence(media_type)
    if "*" not in kind:
        return media_type
    if kind in ("*/*", "application/*") or kind.endswith("*+json"):
        return "application/json"
    return {"text/*": "text/plain", "image/*": "image/png"}.get(kind, "application/octet-stream")


def declared_key(op: Operation, status: int) -> str | None:
    """The `responses` key that covers `status`: exact code, `4XX`-style range, then `default`."""
    for key in (str(status), f"{str(status)[0]}XX", "default"):
        if key in op.responses:
            return key
    return None


def choose(op: Operation, status: int, accept: str | None = None) -> Choice:
    """The declared response for `status` in the media type `accept` prefers, or an
    undeclared, body-less choice. An error is always answered, in its first declared media type
    when `accept` rules them all out; the caller decides whether a success is then a 406."""
    key = declared_key(op, status)
    response = op.responses.get(key) if key else None
    response = response if isinstance(response, Mapping) else {}
    content = response.get("content")
    content = content if isinstance(content, Mapping) else {}
    if status in _NO_BODY or status < 200 or not content:
        return Choice(status, key or "", key is not None, None, None, response)
    available = list(content)
    media_type = media.accepted(accept, available)
    acceptable = media_type is not None
    if media_type is None:
        media_type = media.accepted(None, available)
    definition = content.get(media_type)
    schema = definition.get("schema") if isinstance(definition, Mapping) else None
    return Choice(
        status, key or "", key is not None, schema if schema is not None else {}, media_type, response, acceptable
    )


def error_status(op: Operation) -> int:
    """Status of a request validation failure: 422 if declared, else 400 (served with the `400`
    response if declared, else with `default`, else with the API's error style)."""
    for status in (422, 400):
        if str(status) in op.responses:
            return status
    return 400


MAX_DELAY_MS = 60_000


@dataclass(frozen=True)
class Preferences:
    """What a client asked for in `Prefer`; `None` means no preference."""

    code: int | None = None
    example: str | None = None
    dynamic: bool | None = None
    delay_ms: int | None = None


class PreferenceError(ValueError):
    """A `Prefer` header the mock cannot honour; answered 400 with `X-Mock-Error`."""


def preferences(header: str | None) -> Preferences:
    """Parse `Prefer: code=404, example=NAME, dynamic=false, delay=250`; other preferences
    (`return=minimal`, `respond-async`, anything unknown) are ignored."""
    if not header:
        return Preferences()
    values: dict[str, str] = {}
    for part in header.replace(";", ",").split(","):
        name, sep, value = part.strip().partition("=")
        if sep:
            values[name.strip().lower()] = value.strip().strip('"')
    code = values.get("code")
    if code is not None and not _CODE.fullmatch(code):
        raise PreferenceError(f"Prefer: code={code} is not an HTTP status code")
    dynamic = values.get("dynamic")
    if dynamic is not None and dynamic.lower() not in ("true", "false"):
        raise PreferenceError(f"Prefer: dynamic={dynamic} must be true or false")
    delay = values.get("delay")
    if delay is not None and not (_DELAY.fullmatch(delay) and int(delay) <= MAX_DELAY_MS):
        raise PreferenceError(f"Prefer: delay={delay} must be a whole number of milliseconds up to {MAX_DELAY_MS}")
    return Preferences(
        delay_ms=int(delay) if delay is not None else None,
        code=int(code) if code is not None else None,
        example=values.get("example"),
        dynamic=None if dynamic is None else dynamic.lower() == "true",
    )


def preferred(op: Operation, prefer: Preferences, accept: str | None = None) -> Choice:
    """The response a `Prefer: code=` asks for; raises if the operation does not declare it."""
    assert prefer.code is not None
    choice = choose(op, prefer.code, accept)
    if not choice.declared:
        declared = ", ".join(op.responses) or "none"
        raise PreferenceError(
            f"Prefer: code={prefer.code} is not declared for {op.method} {op.path} (declared: {declared})"
        )
    return choice


def success(op: Operation, accept: str | None = None) -> Choice:
    """The documented success: the lowest declared 2xx code (200, or 201 for a create)."""
    codes = sorted(int(code) for code in op.responses if code.isdigit() and code.startswith("2"))
    if codes:
        return choose(op, codes[0], accept)
    if "2XX" in op.responses:
        return choose(op, 200, accept)
    return choose(op, 200 if "default" in op.responses else 204, accept)


def fault(op: Operation) -> Choice:
    """The response an injected fault answers: the first declared 5xx, else an undeclared 500."""
    codes = sorted(int(c) for c in op.responses if c.isdigit() and c.startswith("5"))
    return choose(op, codes[0] if codes else 500)
