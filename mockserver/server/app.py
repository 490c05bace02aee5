"""The ASGI application: CORS, admin endpoints, then connexion (docs, routing), then the pipeline."""

from __future__ import annotations

import gc
import ipaddress
import time

from starlette.exceptions import HTTPException
from starlette.types import Receive, Scope, Send

from . import admin

from ..mocker import error_bodies as errors
from ..validator.security import AuthPolicy, load_tokens
from ..config import FIXTURES, Settings
from .cors import Cors, origin_of
from .http import read_request, send_response
from ..journal.memory import Journal
from .pipeline import Pipeline, plain_error
from .routing import mount
from ..spec.loader import Api


class MockServer:
    """Serves every loaded API from one process."""

    def __init__(self, apis: list[Api], settings: Settings, journal: Journal | None = None) -> None:
        """`journal` defaults to an in-process one; `--workers` passes a `SharedJournal`."""
        self.apis = apis
        self.settings = settings
        policy = AuthPolicy(settings.auth, load_tokens(FIXTURES, settings.tokens))
        self.journal = journal or Journal(settings.journal_size, credential_names(apis))
        self.pipeline = Pipeline(apis, settings, policy, self.journal)
        self.routed = mount(apis, self.pipeline)
        self.cors = Cors(settings.cors_origin)
        self.admin = admin.Admin(apis, self.journal, self.pipeline.reset, admin_guard(settings))
        self.port_prefixes: dict[int, str] = {}
        if settings.port_per_api is not None:
            self.port_prefixes = {settings.port_per_api + i: "/" + api.name for i, api in enumerate(apis)}

    def reset(self) -> None:
        """Empty the journal and records and restart seeded streams (`POST /__admin/reset`)."""
        self.admin.reset()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        if self.port_prefixes:
            scope = self._per_api_port(scope)
        origin = origin_of(scope)
        if origin is not None:
            preflight = self.cors.preflight(scope, origin)
            if preflight is not None:
                await send_response(send, preflight)
                return
            send = self.cors.wrap(send, origin)
        path: str = scope["path"]
        if path == "/" or path.startswith(admin.ADMIN_PREFIX + "/"):
            request = await read_request(scope, receive)
            await send_response(send, self.admin.handle(request))
            return
        # With "app" in the scope, starlette raises for a known path with an undeclared method
        # instead of answering plain text, so the 405 can be written in the API's error style.
        scope["app"] = self
        try:
            await self.routed(scope, receive, send)
        except HTTPException as exc:
            await self._http_error(scope, receive, send, exc)

    def _per_api_port(self, scope: Scope) -> Scope:
        """On an API's own port (`--port-per-api`), paths are that API's server paths only:
        `/api/v1/memory-blobs` there is `/memoram/api/v1/memory-blobs` on the main port."""
        prefix = self.port_prefixes.get((scope.get("server") or ("", 0))[1])
        if prefix is None or scope["path"] == "/" or scope["path"].startswith(admin.ADMIN_PREFIX + "/"):
            return scope
        return {**scope, "path": prefix + scope["path"], "raw_path": None}

    async def _http_error(self, scope: Scope, receive: Receive, send: Send, exc: HTTPException) -> None:
        started = time.perf_counter()
        request = await read_request(scope, receive)
        mocked = self.pipeline.api_for_path(request.path)
        headers = list((exc.headers or {}).items())
        kind = "method_not_allowed" if exc.status_code == 405 else "not_found"
        message = "Method Not Allowed" if exc.status_code == 405 else "Not Found"
        if mocked is None:
            response = plain_error(exc.status_code, message, headers)
        else:
            response = mocked.error(None, exc.status_code, errors.Problem(kind, message), headers)
        await send_response(send, response)
        self.pipeline.record(mocked, None, request, response, started)


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


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            # Everything built so far (modules, documents, compiled validators) lives as long as
            # the process. Moving it out of the collector's reach keeps full collections from
            # re-scanning it under load: the p99 of a mixed valid/invalid load fell from about
            # 50 ms to about 13 ms (bench/compare's workload).
            gc.collect()
            gc.freeze()
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
