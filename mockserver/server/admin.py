"""The mock's own endpoints: `/__admin/*` for tools and tests, `/` for people.

| endpoint | answer |
|---|---|
| GET /__admin/ | the request inspector (a page; `mockserver/web/`) |
| GET /__admin/ui/, /__admin/openapi.json | this API's own document and its Swagger UI |
| GET /__admin/health | the loaded APIs |
| GET /__admin/requests?api=&method=&path=&status=&limit= | the journal, oldest first |
| DELETE /__admin/requests | empty the journal |
| GET /__admin/records?api=&user_id= | objects created by successful creates |
| GET /__admin/collections | every non-empty stored collection, with its concrete path and size |
| GET /__admin/records/<api>?path= | the objects a collection stores |
| POST /__admin/records/<api>?path= | store the objects in the body (one, or a list) |
| POST /__admin/reset | empty journal and records, restart seeded streams, restore initial data |
"""

from __future__ import annotations

import hmac
import html
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from .. import jsonio
from ..journal.memory import Journal
from ..spec import Api
from ..spec.model import own_prefix
from ..state import seeding
from ..state.store import Query, key, split
from .http import Request, Response
from .pipeline import Pipeline

ADMIN_PREFIX = "/__admin"
WEB = Path(__file__).resolve().parent.parent / "web"
# The inspector's files, by the path under /__admin/ that serves them.
_PAGES = {
    "/": ("inspector.html", "text/html; charset=utf-8"),
    "/static/inspector.js": ("inspector.js", "text/javascript; charset=utf-8"),
    "/static/inspector.css": ("inspector.css", "text/css; charset=utf-8"),
}


@dataclass(frozen=True)
class Guard:
    """Who may use `/__admin/*`: everyone on a loopback bind, else bearers of the admin token."""

    open: bool
    token: str | None

    def allows(self, request: Request) -> bool:
        if self.open:
            return True
        sent = request.headers.get("authorization", "").encode("utf-8", "surrogateescape")
        return self.token is not None and hmac.compare_digest(
            sent, f"Bearer {self.token}".encode("utf-8", "surrogateescape")
        )

    @staticmethod
    def forged(request: Request) -> str | None:
        """Why a state-changing admin request may come from a page on another site, or None.

        The admin API grants no CORS, so a foreign page cannot read it; but a plain cross-site
        form or `fetch(..., {mode: "no-cors"})` POST needs no preflight and would still reset
        the mock. Such requests carry a foreign `Origin`, or a content type no tool of ours
        sends (a form's or `text/plain`)."""
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return None
        origin = request.headers.get("origin")
        if origin is not None and urlsplit(origin).netloc != request.headers.get("host", ""):
            return f"refused: a request from {origin} may not change {ADMIN_PREFIX} (no cross-origin admin)"
        kind = request.content_type
        if kind and kind != "application/json" and not kind.endswith("+json"):
            return f"refused: {ADMIN_PREFIX} takes JSON bodies, not {kind}"
        return None


