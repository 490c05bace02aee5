"""One API's request path, one stage per step, read top to bottom in `MockedApi.handle`:

    (routed by `routing`, body read by `app`) → preferences → authenticate → validate request
    → resolve state (404 for a missing object) → negotiate response (Prefer, Accept, injected
    faults) → generate body and headers (or shape the stored object) → validate response
    → keep (store what changed) → record (journal, created records, access log)

Each stage is a small function over plain `Request`/`Response` values; the ASGI plumbing stays
in `app.MockServer`.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

from .. import media
from ..bounded import Bounded
from ..config import Settings
from ..journal.memory import BODY_LIMIT, Journal, Record, compact, entry_for
from ..mocker import error_bodies as errors
from ..mocker import negotiator as negotiation
from ..mocker.composer import Composer
from ..mocker.encoding import dump, encode
from ..mocker.generator import Schema, SchemaFaker
from ..mocker.headers import declared_headers
from ..mocker.hints import load_hints
from ..mocker.negotiator import Choice, PreferenceError, Preferences
from ..mocker.streams import Streams
from ..mocker.text import Inventor
from ..problems import Problem, kind_of, phrase
from ..spec import Api, Operation
from ..spec.resources import CREATE, DELETE, Resource, ResourceMap, resource_map
from ..state import seeding
from ..state.keeper import ITEM_ROLES, Answer, Keeper
from ..state.store import Store
from ..state.tombstones import Tombstones
from ..validator.request import Validators
from ..validator.security import Authenticator, AuthPolicy
from ..vendor import observed
from ..vendor.audit import body_path
from ..vendor.forward import VIOLATIONS_HEADER
from ..vendor.recording import Recorder
from .cors import Cors
from .http import JSON, Request, Response

MOCK_ERROR_HEADER = "X-Mock-Error"
_REMEMBERED = 512  # error answers, and negotiated successes, per API


class MockedApi:
    """One API's runtime: operations, compiled validators, random stream and error style."""

    def __init__(
        self, api: Api, settings: Settings, policy: AuthPolicy, journal: Journal, store: Store | None = None
    ) -> None:
        """`store` holds the API's resources; None answers every request statelessly."""
        self.api = api
        self.journal = journal
        self.chaos = settings.chaos
        self.operations = api.by_routing_id()
        self.streams = Streams(api.name, settings.seed, settings.locale)
        hints = load_hints()
        self.faker = SchemaFaker(api.document, self.streams, Inventor(hints, self.streams), api.openapi)
        self.composer = Composer(api, self.faker, hints)
        self.error_style = _error_style(api)
        self.validators = Validators(api)
        self.resources = resources_of(api, self.faker, hints.ids)
        self.keeper = Keeper(api.name, self.resources, store, self.composer, self.faker) if store is not None else None
        self._can_404: dict[str, bool] = {}
        self.tombstones = Tombstones()
        self._errors: Bounded[tuple[Any, ...], Response] = Bounded(_REMEMBERED)
        self._successes: Bounded[tuple[str, str | None], Choice] = Bounded(_REMEMBERED)
        self.authenticators = {
            op.routing_id: Authenticator(op.security, api.security_schemes, policy) for op in api.operations
        }
        self.observed = observed.load(settings.observed, api.name) if settings.fidelity == "observed" else None
        if self.observed is not None:
            self.composer.minted = self.observed.ids

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
        """authenticate → validate request → resolve state → negotiate → generate → validate
        response → keep."""
        denial = self.authenticators[op.routing_id].check(request)
        if denial is not None:
            problem = Problem("unauthenticated", denial.message)
            challenge = [("WWW-Authenticate", denial.challenge)]
            if self.observed is not None:
                vendor = self._observed_error(op, 401, problem, challenge, request, denial.missing)
                if vendor is not None:
                    return vendor
            return self.error(op, 401, problem, challenge, request)
        problems, body = self.validators.request(op).validate(request)
        if problems and prefer.code is None:
            status = negotiation.error_status(op)
            return self.error(
                op,
                status,
                Problem("validation" if status == 422 else kind_of(status), "Validation error", tuple(problems)),
                None,
                request,
            )
        if self.observed is not None and prefer.code is None:
            rule = self.observed.broken_rule(op.routing_id, request, body)
            if rule is not None:
                return self._observed(
                    op,
                    rule.status,
                    rule.body,
                    request,
                    body,
                    (f"{rule.field}: the vendor's rule ({'present' if rule.present else 'absent'})",),
                )
            body = self.observed.with_defaults(op.routing_id, body)
        stateful = self.keeper.role(op) if self.keeper is not None and prefer.code is None else None
        if (
            stateful is not None
            and self.keeper is not None
            and self.keeper.missing(op, *stateful, request)
            and self.can_404(op)
        ):
            return self.error(
                op, 404, Problem("not_found", f"Not Found: no such object at {request.path}"), None, request
            )
        templated = "{" in op.template
        if (
            templated
            and prefer.code is None
            and (stateful is None or stateful[0] not in ITEM_ROLES)
            and self.tombstones.buried(request.path)
        ):
            if op.method != "PUT" or self.tombstones.buried(request.path.rstrip("/").rpartition("/")[0]):
                return self.error(op, 404, Problem("not_found", "Not Found: it was deleted"), None, request)
            self.tombstones.revive(request.path)
        if prefer.code is None and self.chaos.fails(self.streams.chaos):
            return self.error(op, negotiation.fault(op).status, Problem("server", phrase(500)), None, request)
        accept = request.headers.get("accept")
        try:
            choice = negotiation.preferred(op, prefer, accept) if prefer.code else self._success(op, accept)
        except PreferenceError as exc:
            return mock_error(str(exc))
        if not choice.acceptable and choice.status < 400:
            offered = ", ".join(str(m) for m in (choice.response.get("content") or {}))
            return self.error(
                op, 406, Problem("not_acceptable", f"Not Acceptable: this operation answers {offered}"), None, request
            )
        sent = None if problems else body
        state = self._state(op, stateful, choice, prefer, sent, request)
        try:
            response, created = self.respond(
                op, choice, prefer, sent, request, state.body if state is not None else None
            )
        except PreferenceError as exc:
            return mock_error(str(exc))
        checked = self.checked(op, choice, response)
        if checked is response:
            self._keep(op, stateful, request, sent, response, created, state)
        if (
            op.method == "DELETE"
            and templated
            and 200 <= checked.status < 300
            and (stateful is None or stateful[0] == DELETE)
        ):
            self.tombstones.bury(request.path)  # what lies beneath a deleted item is gone too
        return checked

    def _keep(
        self,
        op: Operation,
        stateful: tuple[str, Resource] | None,
        request: Request,
        sent: Any,
        response: Response,
        created: Record | None,
        state: Answer | None,
    ) -> None:
        """Once the guard accepted `response`: store what a create made, write what the state
        stage decided, and journal the created record under the id the store uses."""
        if stateful is not None and stateful[0] == CREATE and self.keeper is not None and response.status < 300:
            state = self.keeper.created(
                op, stateful[1], request, sent, response.parsed, created.id if created else None
            )
            self.tombstones.revive(f"{request.path.rstrip('/')}/{state.record}")
            if created is not None and state.write is not None:
                created = created._replace(id=state.write[2].get(stateful[1].id_field or "", state.record))
        if created is not None:
            self.journal.add_record(created)
        if state is not None and self.keeper is not None:
            self.keeper.commit(state)
            response.record = state.record

    def _state(
        self,
        op: Operation,
        stateful: tuple[str, Resource] | None,
        choice: Choice,
        prefer: Preferences,
        sent: Any,
        request: Request,
    ) -> Answer | None:
        """What the store answers for a stateful success (None: invent as a stateless mock)."""
        if stateful is None or self.keeper is None or choice.status >= 300 or stateful[0] == CREATE:
            return None
        if prefer.example is not None or prefer.dynamic is False:
            return None
        if choice.media_type is not None and not media.is_json(choice.content_type or ""):
            return None
        return self.keeper.answer(op, stateful[0], stateful[1], choice.schema, request, sent, choice.example)

    def can_404(self, op: Operation) -> bool:
        """Whether a missing object can be answered 404: the operation declares it, or the
        API has an error style to render it in. Otherwise a read invents (see `check`)."""
        known = self._can_404.get(op.routing_id)
        if known is None:
            known = self._can_404[op.routing_id] = negotiation.choose(op, 404).declared or self.error_style is not None
        return known

    def _success(self, op: Operation, accept: str | None) -> Choice:
        """The documented success for `accept` (a `Choice` is immutable, so it is kept)."""
        key = (op.routing_id, accept)
        choice = self._successes.get(key)
        return choice if choice is not None else self._successes.remember(key, negotiation.success(op, accept))

    def respond(
        self,
        op: Operation,
        choice: Choice,
        prefer: Preferences,
        request_body: Any,
        request: Request,
        stored: Any = None,
    ) -> tuple[Response, Record | None]:
        """The body and headers for `choice`: a named or static example on request, else what
        the store answered (`stored`), else composed from the request (echo, server-assigned
        fields, invented text); and, for a successful create, the record of what was created."""
        body: Any = None
        if choice.media_type is not None:
            if prefer.example is not None:
                if prefer.example not in choice.examples:
                    names = ", ".join(choice.examples) or "none"
                    raise PreferenceError(
                        f"Prefer: example={prefer.example} is not declared for {choice.status} (declared: {names})"
                    )
                body = choice.examples[prefer.example]
            elif prefer.dynamic is False and choice.example is not None:
                body = choice.example
            elif choice.status >= 400:
                body = errors.render(
                    choice.schema,
                    Problem(kind_of(choice.status), phrase(choice.status)),
                    self.faker,
                    example=_dict(choice.example),
                )
            elif stored is not None:
                body = stored
            else:
                body = self.composer.body(op, choice.schema, request_body, choice.example)
        identity = (
            self.composer.identity(op, body)
            if body is not None and op.method in ("POST", "PUT") and choice.status < 300
            else None
        )
        headers = self._headers(choice, request, identity)
        data = self._encode(choice, body)
        response = Response(choice.status, data, choice.content_type, headers, parsed=body)
        if (
            op.method == "POST"
            and choice.status < 300
            and body is not None
            and media.is_json(choice.content_type or "")
        ):
            sent = dump(request_body)
            record = Record(
                self.api.name, identity, compact(data), compact(sent) if len(sent) <= BODY_LIMIT else b"", time.time()
            )
            return response, record
        return response, None

    def error(
        self,
        op: Operation | None,
        status: int,
        problem: Problem,
        headers: list[tuple[str, str]] | None = None,
        request: Request | None = None,
    ) -> Response:
        """`problem` at `status`, in the schema the operation declares for it or the API's style.

        An error rendered without inventing anything (the usual case: its fields carry the
        problem) is remembered and answered again as it is, already validated: the same bad
        request costs a dictionary lookup the second time."""
        if self.observed is not None and request is not None:
            vendor = self._observed_error(op, status, problem, list(headers or []), request)
            if vendor is not None:
                return vendor
        accept = request.headers.get("accept") if request else None
        key = (op.routing_id if op else None, status, problem, accept, tuple(headers or ()))
        cached = self._errors.get(key)
        if cached is not None:
            return cached.again()
        before = self.faker.calls
        response = self._error(op, status, problem, list(headers or []), request, accept)
        response.problems = tuple(item.as_text() for item in problem.items) or (problem.message,)
        if self.faker.calls == before and response.status == status:
            self._errors.remember(key, response)
            return response.again()
        return response

    def _observed_error(
        self,
        op: Operation | None,
        status: int,
        problem: Problem,
        headers: list[tuple[str, str]],
        request: Request,
        missing: bool = False,
    ) -> Response | None:
        """`problem` worded as the vendor was seen to word `status` (None: nothing observed)."""
        assert self.observed is not None
        style = self.observed.error(op.routing_id if op else None, status)
        if style is None:
            return None
        template = (style.missing if missing else style.invalid) if status == 401 else None
        template = template if template is not None else style.body
        if template is None:
            return None
        kept = [(name, value) for name, value in headers if name.lower() not in style.omit_headers]
        reasons = tuple(item.as_text() for item in problem.items) or (problem.message,)
        body = observed.fill(template, request, None, list(problem.items), style.problem)
        return self._observed(op, status, body, request, None, reasons, kept, filled=True)

    def _observed(
        self,
        op: Operation | None,
        status: int,
        template: Any,
        request: Request,
        body: Any,
        reasons: tuple[str, ...],
        headers: list[tuple[str, str]] | None = None,
        filled: bool = False,
    ) -> Response:
        """An answer taken from observation. It is not held to the document: where it departs
        from it, `X-Mock-Violations` and the journal say how (the guard would otherwise turn
        the vendor's real behaviour into a 500)."""
        value = template if filled else observed.fill(template, request, body)
        headers = list(headers or [])
        departs: list[str] = []
        if op is not None:
            choice = negotiation.choose(op, status)
            if not choice.declared:
                departs.append(f"response {status}: not declared")
            elif choice.media_type is not None and value is not None:
                departs += [
                    f"response {status}: {body_path(item)}: {item.msg}"
                    for item in self.validators.response.errors(op, choice.key, choice.media_type, value)
                ]
        if departs:
            headers.append((VIOLATIONS_HEADER, "; ".join(departs)[:2000]))
        data = dump(value) if value is not None else b""
        return Response(
            status, data, JSON if value is not None else None, headers, parsed=value, problems=reasons + tuple(departs)
        )

    def _error(
        self,
        op: Operation | None,
        status: int,
        problem: Problem,
        headers: list[tuple[str, str]],
        request: Request | None,
        accept: str | None,
    ) -> Response:
        if op is not None:
            choice = negotiation.choose(op, status, accept)
            if choice.declared:
                headers += self._headers(choice, request, None)
                if choice.media_type is None:
                    return Response(status, media_type=None, headers=headers)
                body = errors.render(choice.schema, problem, self.faker, example=_dict(choice.example))
                response = Response(status, self._encode(choice, body), choice.content_type, headers, parsed=body)
                return self.checked(op, choice, response)
        body = errors.render(self.error_style, problem, self.faker, declared=False)
        if body is None:
            return Response(status, media_type=None, headers=headers)
        return Response(status, dump(body), JSON, headers, parsed=body)

    def checked(self, op: Operation, choice: Choice, response: Response) -> Response:
        """Validate what is about to be sent. A violation is our bug: answer the spec's own
        example instead when it is valid, else log the bug and answer 500."""
        if choice.media_type is None or not choice.declared:
            return response
        violations = self.validators.response.errors(op, choice.key, choice.media_type, response.parsed)
        if not violations:
            return response
        example = choice.example
        if example is not None and not self.validators.response.errors(op, choice.key, choice.media_type, example):
            return Response(
                response.status, self._encode(choice, example), response.media_type, response.headers, parsed=example
            )
        detail = "; ".join(v.as_text() for v in violations)
        sys.stderr.write(
            f"MOCKSERVER BUG: {self.api.name} {op.method} {op.path} {choice.status} response violates the spec: "
            f"{detail}\n"
        )
        body = {"mockserver_error": f"generated {choice.status} response violates the spec", "violations": detail}
        return Response(500, dump(body), JSON, [(MOCK_ERROR_HEADER, "invalid generated response")])

    def _headers(self, choice: Choice, request: Request | None, identity: Any) -> list[tuple[str, str]]:
        """The declared headers of `choice`, each checked against its schema (a `Location`
        that the schema does not accept is replaced by a generated value)."""
        if not choice.headers:
            return []
        made = declared_headers(
            choice.headers, lambda schema, name: self.faker.value(schema, name), _absolute(request, identity)
        )
        sent = []
        for name, text, value in made:
            schema = _header_schema(choice.headers[name])
            if not self.faker.judge.valid(schema, value):
                value = self.faker.value(schema, name)
                text = declared_headers({name: {"schema": schema}}, _constant(value), "")[0][1]
            sent.append((name, text))
        return sent

    def _encode(self, choice: Choice, body: Any) -> bytes:
        if choice.media_type is None:
            return b""
        return encode(body, choice.content_type or JSON, choice.schema, self.faker.flatten)


