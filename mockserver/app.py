"""The ASGI application: admin endpoints, then connexion (docs, routing), then the pipeline."""

from __future__ import annotations

import time

from starlette.exceptions import HTTPException
from starlette.types import Receive, Scope, Send

from . import admin, errors
from .auth import AuthPolicy, load_tokens
from .config import FIXTURES, Settings
from .http import read_request, send_response
from .pipeline import Pipeline, plain_error
from .routing import mount
from .specs import Api


class MockServer:
    """Serves every loaded API from one process."""

    def __init__(self, apis: list[Api], settings: Settings) -> None:
        self.apis = apis
        self.settings = settings
        policy = AuthPolicy(settings.auth, load_tokens(FIXTURES, settings.tokens))
        self.pipeline = Pipeline(apis, settings, policy)
        self.routed = mount(apis, self.pipeline)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        path: str = scope["path"]
        if path == "/" or path.startswith(admin.ADMIN_PREFIX + "/"):
            request = await read_request(scope, receive)
            await send_response(send, admin.handle(request, self.apis))
            return
        # With "app" in the scope, starlette raises for a known path with an undeclared method
        # instead of answering plain text, so the 405 can be written in the API's error style.
        scope["app"] = self
        try:
            await self.routed(scope, receive, send)
        except HTTPException as exc:
            await self._http_error(scope, receive, send, exc)

    async def _http_error(self, scope: Scope, receive: Receive, send: Send, exc: HTTPException) -> None:
        started = time.perf_counter()
        request = await read_request(scope, receive)
        mocked = self.pipeline.api_for_path(request.path)
        headers = list((exc.headers or {}).items())
        kind = "method_not_allowed" if exc.status_code == 405 else "not_found"
        message = "Method Not Allowed" if exc.status_code == 405 else "Not Found"
        problem = errors.Problem(kind, message)
        if mocked is None:
            response = plain_error(exc.status_code, message, headers)
        else:
            response = mocked.error(None, exc.status_code, problem, headers)
        await send_response(send, response)
        self.pipeline.log(mocked, request.method, request.path, response.status, started)


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
