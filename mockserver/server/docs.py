"""Each API's documentation: `<base>/ui/` (Swagger UI) and `<base>/openapi.json` (the resolved
document, with the mount path as its server), served by connexion's Swagger UI middleware.

connexion is imported and the documents mounted on the first documentation request, not at
start-up: that costs about 0.4 s, which every start-up (and a CI job that never opens Swagger
UI) would otherwise wait for.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from ..spec import Api

_DOC_SUFFIXES = ("/openapi.json", "/openapi.yaml")


class Docs:
    """The documentation of every API; any other path goes to `fallback`."""

    def __init__(self, apis: list[Api], fallback: ASGIApp) -> None:
        self._apis = apis
        self._fallback = fallback
        self._app: ASGIApp | None = None
        self._own_ports: dict[str, ASGIApp] = {}

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


def is_docs_path(relative: str) -> bool:
    """Whether a path inside an API (relative to its base; the admin API's too) is its
    documentation."""
    return relative in _DOC_SUFFIXES or relative == "/ui" or relative.startswith("/ui/")