def _constant(value: Any) -> Callable[[Any, str], Any]:
    """A value maker that always makes `value`."""
    return lambda _schema, _name: value


def _header_schema(header: Any) -> Any:
    schema = header.get("schema") if isinstance(header, dict) else None
    return schema if isinstance(schema, dict) else {"type": "string"}


def _absolute(request: Request | None, identity: Any) -> str:
    """The URL of what `request` addressed (and, for a create, of what it created)."""
    if request is None:
        return "/"
    host = request.headers.get("host") or "127.0.0.1"
    path = request.path.rstrip("/")
    if identity is not None and not isinstance(identity, (dict, list)):
        path = f"{path}/{identity}"
    return f"http://{host}{path or '/'}"


def _dict(value: Any) -> dict[str, Any] | None:
    return value if isinstance(value, dict) else None


def mock_error(message: str) -> Response:
    """A problem with the mock-level request (not the API call): clearly the mock speaking."""
    return Response(400, dump({"mockserver_error": message}), JSON, [(MOCK_ERROR_HEADER, message)], problems=(message,))


def resources_of(api: Api, faker: SchemaFaker, id_names: frozenset[str]) -> ResourceMap:
    """The API's resource map, reading each operation's documented success schema."""

    def success_schema(op: Operation) -> Any:
        schema = negotiation.success(op, None).schema
        return faker.flatten(schema) if isinstance(schema, dict) else None

    return resource_map(api, id_names, success_schema)


