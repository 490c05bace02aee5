"""The mock's own endpoints: `/__admin/*` for tools and tests, `/` for people.

| endpoint | answer |
|---|---|
| GET /__admin/health | the loaded APIs |
| GET /__admin/requests?api=&method=&path=&status=&limit= | the journal, oldest first |
| DELETE /__admin/requests | empty the journal |
| GET /__admin/records?api=&user_id= | objects created by successful creates |
| POST /__admin/reset | empty journal and records, restart seeded streams |
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Callable
from urllib.parse import parse_qsl

from .. import jsonio

from .http import Request, Response
from ..journal.memory import Journal
from ..spec import Api

ADMIN_PREFIX = "/__admin"


@dataclass(frozen=True)
class Guard:
    """Who may use `/__admin/*`: everyone on a loopback bind, else bearers of the admin token."""

    open: bool
    token: str | None

    def allows(self, request: Request) -> bool:
        if self.open:
            return True
        return self.token is not None and request.headers.get("authorization") == f"Bearer {self.token}"


class Admin:
    def __init__(self, apis: list[Api], journal: Journal, restart_streams: Callable[[], None], guard: Guard) -> None:
        self.apis = apis
        self.journal = journal
        self._restart_streams = restart_streams
        self.guard = guard

    def reset(self) -> None:
        self.journal.clear()
        self._restart_streams()

    def handle(self, request: Request) -> Response:
        if request.path == "/":
            return index(self.apis) if request.method in ("GET", "HEAD") else _json(405, {"detail": "Method Not Allowed"})
        if not self.guard.allows(request):
            why = "requires Authorization: Bearer <--admin-token>" if self.guard.token else "is only served on a loopback address unless --admin-token is set"
            return _json(403, {"detail": f"{ADMIN_PREFIX} {why}"})
        route = (request.method, request.path[len(ADMIN_PREFIX):])
        query = dict(parse_qsl(request.query_string))
        try:
            if route == ("GET", "/health"):
                return _json(200, health(self.apis))
            if route == ("GET", "/requests"):
                return _json(200, {"requests": self.journal.requests(
                    api=query.get("api") or None,
                    method=query.get("method") or None,
                    path=query.get("path") or None,
                    status=int(query["status"]) if query.get("status") else None,
                    limit=int(query["limit"]) if query.get("limit") else None,
                )})
            if route == ("DELETE", "/requests"):
                self.journal.clear_requests()
                return Response(204, media_type=None)
            if route == ("GET", "/records"):
                return _json(200, {"records": self.journal.records(api=query.get("api") or None, user_id=query.get("user_id") or None)})
            if route == ("POST", "/reset"):
                self.reset()
                return Response(204, media_type=None)
        except ValueError as exc:
            return _json(400, {"detail": f"invalid query parameter: {exc}"})
        known = {"/health", "/requests", "/records", "/reset"}
        if route[1] in known:
            return _json(405, {"detail": "Method Not Allowed"})
        return _json(404, {"detail": "Not Found"})


def health(apis: list[Api]) -> dict:
    return {
        "status": "ok",
        "apis": [
            {"name": api.name, "openapi": api.openapi, "base_path": api.base_path, "operations": len(api.operations)}
            for api in apis
        ],
    }


def index(apis: list[Api]) -> Response:
    """A small page linking each API's Swagger UI and document."""
    rows = "\n".join(
        f"<tr><td>{html.escape(api.name)}</td><td>{html.escape(api.title)}</td>"
        f"<td><code>{html.escape(api.base_path)}</code></td>"
        f'<td><a href="{html.escape(api.base_path)}/ui/">Swagger UI</a></td>'
        f'<td><a href="{html.escape(api.base_path)}/openapi.json">openapi.json</a></td></tr>'
        for api in apis
    )
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>mockserver</title>
<style>body{{font-family:system-ui,sans-serif;margin:2rem}}td,th{{padding:.3rem .8rem;text-align:left}}</style>
</head><body><h1>mockserver</h1>
<p>Contract mocks of the APIs below. Health: <a href="{ADMIN_PREFIX}/health">{ADMIN_PREFIX}/health</a>,
journal: <a href="{ADMIN_PREFIX}/requests">{ADMIN_PREFIX}/requests</a>,
created records: <a href="{ADMIN_PREFIX}/records">{ADMIN_PREFIX}/records</a></p>
<table><tr><th>API</th><th>Title</th><th>Base path</th><th>Docs</th><th>Spec</th></tr>
{rows}
</table></body></html>
"""
    return Response(200, page.encode(), "text/html; charset=utf-8")


def _json(status: int, body: object) -> Response:
    return Response(status, jsonio.dumps(body))
