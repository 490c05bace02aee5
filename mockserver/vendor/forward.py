"""The validating proxy (`--upstream NAME=URL`): an API's requests go to the real vendor, and
its answers come back untouched, judged against the document on the way.

Untouched means the status, headers and body bytes as the vendor sent them (content coding
included), less only the hop-by-hop headers HTTP forbids a proxy to pass on. What the mock adds
is one header, `X-Mock-Violations`, present only when the exchange departs from the document,
and the journal entry carrying every violation. A vendor that cannot be reached or does not
answer in time gets a 502 or 504 in the API's own error style, never a hang.

The client is aiohttp's (the `proxy` extra, imported only when `--upstream` is used): httpx's
asynchronous pool, measured here, cost about 1 ms a request at one connection and 2.9 ms at
32, aiohttp's 0.4 and 0.12 — the difference between a proxy a client notices and one it does
not.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from ..problems import Problem
from ..server.http import Request, Response
from ..spec import Api, Operation
from ..spec.model import own_prefix
from .audit import Answer, Auditor, Violation, decoded

if TYPE_CHECKING:
    import aiohttp

    from ..server.pipeline import MockedApi

VIOLATIONS_HEADER = "X-Mock-Violations"
_HEADER_ROOM = 2000  # a header line longer than this is cut (the journal keeps them all)
# RFC 9110 §7.6.1: meaningful for one connection only; `host` is the upstream's own.
_HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
    }
)
# Headers aiohttp would add on its own: the vendor gets the client's, or none.
_NOT_OURS = frozenset({"User-Agent", "Accept", "Accept-Encoding", "Content-Type"})
_URL = re.compile(r"https?://[^/\s?#]+(/[^\s?#]*)?")


class UpstreamError(ValueError):
    """A `--upstream` value that cannot be used."""


def missing_client() -> str | None:
    """Why `--upstream` cannot work in this installation (None when it can)."""
    try:
        import aiohttp  # noqa: F401
    except ImportError:
        return "--upstream needs aiohttp: pip install 'mockserver[proxy]'"
    return None


def parse_upstream(text: str) -> tuple[str, str]:
    """`NAME=URL` → (name, URL without a trailing slash); the URL must be http(s) and carry no
    query (the path is the vendor's server URL, as a document's `servers` would give it)."""
    name, sep, url = text.partition("=")
    if not sep or not name.strip():
        raise UpstreamError(f"expected NAME=URL such as agno=http://127.0.0.1:7777, not {text!r}")
    url = url.strip()
    if not _URL.fullmatch(url):
        raise UpstreamError(f"{name.strip()}: expected an http:// or https:// URL without a query, not {url!r}")
    return name.strip(), url.rstrip("/")


def target(api: Api, url: str, raw_path: str) -> str:
    """Where a request to `raw_path` (as the mock serves it) goes: `url` stands for the
    document's server URL, so the path after the API's base path is appended to it. A `url`
    with no path of its own gets the document's server path (`/api/v1`) first."""
    rest = raw_path[len(api.base_path) :] if raw_path.startswith(api.base_path) else raw_path[len(own_prefix(api)) :]
    server_path = api.base_path[len(own_prefix(api)) :]
    if not urlsplit(url).path.strip("/") and server_path:
        url += server_path
    return url + rest


@dataclass(frozen=True)
class Upstreams:
    """The API names with a real vendor behind them, and how long to wait for one."""

    urls: Mapping[str, str]
    timeout: float = 30.0


