"""Each API's documentation: `<base>/ui/` (Swagger UI, connexion's middleware, with its own copy
of the document at `<base>/ui/openapi.json`) and `<base>/openapi.json` / `.yaml` (the resolved
document itself, with the mock as its server; see `served`).

connexion is imported and the documents mounted on the first documentation request, not at
start-up: that costs about 0.4 s, which every start-up (and a CI job that never opens Swagger
UI) would otherwise wait for.
"""

from __future__ import annotations

import yaml
from starlette.types import ASGIApp, Receive, Scope, Send

from .. import jsonio
from ..spec import Api
from .http import Response
from .served import contract, server_url

_DOC_SUFFIXES = ("/openapi.json", "/openapi.yaml")


class Docs:
    """The documentation of every API; any other path goes to `fallback`."""

    def __init__(self, apis: list[Api], fallback: ASGIApp) -> None:
        self._apis = apis
        self._fallback = fallback
        self._app: ASGIApp | None = None
        self._own_ports: dict[str, ASGIApp] = {}
        self._documents: dict[tuple[str, bool, str], bytes] = {}

    def document(self, api: Api, suffix: str, own_port: bool = False) -> Response:
        """`<base>/openapi.json` or `.yaml`: the document with the mock as its server (built
        once; a large document takes a while to serialise)."""
        key = (api.name, own_port, suffix)
        body = self._documents.get(key)
        if body is None:
            document = contract(api, server_url(api, own_port))
            body = (
                jsonio.dumps(document)
                if suffix.endswith("json")
                else yaml.safe_dump(document, sort_keys=False, allow_unicode=True).encode()
            )
            self._documents[key] = body
        return Response(200, body, "application/json" if suffix.endswith("json") else "text/yaml; charset=utf-8")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._app is None:
            from .swagger import docs_app

            self._app = docs_app(self._apis, self._fallback)
        await self._app(scope, receive, send)

    async def own_port(self, api: Api, scope: Scope, receive: Receive, send: Send) -> None:
        """`api`'s documentation on its own port (`--port-per-api`): at `/ui/` and `/openapi.json`."""
        app = self._own_ports.get(api.name)
        if app is None:
            from .swagger import docs_app

            app = self._own_ports[api.name] = docs_app([api], self._fallback, own_port=True)
        await app(scope, receive, send)


def is_document_path(relative: str) -> bool:
    """Whether a path inside an API is its document (`/openapi.json`, `/openapi.yaml`)."""
    return relative in _DOC_SUFFIXES


def is_docs_path(relative: str) -> bool:
    """Whether a path inside an API (relative to its base; the admin API's too) is its
    documentation."""
    return relative in _DOC_SUFFIXES or relative == "/ui" or relative.startswith("/ui/")