class Admin:
    def __init__(
        self, apis: list[Api], journal: Journal, pipeline: Pipeline, guard: Guard, tokens: frozenset[str] = frozenset()
    ) -> None:
        self.apis = apis
        self.journal = journal
        self.pipeline = pipeline
        self.guard = guard
        self.tokens = tokens

    def reset(self) -> None:
        """Empty the journal, restart seeded streams, restore the initial data."""
        self.journal.clear()
        self.pipeline.reset()
        self.pipeline.restore()

    def handle(self, request: Request, own: Api | None = None) -> Response:
        """An admin request, or the index page (`/`; on an API's own port, `own`'s only)."""
        if request.path == "/":
            if request.method not in ("GET", "HEAD"):
                return _json(405, {"detail": "Method Not Allowed"})
            return index([own], self.tokens, own_port=True) if own is not None else index(self.apis, self.tokens)
        if request.path == ADMIN_PREFIX:
            return Response(308, media_type=None, headers=[("Location", ADMIN_PREFIX + "/")])
        if not self.guard.allows(request):
            why = (
                "requires Authorization: Bearer <--admin-token>"
                if self.guard.token
                else "is only served on a loopback address unless --admin-token is set"
            )
            return _json(403, {"detail": f"{ADMIN_PREFIX} {why}"})
        forged = self.guard.forged(request)
        if forged is not None:
            return _json(403, {"detail": forged})
        route = (request.method, request.path[len(ADMIN_PREFIX) :])
        query = dict(parse_qsl(request.query_string))
        try:
            if route[0] in ("GET", "HEAD") and route[1] in _PAGES:
                return _page(*_PAGES[route[1]])
            if route == ("GET", "/collections"):
                return _json(200, self._collections())
            if route == ("GET", "/health"):
                return _json(200, health(self.apis, self.pipeline))
            if route == ("GET", "/requests"):
                return _json(
                    200,
                    {
                        "requests": self.journal.requests(
                            api=query.get("api") or None,
                            method=query.get("method") or None,
                            path=query.get("path") or None,
                            status=int(query["status"]) if query.get("status") else None,
                            limit=int(query["limit"]) if query.get("limit") else None,
                        )
                    },
                )
            if route == ("DELETE", "/requests"):
                self.journal.clear_requests()
                return Response(204, media_type=None)
            if route == ("GET", "/records"):
                return _json(
                    200,
                    {
                        "records": self.journal.records(
                            api=query.get("api") or None, user_id=query.get("user_id") or None
                        )
                    },
                )
            if route == ("POST", "/reset"):
                self.reset()
                return Response(204, media_type=None)
            if route[1].startswith("/records/"):
                return self._stored(request, route[1][len("/records/") :], query.get("path"))
        except ValueError as exc:
            return _json(400, {"detail": f"invalid query parameter: {exc}"})
        known = {"/health", "/requests", "/records", "/reset", "/collections", *_PAGES}
        if route[1] in known:
            return _json(405, {"detail": "Method Not Allowed"})
        return _json(404, {"detail": "Not Found"})

    def _collections(self) -> dict[str, Any]:
        """Every non-empty collection of every API, with the path that lists it."""
        store = self.pipeline.store
        found = []
        for api in self.apis:
            for collection_key, count in sorted((store.collections(api.name) if store is not None else {}).items()):
                _, template, scope = split(collection_key)
                values = iter(scope)
                path = "/".join(next(values, part) if part.startswith("{") else part for part in template.split("/"))
                found.append({"api": api.name, "path": path, "template": template, "count": count})
        return {"stateful": store is not None, "collections": found}

    def _stored(self, request: Request, name: str, path: str | None) -> Response:
        """`POST /__admin/records/<api>?path=/memories` stores the objects in the body (one or
        a list); `GET` lists what the collection holds (up to 1,000)."""
        mocked = next((m for m in self.pipeline.apis.values() if m.api.name == name), None)
        if mocked is None:
            return _json(404, {"detail": f"no API named {name!r}"})
        if self.pipeline.store is None:
            return _json(409, {"detail": "the mock is --stateless: nothing is stored"})
        collections = [r.path for r in mocked.resources.resources if not r.singleton]
        if path is None and len(collections) != 1:
            return _json(
                400, {"detail": f"name the collection with ?path= (one of: {', '.join(collections) or 'none'})"}
            )
        path = path or collections[0]
        if request.method == "POST":
            try:
                sent = jsonio.loads(request.body)
                stored = seeding.add(
                    name,
                    mocked.resources,
                    self.pipeline.store,
                    path,
                    sent if isinstance(sent, list) else [sent],
                    mocked.streams.uuid4,
                )
            except ValueError as exc:
                return _json(400, {"detail": str(exc)})
            return _json(201, {"records": stored})
        if request.method == "GET":
            resource = mocked.resources.collection_at(path)
            if resource is None:
                return _json(
                    404,
                    {
                        "detail": f"{path} is not a collection of {name} (collections: "
                        "{', '.join(collections) or 'none'})"
                    },
                )
            scope = [p for t, p in zip(resource.path.split("/"), path.split("/"), strict=False) if t.startswith("{")]
            page = self.pipeline.store.page(key(name, resource.path, scope), Query(limit=1000))
            return _json(200, {"records": [item for _, item in page.items], "total": page.total})
        return _json(405, {"detail": "Method Not Allowed"})