def _error_style(api: Api) -> Schema | None:
    """The API's usual error body: the first JSON schema it declares for a 4xx or `default`."""
    for op in api.operations:
        for code in sorted(op.responses):
            if code[0] == "4" or code == "default":
                choice = negotiation.choose(op, int(code) if code.isdigit() else 400)
                if choice.schema is not None and media.is_json(choice.media_type or ""):
                    return choice.schema
    return None


class Pipeline:
    """Every API's runtime, found by base path, plus the record stage."""

    def __init__(
        self, apis: list[Api], settings: Settings, policy: AuthPolicy, journal: Journal, store: Store | None = None
    ) -> None:
        self._settings = settings
        self._policy = policy
        self.apis = {api.base_path: MockedApi(api, settings, policy, journal, store) for api in apis}
        self.store = store
        self.data = settings.data
        self.quiet = settings.quiet
        self.journal = journal
        self._generation = journal.generation()
        self.recorder = Recorder(settings.record, journal.masked) if settings.record is not None else None
        self.observed_cors = self._observed_cors()

    def _observed_cors(self) -> dict[str, Cors]:
        """The observed CORS policy of each API that has one (`--fidelity observed`)."""
        return {
            m.api.name: m.observed.cors
            for m in self.apis.values()
            if m.observed is not None and m.observed.cors is not None
        }

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
        """Restart every API's random streams and clock (seeded servers repeat themselves) and
        forget what was deleted."""
        for mocked in self.apis.values():
            mocked.streams.reset()
            mocked.tombstones.clear()
            if mocked.keeper is not None:
                mocked.keeper.forget()

    def restore(self) -> None:
        """Forget every stored object and store the initial data again (reset)."""
        if self.store is not None:
            self.store.clear()
            self.seed()

    def replace(self, apis: list[Api]) -> None:
        """Serve `apis` from now on (hot reload). An API whose `Api` object is unchanged keeps
        its runtime (random streams, remembered answers, deleted ids); a new or changed one
        gets a fresh runtime over the same store, and a new one its initial data."""
        current = {mocked.api.name: mocked for mocked in self.apis.values()}
        replaced: dict[str, MockedApi] = {}
        for api in apis:
            kept = current.get(api.name)
            if kept is not None and kept.api is api:
                replaced[api.base_path] = kept
                continue
            mocked = replaced[api.base_path] = MockedApi(api, self._settings, self._policy, self.journal, self.store)
            if kept is None and self.store is not None:
                seeding.load(api.name, mocked.resources, self.store, self.data, mocked.streams.uuid4)
        self.apis = replaced
        self.observed_cors = self._observed_cors()

    def seed(self) -> None:
        """Store the initial data, unless another process sharing the store already did."""
        if self.store is None or not self.store.claim_seeding():
            return
        for mocked in self.apis.values():
            seeding.load(mocked.api.name, mocked.resources, self.store, self.data, mocked.streams.uuid4)

    def record(
        self, mocked: MockedApi | None, op: Operation | None, request: Request, response: Response, took_ms: float
    ) -> None:
        """Journal the exchange (requests to an API only), write it to `--record`'s folder and
        the access-log line (a proxied one names its first violation whatever its status).
        `took_ms` is how long the answer took to make, simulated latency not included."""
        if mocked is not None:
            self.journal.append(entry_for(mocked.api.name, op.routing_id if op else None, request, response, took_ms))
            if self.recorder is not None:
                self.recorder.write(mocked.api.name, op, request, response)
        reason = response.reason if response.status >= 400 or response.upstream else None
        self.log(mocked, request.method, request.path, response.status, took_ms, reason)

    def log(
        self, mocked: MockedApi | None, method: str, path: str, status: int, took_ms: float, reason: str | None = None
    ) -> None:
        """The access log: one line per request, off with `--quiet`; a refused request's line
        ends with why (its first problem)."""
        if self.quiet:
            return
        name = mocked.api.name if mocked else "-"
        why = f" {reason}" if reason else ""
        sys.stderr.write(f"{name} {method} {path} {status} {took_ms:.1f}ms{why}\n")


def plain_error(status: int, message: str, headers: list[tuple[str, str]] | None = None) -> Response:
    """An error outside every API: no vendor style to imitate, so FastAPI's `{"detail": ...}`."""
    return Response(status, dump({"detail": message}), headers=headers or [])
