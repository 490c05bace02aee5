"""The ASGI application: the whole request path, top to bottom, inside one error boundary.

    CORS preflight → admin and index → docs → route → read body (`--max-body`)
    → the API's pipeline (`pipeline.MockedApi`) → record (journal, access log) → send

Anything unexpected raised on the way becomes a 500 in the API's error style with
`X-Mock-Error`, still journaled, still carrying CORS headers (so a browser shows the error, not
a CORS failure), and its traceback is logged once.
"""

from __future__ import annotations

import asyncio
import gc
import ipaddress
import sqlite3
import sys
import time
import traceback
from email.utils import formatdate

from starlette.types import Message, Receive, Scope, Send

from ..config import FIXTURES, Settings, sqlite_file
from ..journal.memory import Journal
from ..problems import Problem, phrase
from ..spec import Api
from ..spec.model import own_prefix
from ..state.memory import MemoryStore
from ..state.store import Store
from ..validator.security import AuthPolicy, fixture_tokens, load_tokens
from ..vendor.forward import Proxy, Upstreams
from . import admin
from .cors import Cors, origin_of
from .docs import Docs, is_docs_path, is_document_path
from .http import BodyTooLarge, Request, Response, read_body, request_head, send_response
from .pipeline import MOCK_ERROR_HEADER, MockedApi, Pipeline, plain_error
from .reload import Watcher
from .routing import Router


