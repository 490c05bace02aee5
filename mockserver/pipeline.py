"""The request path, one stage per step, read top to bottom in `MockedApi.handle`.

    route (connexion, before this module) → respond → log

Each stage is a small function over plain `Request`/`Response` values; the ASGI plumbing stays
in `Pipeline.__call__`.
"""

from __future__ import annotations

import random
import sys
import time
from typing import Any

import orjson
from faker import Faker
from starlette.types import Receive, Scope, Send

from . import errors, negotiation
from .config import Settings
from .generate import Schema, SchemaFaker
from .http import Request, Response, read_request, send_response
from .routing import ROUTING_CONTEXT
from .specs import Api, Operation


def dump(value: Any) -> bytes:
    """Serialise a body the way a typical JSON API does (UTF-8, no NaN, no spaces)."""
    return orjson.dumps(value)


class MockedApi:
    """One API's runtime: its operations, its random stream and its error style."""

    def __init__(self, api: Api, settings: Settings) -> None:
        self.api = api
        self.settings = settings
        self.operations = api.by_routing_id()
        self.faker = SchemaFaker(api.document, random.Random(), Faker())
        self.error_style = _error_style(api)

    def handle(self, request: Request, routing_id: str | None) -> Response:
        """Answer one request addressed to this API."""
        op = self.operations.get(routing_id) if routing_id else None
        if op is None:
            return self.error(None, 404, errors.Problem("not_found", "Not Found"))
        return self.respond(op, negotiation.success(op))

    def respond(self, op: Operation, choice: negotiation.Choice) -> Response:
        """A generated body for `choice`, or an empty one where the response declares none."""
        if choice.media_type is None:
            return Response(choice.status, media_type=None)
        body = self.faker.value(choice.schema)
        return Response(choice.status, dump(body), choice.media_type, parsed=body)

    def error(
        self,
        op: Operation | None,
        status: int,
        problem: errors.Problem,
        headers: list[tuple[str, str]] | None = None,
    ) -> Response:
        """`problem` at `status`, in the schema the operation declares for it or the API's style."""
        choice = negotiation.choose(op, status) if op is not None else None
        if choice is not None and choice.declared:
            if choice.media_type is None:
                return Response(status, media_type=None, headers=headers or [])
            schema: Schema | None = choice.schema
            declared = True
            example = choice.example if isinstance(choice.example, dict) else None
        else:
            schema, declared, example = self.error_style, False, None
        body = errors.render(schema, problem, self.faker, declared=declared, example=example)
        if body is None:
            return Response(status, media_type=None, headers=headers or [])
        return Response(status, dump(body), negotiation.JSON_TYPE, headers or [], parsed=body)


def _error_style(api: Api) -> Schema | None:
    """The API's usual error body: the first JSON schema it declares for a 4xx or `default`."""
    for op in api.operations:
        for code in sorted(op.responses):
            if code[0] == "4" or code == "default":
                choice = negotiation.choose(op, int(code) if code.isdigit() else 400)
                if choice.schema is not None:
                    return choice.schema
    return None


class Pipeline:
    """The ASGI app behind connexion's routing middleware."""

    def __init__(self, apis: list[Api], settings: Settings) -> None:
        self.apis = {api.base_path: MockedApi(api, settings) for api in apis}
        self.quiet = settings.quiet

    def api_for_path(self, path: str) -> MockedApi | None:
        for base, mocked in self.apis.items():
            if path == base or path.startswith(base + "/"):
                return mocked
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        routing = (scope.get("extensions") or {}).get(ROUTING_CONTEXT) or {}
        mocked = self.apis.get(routing.get("api_base_path", ""))
        request = await read_request(scope, receive)
        if mocked is None:
            response = plain_error(404, "Not Found")
        else:
            response = mocked.handle(request, routing.get("operation_id"))
        await send_response(send, response)
        self.log(mocked, request.method, request.path, response.status, started)

    def log(self, mocked: MockedApi | None, method: str, path: str, status: int, t0: float) -> None:
        """The access log: one line per request, off with `--quiet`."""
        if self.quiet:
            return
        elapsed = (time.perf_counter() - t0) * 1000
        name = mocked.api.name if mocked else "-"
        sys.stderr.write(f"{name} {method} {path} {status} {elapsed:.1f}ms\n")


def plain_error(status: int, message: str, headers: list[tuple[str, str]] | None = None) -> Response:
    """An error outside every API: no vendor style to imitate, so FastAPI's `{"detail": ...}`."""
    return Response(status, dump({"detail": message}), headers=headers or [])