def health(apis: list[Api], pipeline: Pipeline) -> dict[str, Any]:
    stats = pipeline.store.stats() if pipeline.store is not None else {}
    return {
        "status": "ok",
        "stateful": pipeline.store is not None,
        "apis": [
            {
                "name": api.name,
                "openapi": api.openapi,
                "base_path": api.base_path,
                "operations": len(api.operations),
                **(
                    {
                        "records": stats.get(api.name, {}).get("records", 0),
                        "evicted": stats.get(api.name, {}).get("evicted", 0),
                    }
                    if pipeline.store is not None
                    else {}
                ),
            }
            for api in apis
        ],
    }


def index(apis: list[Api], tokens: frozenset[str], own_port: bool = False) -> Response:
    """The page a person opens first: each API's Swagger UI and document, the credential that
    works, and the inspector. On an API's own port (`own_port`) its paths have no mount prefix."""
    rows = "\n".join(
        f"<tr><td>{html.escape(api.name)}</td><td>{html.escape(api.title)}</td>"
        f"<td><code>{html.escape(shown)}</code></td>"
        f'<td><a href="{html.escape(docs)}/ui/">Swagger UI</a></td>'
        f'<td><a href="{html.escape(docs)}/openapi.json">openapi.json</a></td></tr>'
        for api in apis
        for docs, shown in [
            ("", api.base_path[len(own_prefix(api)) :] or "/") if own_port else (api.base_path, api.base_path)
        ]
    )
    shown = ", ".join(f"<code>{html.escape(token)}</code>" for token in sorted(tokens))
    credentials = (
        f"<p>Credentials: every API accepts {shown} as its bearer token, API key or password "
        "(in Swagger UI: <b>Authorize</b>, paste it, <b>Authorize</b>). More with <code>--token</code>.</p>"
        if shown
        else "<p>Credentials: the tokens given with <code>--token</code> (see <code>fixtures/tokens.yaml</code>).</p>"
    )
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>mockserver</title>
<style>body{{font-family:system-ui,sans-serif;margin:2rem}}td,th{{padding:.3rem .8rem;text-align:left}}</style>
</head><body><h1>mockserver</h1>
<p>Contract mocks of the APIs below. Watch what they receive in the
<a href="{ADMIN_PREFIX}/">request inspector</a>.</p>
{credentials}
<table><tr><th>API</th><th>Title</th><th>Base path</th><th>Docs</th><th>Spec</th></tr>
{rows}
</table>
<p>Admin API (<a href="{ADMIN_PREFIX}/ui/">Swagger UI</a>):
health <a href="{ADMIN_PREFIX}/health">{ADMIN_PREFIX}/health</a>,
journal <a href="{ADMIN_PREFIX}/requests">{ADMIN_PREFIX}/requests</a>,
created records <a href="{ADMIN_PREFIX}/records">{ADMIN_PREFIX}/records</a>.</p>
</body></html>
"""
    return Response(200, page.encode(), "text/html; charset=utf-8")


def _page(name: str, media_type: str) -> Response:
    """One of the inspector's files, read at each request: they are small, and a page being
    worked on shows its edits on reload."""
    return Response(200, (WEB / name).read_bytes(), media_type, [("Cache-Control", "no-cache")])


def _json(status: int, body: object) -> Response:
    return Response(status, jsonio.dumps(body))
