"""The two plain values the pipeline passes around: a fully read request and a response to send.

The pipeline works on these instead of a framework's request object so that every stage is a
small synchronous function that is easy to test, and so the hot path pays for nothing it does
not use.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import Receive, Scope, Send

JSON = "application/json"


@dataclass
class Request:
    """An HTTP request read in full: header names are lower-case, the body is raw bytes."""

    method: str
    path: str
    query_string: str
    headers: dict[str, str]
    body: bytes
    path_params: dict[str, str] = field(default_factory=dict)

    @property
    def query(self) -> list[tuple[str, str]]:
        """Query pairs in order, blank values kept (`?db_id=` is a present, empty parameter)."""
        return parse_qsl(self.query_string, keep_blank_values=True)

    @property
    def cookies(self) -> dict[str, str]:
        jar: dict[str, str] = {}
        for part in self.headers.get("cookie", "").split(";"):
            name, sep, value = part.strip().partition("=")
            if sep:
                jar[name] = value
        return jar

    @property
    def content_type(self) -> str:
        """The media type without parameters, lower-case ("" when absent)."""
        return self.headers.get("content-type", "").split(";")[0].strip().lower()


@dataclass
class Response:
    """What the pipeline answers: status, extra headers, an already serialised body, and how
    long to wait before sending it (simulated latency)."""

    status: int
    body: bytes = b""
    media_type: str | None = JSON
    headers: list[tuple[str, str]] = field(default_factory=list)
    parsed: Any = None
    delay_ms: float = 0.0


async def read_request(scope: Scope, receive: Receive) -> Request:
    """Drain the ASGI body and decode the scope into a `Request`."""
    chunks: list[bytes] = []
    more = True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    headers: dict[str, str] = {}
    for raw_name, raw_value in scope["headers"]:
        name = raw_name.decode("latin-1").lower()
        value = raw_value.decode("latin-1")
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return Request(
        method=scope["method"],
        path=scope["path"],
        query_string=scope.get("query_string", b"").decode("latin-1"),
        headers=headers,
        body=b"".join(chunks),
        path_params={k: str(v) for k, v in (scope.get("path_params") or {}).items()},
    )


async def send_response(send: Send, response: Response) -> None:
    """Write `response` to the ASGI connection with a correct Content-Length."""
    headers = [(b"content-length", str(len(response.body)).encode())]
    if response.media_type and (response.body or response.status not in (204, 304)):
        headers.append((b"content-type", response.media_type.encode()))
    headers += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in response.headers]
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": response.body})
