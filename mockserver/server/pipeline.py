"""The request path, one stage per step, read top to bottom in `MockedApi.handle`:

    (routed by `routing`, body read by `app`) → preferences → authenticate → validate request
    → negotiate response (Prefer, injected faults) → generate body → validate response
    → record (journal, created records, access log)

Each stage is a small function over plain `Request`/`Response` values; the ASGI plumbing stays
in `app.MockServer`.
"""

from __future__ import annotations

import http
import sys
import time
from typing import Any

import orjson

from ..mocker import error_bodies as errors
from ..problems import Problem

from ..mocker import negotiator as negotiation
from ..validator.security import Authenticator, AuthPolicy
from ..mocker.composer import Composer
from ..config import Settings
from ..mocker.generator import Schema, SchemaFaker
from ..mocker.hints import load_hints
from .http import JSON, Request, Response
from ..journal.memory import Journal, Record, compact, entry_for
from ..mocker.negotiator import Choice, PreferenceError, Preferences
from ..spec import Api, Operation
from ..mocker.streams import Streams
from ..mocker.text import Inventor
from ..validator.request import compile_api

MOCK_ERROR_HEADER = "X-Mock-Error"

_KINDS = {400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found", 405: "method_not_allowed", 422: "validation"}


def dump(value: Any) -> bytes:
    """Serialise a body the way a typical JSON API does (UTF-8, no NaN, no spaces)."""
    return orjson.dumps(value)


class MockedApi:
    """One API's runtime: operations, compiled validators, random stream and error style."""

    def __init__(self, api: Api, settings: Settings, policy: AuthPolicy, journal: Journal) -> None:
        self.api = api
        self.journal = journal
        self.chaos = settings.chaos
        self.operations = api.by_routing_id()
        self.streams = Streams(api.name, settings.seed, settings.locale)
        hints = load_hints()
        self.faker = SchemaFaker(api.document, self.streams, Inventor(hints, self.streams))
        self.composer = Composer(api, self.faker, hints)
        self.error_style = _error_style(api)
        self.request_validators, self.response_validator = compile_api(api)
        self.successes = {op.routing_id: negotiation.success(op) for op in api.operations}
        self.authenticators = {
            op.routing_id: Authenticator(op.security, api.security_schemes, policy)
            for op in api.operations
        }

    def handle(self, request: Request, op: Operation) -> Response:
        """Answer one request addressed to `op` (delay included, not yet waited)."""
        try:
            prefer = negotiation.preferences(request.headers.get("prefer"))
        except PreferenceError as exc:
            return mock_error(str(exc))
        response = self._answer(op, request, prefer)
        response.delay_ms = self.chaos.delay_ms(self.streams.chaos, prefer.delay_ms)
        return response

    def _answer(self, op: Operation, request: Request, prefer: Preferences) -> Response:
        """authenticate → validate request → negotiate → generate → validate response."""
        denial = self.authenticators[op.routing_id].check(request)
        if denial is not None:
            problem = Problem("unauthenticated", denial.message)
            return self.error(op, 401, problem, [("WWW-Authenticate", denial.challenge)])
        problems, body = self.request_validators[op.routing_id].validate(request)
        if problems and prefer.code is None:
            status = negotiation.error_status(op)
            return self.error(op, status, Problem(_KINDS.get(status, "validation"), "Validation error", tuple(problems)))
        if prefer.code is None and self.chaos.fails(self.streams.chaos):
            return self.error(op, negotiation.fault(op).status, Problem("server", "Internal Server Error"))
        try:
            choice = negotiation.preferred(op, prefer) if prefer.code else self.successes[op.routing_id]
            response = self.respond(op, choice, prefer, None if problems else body)
        except PreferenceError as exc:
            return mock_error(str(exc))
        return self.checked(op, choice, response)

    def respond(self, op: Operation, choice: Choice, prefer: Preferences, request_body: Any) -> Response:
        """The body for `choice`: a named or static example on request, else composed from the
        request (echo, server-assigned fields, invented text)."""
        if choice.media_type is None:
            return Response(choice.status, media_type=None)
        if prefer.example is not None:
            if prefer.example not in choice.examples:
                names = ", ".join(choice.examples) or "none"
                raise PreferenceError(f"Prefer: example={prefer.example} is not declared for {choice.status} (declared: {names})")
            body = choice.examples[prefer.example]
        elif prefer.dynamic is False and choice.example is not None:
            body = choice.example
        elif choice.status >= 400:
            kind = _KINDS.get(choice.status, "server" if choice.status >= 500 else "bad_request")
            body = errors.render(choice.schema, Problem(kind, _phrase(choice.status)), self.faker, example=_dict(choice.example))
        else:
            body = self.composer.body(op, choice.schema, request_body, choice.example)
            if op.method == "POST" and choice.status < 300:
                data = dump(body)
                record = Record(self.api.name, self.composer.identity(op, body), compact(data), compact(dump(request_body)), time.time())
                self.journal.add_record(record)
                return Response(choice.status, data, choice.media_type, parsed=body)
        return Response(choice.status, dump(body), choice.media_type, parsed=body)

    def error(
        self,
        op: Operation | None,
        status: int,
        problem: Problem,
        headers: list[tuple[str, str]] | None = None,
    ) -> Response:
        """`problem` at `status`, in the schema the operation declares for it or the API's style."""
        if op is not None:
            choice = negotiation.choose(op, status)
            if choice.declared:
                if choice.media_type is None:
                    return Response(status, media_type=None, headers=headers or [])
                body = errors.render(choice.schema, problem, self.faker, example=_dict(choice.example))
                return self.checked(op, choice, Response(status, dump(body), choice.media_type, headers or [], parsed=body))
        body = errors.render(self.error_style, problem, self.faker, declared=False)
        if body is None:
            return Response(status, media_type=None, headers=headers or [])
        return Response(status, dump(body), JSON, headers or [], parsed=body)

    def checked(self, op: Operation, choice: Choice, response: Response) -> Response:
        """Validate what is about to be sent; a violation is our bug: log it and answer 500."""
        if choice.media_type is None or not choice.declared:
            return response
        violations = self.response_validator.errors(op, choice.key, choice.media_type, response.parsed)
        if not violations:
            return response
        detail = "; ".join(v.as_text() for v in violations)
        sys.stderr.write(f"MOCKSERVER BUG: {self.api.name} {op.method} {op.path} {choice.status} response violates the spec: {detail}\n")
        body = {"mockserver_error": f"generated {choice.status} response violates the spec", "violations": detail}
        return Response(500, dump(body), JSON, [(MOCK_ERROR_HEADER, "invalid generated response")])


def _phrase(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return f"Status {status}"


def _dict(value: Any) -> dict[str, Any] | None:
    return value if isinstance(value, dict) else None


def mock_error(message: str) -> Response:
    """A problem with the mock-level request (not the API call): clearly the mock speaking."""
    return Response(400, dump({"mockserver_error": message}), JSON, [(MOCK_ERROR_HEADER, message)])


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

    def __init__(self, apis: list[Api], settings: Settings, policy: AuthPolicy, journal: Journal) -> None:
        self.apis = {api.base_path: MockedApi(api, settings, policy, journal) for api in apis}
        self.quiet = settings.quiet
        self.journal = journal
        self._generation = journal.generation()

    def api_for_path(self, path: str) -> MockedApi | None:
        """The API `path` is under; first notices a reset made by another worker process."""
        generation = self.journal.generation()
        if generation != self._generation:
            self._generation = generation
            self.reset()
        for base, mocked in self.apis.items():
            if path == base or path.startswith(base + "/"):
                return mocked
        return None

    def reset(self) -> None:
        """Restart every API's random streams and clock (seeded servers repeat themselves)."""
        for mocked in self.apis.values():
            mocked.streams.reset()

    def error_for(self, mocked: MockedApi, status: int, problem: Problem, headers: list[tuple[str, str]] | None = None) -> Response:
        """An error outside any operation (413, 500), in `mocked`'s error style."""
        return mocked.error(None, status, problem, headers)


    def record(self, mocked: MockedApi | None, operation: str | None, request: Request, response: Response, t0: float) -> None:
        """Journal the exchange (requests to an API only) and write the access-log line."""
        if mocked is not None:
            self.journal.append(entry_for(mocked.api.name, operation, request, response, t0))
        self.log(mocked, request.method, request.path, response.status, t0)

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