class Proxy:
    """Forwards, judges and hands back; one connection pool for every upstream."""

    def __init__(self, upstreams: Upstreams) -> None:
        self.urls = dict(upstreams.urls)
        self.timeout = upstreams.timeout
        self._session: aiohttp.ClientSession | None = None
        self._auditors: dict[int, Auditor] = {}

    def serves(self, api: Api) -> bool:
        return api.name in self.urls

    async def exchange(self, mocked: MockedApi, op: Operation | None, request: Request) -> Response:
        """The vendor's answer to `request`, with the violations of both sides attached."""
        import aiohttp
        from multidict import CIMultiDict
        from yarl import URL

        auditor = self._auditor(mocked)
        url = target(mocked.api, self.urls[mocked.api.name], request.raw_path or request.path)
        if request.query_string:
            url += "?" + request.query_string
        headers = CIMultiDict((name, value) for name, value in request.headers.items() if name not in _HOP_BY_HOP)
        try:
            async with self._session_now().request(
                request.method,
                URL(url, encoded=True),  # the path and query exactly as the client wrote them
                headers=headers,
                data=request.body or None,
                allow_redirects=False,
                skip_auto_headers=_NOT_OURS,
            ) as answer:
                raw = await answer.read()
                status, raw_headers = answer.status, answer.raw_headers
        except TimeoutError:
            return self._failed(
                mocked,
                op,
                request,
                504,
                f"Gateway Timeout: {self.urls[mocked.api.name]} did not answer within {self.timeout:g} s",
                url,
            )
        except aiohttp.ClientError as exc:
            return self._failed(
                mocked, op, request, 502, f"Bad Gateway: {self.urls[mocked.api.name]}: {_reason(exc)}", url
            )
        kept = [
            (k.decode("latin-1"), v.decode("latin-1"))
            for k, v in raw_headers
            if k.decode("latin-1").lower() not in _HOP_BY_HOP
        ]
        lowered = {k.lower(): v for k, v in kept}
        plain = _plain(raw, lowered.get("content-encoding", ""))
        judged = None if request.method == "HEAD" else plain
        violations = auditor.exchange(op, request, Answer(status, lowered, judged))
        content_type = lowered.get("content-type")
        kept = [(k, v) for k, v in kept if k.lower() != "content-type"]
        if violations:
            kept.append((VIOLATIONS_HEADER, _header_text(violations)))
        return Response(
            status,
            raw,
            content_type,
            kept,
            problems=tuple(v.as_text() for v in violations),
            upstream=url,
            plain=plain,
        )

    def _failed(
        self, mocked: MockedApi, op: Operation | None, request: Request, status: int, message: str, url: str
    ) -> Response:
        """The mock speaking for an unreachable vendor, in the API's error style."""
        kind = "gateway_timeout" if status == 504 else "bad_gateway"
        response = mocked.error(op, status, Problem(kind, message), [("X-Mock-Error", message)], request)
        response.upstream = url
        return response

    def _auditor(self, mocked: MockedApi) -> Auditor:
        """One auditor per API runtime, sharing its compiled validators (a reloaded API gets a
        new runtime, hence a new auditor)."""
        auditor = self._auditors.get(id(mocked))
        if auditor is None or auditor.api is not mocked.api:
            auditor = self._auditors[id(mocked)] = Auditor(mocked.api, mocked.validators)
        return auditor

    def _session_now(self) -> aiohttp.ClientSession:
        """The connection pool, made in the event loop that serves (it cannot outlive it).
        Bodies stay as sent (no decompression); environment proxy settings are ignored: the
        URL given is where the vendor is."""
        import aiohttp

        if self._session is None:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=100),
                timeout=aiohttp.ClientTimeout(total=self.timeout, connect=min(self.timeout, 5.0)),
                auto_decompress=False,
                trust_env=False,
                cookie_jar=aiohttp.DummyCookieJar(),  # a client's cookies are its own, never the proxy's
            )
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


def _plain(raw: bytes, coding: str) -> bytes | None:
    """The body without its content coding (several codings are undone last first)."""
    body: bytes | None = raw
    for step in reversed([c for c in coding.split(",") if c.strip()]):
        try:
            body = decoded(body, step) if body is not None else None
        except zlib.error:  # not what its coding says: left unjudged
            return None
    return body


def _header_text(violations: list[Violation]) -> str:
    """Every violation on one header line, cut at `_HEADER_ROOM` characters."""
    text = "; ".join(v.as_text() for v in violations)
    text = text.encode("latin-1", "replace").decode("latin-1")
    return text if len(text) <= _HEADER_ROOM else text[: _HEADER_ROOM - 3] + "..."


def _reason(exc: Exception) -> str:
    text = str(exc).strip()
    return text or type(exc).__name__