class MockServer:
    """Serves every loaded API from one process."""

    def __init__(
        self,
        apis: list[Api],
        settings: Settings,
        journal: Journal | None = None,
        store: Store | None = None,
        freeze: bool = True,
        answer_first: bool = False,
    ) -> None:
        """`journal` and `store` default to in-process ones (no store with `--stateless`);
        `--workers` and `--state` pass shared ones (the first process seeds them). `freeze`
        moves what start-up built out of the collector's reach: right for a server process,
        wrong inside someone else's (the pytest plugin).

        `answer_first` sends each answer before journaling it and writing its log line, in the
        same event-loop step, so the client's next request overlaps that work instead of
        waiting for it. Right for a lone server process: its own `/__admin` reads the journal
        on this loop, after that step. Wrong where something reads the journal from another
        thread (the pytest plugin) or `--record`'s files from outside: there the answer waits
        for its record. `--workers` keep that order too: with two workers and the client on
        two cores, answering first measured 8% slower (the work after each answer competes
        with the client for a core)."""
        self.freeze = freeze
        self.answer_first = answer_first and settings.record is None
        self.apis = apis
        self.settings = settings
        policy = AuthPolicy(settings.auth, load_tokens(FIXTURES, settings.tokens))
        if settings.state is not None and journal is None and store is None:
            journal, store = _named_backends(apis, settings)
        self.journal = journal or Journal(settings.journal_size, credential_names(apis))
        if store is None and not settings.stateless:
            store = MemoryStore(settings.max_records)
        self.pipeline = Pipeline(apis, settings, policy, self.journal, store)
        self.pipeline.seed()
        self.router = Router(apis)
        self.docs = Docs(apis, self._not_found)
        self.cors = Cors(settings.cors_origin)
        self.admin = admin.Admin(apis, self.journal, self.pipeline, admin_guard(settings), fixture_tokens(FIXTURES))
        self.proxy = Proxy(Upstreams(settings.upstreams, settings.upstream_timeout)) if settings.upstreams else None
        self.port_apis: dict[int, Api] = {}
        if settings.port_per_api is not None:
            self.port_apis = {settings.port_per_api + i: api for i, api in enumerate(apis)}

    def reset(self) -> None:
        """Empty the journal and records and restart seeded streams (`POST /__admin/reset`)."""
        self.admin.reset()

    def reload(self, apis: list[Api]) -> None:
        """Serve `apis` instead (`--watch`), switched between two requests: the journal, the
        stored records and the runtime of every API whose `Api` object is unchanged stay; a
        request already under way finishes with the version it started with. An API's own
        port (`--port-per-api`) stays with its name; an added API has none."""
        self.pipeline.replace(apis)
        self.router = Router(apis)
        self.docs = Docs(apis, self._not_found)
        self.admin.apis = apis
        self.apis = apis
        self.journal.mask_also(credential_names(apis))
        ports = {api.name: port for port, api in self.port_apis.items()}
        self.port_apis = {ports[api.name]: api for api in apis if api.name in ports}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        own = self.port_apis.get((scope.get("server") or ("", 0))[1]) if self.port_apis else None
        path: str = scope["path"]
        on_admin = path == admin.ADMIN_PREFIX or path.startswith(admin.ADMIN_PREFIX + "/")
        origin = origin_of(scope)
        if origin is not None and on_admin:
            origin = None  # the admin API grants no origin anything: a preflight gets no CORS headers
        if self.proxy is not None:
            if not self._proxied(path, own):
                send = _dated(send)
            elif origin is not None:
                origin = None  # the vendor answers its own preflights and grants its own origins
        if origin is not None:
            cors = self._cors_for(path, own)
            preflight = cors.preflight(scope, origin)
            if preflight is not None:
                if preflight.reason is not None:
                    self.pipeline.log(None, "OPTIONS", path, preflight.status, 0.0, preflight.reason)
                await send_response(send, preflight)
                return
            send = cors.wrap(send, origin)
        if on_admin and is_docs_path(path[len(admin.ADMIN_PREFIX) :]):
            await self.docs(scope, receive, send)
            return
        if path == "/" or on_admin:
            request = request_head(scope)
            await read_body(request, receive, self.settings.max_body)
            await send_response(send, self.admin.handle(request, own), request.method)
            return
        if own is not None:
            if is_document_path(path) and scope["method"] in ("GET", "HEAD"):
                await send_response(send, self.docs.document(own, path, own_port=True), scope["method"])
                return
            if is_docs_path(path):
                await self.docs.own_port(own, scope, receive, send)
                return
            scope = _under(own_prefix(own), scope)
            path = scope["path"]
        base = self.router.api_of(path)
        if base is not None and is_docs_path(path[len(base) :]):
            mocked = self.pipeline.api_for_path(path)
            if mocked is not None and is_document_path(path[len(base) :]) and scope["method"] in ("GET", "HEAD"):
                await send_response(send, self.docs.document(mocked.api, path[len(base) :]), scope["method"])
                return
            await self.docs(scope, receive, send)
            return
        await self._serve(scope, receive, send)

    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Route, read, answer and record one request to a mocked API (or to no API)."""
        started = time.perf_counter()
        request = request_head(scope)
        mocked = self.pipeline.api_for_path(request.path)
        operation = None
        try:
            match = self.router.match(request.method, request.raw_path, request.query_string)
            await read_body(request, receive, self.settings.max_body)
            if mocked is not None and self.proxy is not None and self.proxy.serves(mocked.api):
                if match is not None and match.operation is not None:
                    operation = match.operation
                    request.path_params = match.path_params
                response = await self.proxy.exchange(mocked, operation, request)
            elif mocked is None:
                response = plain_error(404, "Not Found")
            elif match is None:
                response = mocked.error(None, 404, Problem("not_found", "Not Found"))
            elif match.operation is None:
                allow = [("Allow", ", ".join(match.allowed))]
                response = mocked.error(None, 405, Problem("method_not_allowed", "Method Not Allowed"), allow)
            else:
                operation = match.operation
                request.path_params = match.path_params
                response = mocked.handle(request, match.operation)
        except BodyTooLarge as exc:
            response = self._too_large(mocked, exc)
        except Exception:  # the error boundary: our bug, never the client's
            response = self._crash(mocked, request)
        took_ms = (time.perf_counter() - started) * 1000
        if not self.answer_first:
            self.pipeline.record(mocked, operation, request, response, took_ms)
        try:
            if response.delay_ms:
                await asyncio.sleep(response.delay_ms / 1000)
            await send_response(send, response, request.method)
        finally:
            if self.answer_first:  # recorded even when the client left during the delay
                self.pipeline.record(mocked, operation, request, response, took_ms)

    def _cors_for(self, path: str, own: Api | None) -> Cors:
        """`--cors-origin`, unless the API follows a vendor's observed CORS policy."""
        if not self.pipeline.observed_cors:
            return self.cors
        name = own.name if own is not None else None
        if name is None:
            mocked = self.pipeline.api_for_path(path)
            name = mocked.api.name if mocked is not None else None
        return self.pipeline.observed_cors.get(name or "", self.cors)

    def _proxied(self, path: str, own: Api | None) -> bool:
        """Whether `path` (on the main port, or on `own`'s port) leads to a real vendor."""
        if own is not None:
            return self.proxy is not None and self.proxy.serves(own)
        mocked = self.pipeline.api_for_path(path)
        return mocked is not None and self.proxy is not None and self.proxy.serves(mocked.api)

    def _too_large(self, mocked: MockedApi | None, exc: BodyTooLarge) -> Response:
        if mocked is None:
            return plain_error(413, str(exc))
        return mocked.error(None, 413, Problem("too_large", str(exc)))

    def _crash(self, mocked: MockedApi | None, request: Request) -> Response:
        """A 500 for an exception the pipeline did not expect, with its traceback logged."""
        sys.stderr.write(f"MOCKSERVER BUG: {request.method} {request.path} raised:\n{traceback.format_exc()}")
        headers = [(MOCK_ERROR_HEADER, "unexpected error in mockserver; see its log")]
        if mocked is None:
            return plain_error(500, phrase(500), headers)
        try:
            return mocked.error(None, 500, Problem("server", phrase(500)), headers)
        except Exception:  # even the error style failed: say so plainly
            return plain_error(500, phrase(500), headers)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        """Start-up: freeze what was built; with `--watch`, watch the documents until shutdown."""
        watcher: Watcher | None = None
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                # Everything built so far (modules, documents, compiled validators) lives as
                # long as the process. Moving it out of the collector's reach keeps full
                # collections from re-scanning it under load: the p99 of a mixed valid/invalid
                # load fell from about 50 ms to about 13 ms (bench/compare's workload).
                if self.freeze:
                    gc.collect()
                    gc.freeze()
                if self.settings.watch:
                    watcher = Watcher(self, self.settings.specs, self.settings.strict)
                    watcher.start()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if watcher is not None:
                    await watcher.stop()
                if self.proxy is not None:
                    await self.proxy.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _not_found(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Docs middleware fallback: a docs-looking path it does not serve."""
        await self._serve(scope, receive, send)


def _dated(send: Send) -> Send:
    """`send` adding the `Date` uvicorn leaves out behind `--upstream` (RFC 9110 §6.6.1: an
    origin server with a clock sends one)."""

    async def dated(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), (b"date", formatdate(usegmt=True).encode())]}
        await send(message)

    return dated


def _under(prefix: str, scope: Scope) -> Scope:
    """A request to an API's own port (`--port-per-api`) as the main port sees it: the paths
    there are the API's server paths only, so `/api/v1/memory-blobs` there is
    `/memoram/api/v1/memory-blobs` here."""
    raw = scope.get("raw_path") or scope["path"].encode()
    return {**scope, "path": prefix + scope["path"], "raw_path": prefix.encode() + raw}


def _named_backends(apis: list[Api], settings: Settings) -> tuple[Journal | None, Store | None]:
    """The journal and store `--state` names: a SQLite file for the store (the journal stays in
    this process), or Redis for both, shared by every process started with the same URL."""
    from ..journal.redis import RedisJournal
    from ..state.redis import RedisStore, connect
    from ..state.sqlite import SqliteStore

    database = sqlite_file(settings.state)
    if database is not None:
        try:
            return None, None if settings.stateless else SqliteStore(database, settings.max_records)
        except sqlite3.Error as exc:
            raise RuntimeError(f"cannot use {database} for --state: {exc}") from None
    client = connect(settings.state or "")
    store = None if settings.stateless else RedisStore(client, settings.max_records)
    return RedisJournal(client, settings.journal_size, credential_names(apis)), store


def admin_guard(settings: Settings) -> admin.Guard:
    """Admin is open on loopback; elsewhere it needs `--admin-token`, or is closed (403)."""
    return admin.Guard(open=is_loopback(settings.host), token=settings.admin_token)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def credential_names(apis: list[Api]) -> set[str]:
    """Header, query and cookie names that carry credentials in any API (masked in the journal)."""
    return {
        str(scheme.get("name"))
        for api in apis
        for scheme in api.security_schemes.values()
        if scheme.get("type") == "apiKey" and scheme.get("name")
    }
