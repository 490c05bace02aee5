"""The mock's own endpoints: `/__admin/*` for tools and tests, `/` for people."""

from __future__ import annotations

import html

import orjson

from .http import Request, Response
from .specs import Api

ADMIN_PREFIX = "/__admin"


def health(apis: list[Api]) -> Response:
    body = {
        "status": "ok",
        "apis": [
            {
                "name": api.name,
                "openapi": api.openapi,
                "base_path": api.base_path,
                "operations": len(api.operations),
            }
            for api in apis
        ],
    }
    return Response(200, orjson.dumps(body))


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
<p>Contract mocks of the APIs below. Health: <a href="{ADMIN_PREFIX}/health">{ADMIN_PREFIX}/health</a></p>
<table><tr><th>API</th><th>Title</th><th>Base path</th><th>Docs</th><th>Spec</th></tr>
{rows}
</table></body></html>
"""
    return Response(200, page.encode(), "text/html; charset=utf-8")


def handle(request: Request, apis: list[Api]) -> Response:
    if request.method not in ("GET", "HEAD"):
        return Response(405, orjson.dumps({"detail": "Method Not Allowed"}), headers=[("allow", "GET")])
    if request.path == "/":
        return index(apis)
    if request.path == f"{ADMIN_PREFIX}/health":
        return health(apis)
    return Response(404, orjson.dumps({"detail": "Not Found"}))
