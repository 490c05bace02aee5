"""Decide which declared response answers a request: Prism's negotiator, reduced to what we need.

Only the choice lives here (status, schema, media type, example); turning a choice into bytes is
the generator's and the error renderer's job. Clients steer the choice per request with Prism's
`Prefer` header: `code=404`, `example=NAME`, `dynamic=false`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from .generator import Schema
from ..spec import Operation

_JSON_MARKERS = ("json",)


@dataclass(frozen=True)
class Choice:
    """A declared response picked for this request."""

    status: int
    key: str
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


def declared_key(op: Operation, status: int) -> str | None:
    """The `responses` key that covers `status`: exact code, `4XX`-style range, then `default`."""
    for key in (str(status), f"{str(status)[0]}XX", "default"):
        if key in op.responses:
            return key
    return None


def choose(op: Operation, status: int) -> Choice:
    """The declared response for `status`, or an undeclared, body-less choice."""
    key = declared_key(op, status)
    response: Mapping[str, Any] = (op.responses.get(key) if key else None) or {}
    media_type, schema = _json_content(response)
    return Choice(status, key or "", key is not None, schema, media_type, response)


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
    (`return=minimal`…) are ignored."""
    if not header:
        return Preferences()
    values: dict[str, str] = {}
    for part in header.replace(";", ",").split(","):
        name, sep, value = part.strip().partition("=")
        if sep:
            values[name.strip().lower()] = value.strip().strip('"')
    code = values.get("code")
    if code is not None and not (code.isdigit() and 100 <= int(code) <= 599):
        raise PreferenceError(f"Prefer: code={code} is not an HTTP status code")
    dynamic = values.get("dynamic")
    if dynamic is not None and dynamic.lower() not in ("true", "false"):
        raise PreferenceError(f"Prefer: dynamic={dynamic} must be true or false")
    delay = values.get("delay")
    if delay is not None and not (delay.isdigit() and int(delay) <= MAX_DELAY_MS):
        raise PreferenceError(f"Prefer: delay={delay} must be a whole number of milliseconds up to {MAX_DELAY_MS}")
    return Preferences(
        delay_ms=int(delay) if delay is not None else None,
        code=int(code) if code is not None else None,
        example=values.get("example"),
        dynamic=None if dynamic is None else dynamic.lower() == "true",
    )


def preferred(op: Operation, prefer: Preferences) -> Choice:
    """The response a `Prefer: code=` asks for; raises if the operation does not declare it."""
    assert prefer.code is not None
    choice = choose(op, prefer.code)
    if not choice.declared:
        declared = ", ".join(op.responses) or "none"
        raise PreferenceError(
            f"Prefer: code={prefer.code} is not declared for {op.method} {op.path} (declared: {declared})"
        )
    return choice


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


def fault(op: Operation) -> Choice:
    """The response an injected fault answers: the first declared 5xx, else an undeclared 500."""
    codes = sorted(int(c) for c in op.responses if c.isdigit() and c.startswith("5"))
    return choose(op, codes[0] if codes else 500)
