"""The two plain values the pipeline passes around: a fully read request and a response to send.

The pipeline works on these instead of a framework's request object so that every stage is a
small synchronous function that is easy to test, and so the hot path pays for nothing it does
not use. This module is also where HTTP framing is kept right: a body is read only up to
`--max-body`, and 1xx, 204, 304 and HEAD answers never carry one (a stray body would be read
as the start of the next response on a keep-alive connection).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote_plus

from starlette.types import Receive, Scope, Send

JSON = "application/json"
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


class BodyTooLarge(Exception):
    """The request body is longer than `--max-body`; answered 413 without reading the rest."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"Request body is larger than {limit} bytes")
        self.limit = limit


@dataclass
class Request:
    """An HTTP request read in full: header names are lower-case, the body is raw bytes.

    `raw_path` is the path as sent (still percent-encoded), which routing splits into segments
    so that an encoded `/` inside a path parameter stays inside it.
    """

    method: str
    path: str
    query_string: str
    headers: dict[str, str]
    body: bytes
    path_params: dict[str, str] = field(default_factory=dict)
    raw_path: str = ""

    @property
    def query(self) -> list[tuple[str, str]]:
        """Query pairs in order, blank values kept (`?db_id=` is a present, empty parameter)."""
        return parse_qsl(self.query_string, keep_blank_values=True)

    @property
    def raw_query(self) -> list[tuple[str, str]]:
        """Query pairs with decoded names and values still percent-encoded: a delimited array
        (`ids=a,b%2Cc`) must be split before its items are decoded."""
        pairs = []
        for part in self.query_string.split("&"):
            if part:
                name, _, value = part.partition("=")
                pairs.append((unquote_plus(name), value))
        return pairs

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
    record: str | None = None  # the id of the stored object the answer read or wrote
    problems: tuple[str, ...] = ()  # why a request was refused: the journal keeps all, the log the first
    upstream: str | None = None  # the vendor URL that answered (`--upstream`)
    plain: bytes | None = None  # a proxied body without its content coding, for the journal

    def again(self) -> Response:
        """A copy to send once more (a remembered answer): its header list is its own, since
        later stages add to it. `dataclasses.replace` does the same at several times the cost."""
        copy = object.__new__(Response)
        copy.__dict__.update(self.__dict__)
        copy.headers = list(self.headers)
        return copy

    @property
    def reason(self) -> str | None:
        """The first problem, for the access log line."""
        return self.problems[0] if self.problems else None


def request_head(scope: Scope) -> Request:
    """Everything about the request but its body."""
    headers: dict[str, str] = {}
    for raw_name, raw_value in scope["headers"]:
        name = raw_name.decode("latin-1").lower()
        value = raw_value.decode("latin-1")
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    raw_path = scope.get("raw_path")
    return Request(
        method=scope["method"],
        path=scope["path"],
        query_string=scope.get("query_string", b"").decode("latin-1"),
        headers=headers,
        body=b"",
        raw_path=raw_path.decode("latin-1").split("?", 1)[0] if raw_path else scope["path"],
    )


async def read_body(request: Request, receive: Receive, limit: int | None = None) -> None:
    """Drain the ASGI body into `request.body`, refusing more than `limit` bytes."""
    if limit is not None:
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise BodyTooLarge(limit)
    chunks: list[bytes] = []
    size = 0
    more = True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if limit is not None and size > limit:
            raise BodyTooLarge(limit)
        chunks.append(chunk)
        more = message.get("more_body", False)
    request.body = b"".join(chunks)


async def read_request(scope: Scope, receive: Receive, limit: int | None = None) -> Request:
    """The request of `scope`, body included."""
    request = request_head(scope)
    await read_body(request, receive, limit)
    return request


def has_body(method: str, status: int) -> bool:
    """Whether HTTP allows a body in this answer (RFC 9110 §6.4.1)."""
    return method != "HEAD" and status >= 200 and status not in (204, 304)


async def send_response(send: Send, response: Response, method: str = "GET") -> None:
    """Write `response` with correct framing: Content-Length where allowed, no body where HTTP
    forbids one, header values cleaned of control characters."""
    status = response.status
    headers: list[tuple[bytes, bytes]] = []
    if status >= 200 and status != 204:
        headers.append((b"content-length", str(len(response.body) if status != 304 else 0).encode()))
        if response.media_type and (response.body or method == "HEAD"):
            headers.append((b"content-type", response.media_type.encode("latin-1", "replace")))
    for name, value in response.headers:
        headers.append(
            (name.lower().encode("latin-1", "replace"), _CONTROL.sub(" ", value).encode("latin-1", "replace"))
        )
    await send({"type": "http.response.start", "status": status, "headers": headers})
    body = response.body if has_body(method, status) else b""
    await send({"type": "http.response.body", "body": body})
