"""`mockserver drift`: how the real vendor departs from its document, per operation, from a
recording or a running proxy's journal.

Every exchange is judged again (the documents may have changed since it was recorded) by the
same `Auditor` the proxy uses, then the verdicts are summed up with what one exchange cannot
show: fields required in practice, parameters the vendor refuses, undeclared headers, the shape
of the ids it mints and the defaults it fills in. Findings about the client's own requests
(an invalid body the vendor rightly refused) are not drift and are left out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .. import jsonio
from ..server.cors import is_preflight
from ..server.routing import Router
from ..spec import Api, Operation
from .audit import REQUEST, Answer, Auditor, Violation, refuses_input
from .conventions import declared_default, documented_example, id_shape, id_values, objects, request_properties
from .exchanges import Exchange

# Headers any HTTP server sends: not worth declaring, so never "extra".
_GENERIC_HEADERS = frozenset(
    {
        "content-type",
        "content-length",
        "content-encoding",
        "content-language",
        "date",
        "server",
        "vary",
        "connection",
        "keep-alive",
        "transfer-encoding",
        "cache-control",
        "expires",
        "pragma",
        "etag",
        "last-modified",
        "age",
        "via",
        "alt-svc",
        "strict-transport-security",
        "x-content-type-options",
        "x-frame-options",
        "x-xss-protection",
        "referrer-policy",
        "x-mock-violations",
    }
)
_EXAMPLES = 3


@dataclass
class Finding:
    """One way the vendor departs from the document, seen `count` times."""

    kind: str
    message: str
    status: int | None = None
    where: str = ""
    count: int = 0
    examples: list[str] = field(default_factory=list)
    value: Any = None  # what `learn` keeps: an id shape, a default value
    sources: list[str] = field(default_factory=list)  # every exchange that showed it

    def seen(self, source: str) -> None:
        self.count += 1
        self.sources.append(source)
        if len(self.examples) < _EXAMPLES:
            self.examples.append(source)

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "status": self.status,
            "where": self.where or None,
            "message": self.message,
            "count": self.count,
            "examples": self.examples,
        }


@dataclass
class OperationDrift:
    """What was seen of one operation (or of a path the document lacks)."""

    api: str
    operation: str
    declared: bool
    exchanges: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    findings: dict[tuple[Any, ...], Finding] = field(default_factory=dict)

    def add(self, key: tuple[Any, ...], finding: Finding, source: str) -> None:
        self.findings.setdefault(key, finding).seen(source)

    def as_json(self) -> dict[str, Any]:
        return {
            "api": self.api,
            "operation": self.operation,
            "declared": self.declared,
            "exchanges": self.exchanges,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "findings": [f.as_json() for f in self.findings.values()],
        }


@dataclass
class Report:
    operations: list[OperationDrift]
    exchanges: int
    unrouted: list[str]  # exchanges whose API is not among the documents

    @property
    def drift(self) -> bool:
        return any(op.findings for op in self.operations)

    def as_json(self) -> dict[str, Any]:
        return {
            "drift": self.drift,
            "exchanges": self.exchanges,
            "operations": [op.as_json() for op in self.operations],
            "unknown_apis": sorted(set(self.unrouted)),
        }


@dataclass
class Judged:
    exchange: Exchange
    op: Operation | None
    violations: list[Violation]

    @property
    def client_fault(self) -> bool:
        return any(v.side == REQUEST for v in self.violations)


def analyse(apis: Iterable[Api], exchanges: list[Exchange]) -> Report:
    """Judge every exchange and sum the findings up per operation."""
    apis = list(apis)
    known = {api.name for api in apis}
    judged = judge(apis, exchanges)
    operations = [_operation(api, name, items) for (api, name), items in judged.items()]
    return Report(operations, len(exchanges), [e.api for e in exchanges if e.api not in known])


def judge(apis: Iterable[Api], exchanges: list[Exchange]) -> dict[tuple[str, str], list[Judged]]:
    """Every exchange of a known API routed and audited, grouped by (API, operation); an
    operation the document lacks is named by its method and path."""
    apis = list(apis)
    by_name = {api.name: api for api in apis}
    router = Router(apis)
    auditors = {api.name: Auditor(api) for api in apis}
    judged: dict[tuple[str, str], list[Judged]] = {}
    for exchange in exchanges:
        if exchange.api not in by_name or is_preflight(exchange.request.method, exchange.request.headers):
            continue  # a preflight is the CORS layer speaking, not the API (learn reads it)
        request = exchange.request
        match = router.match(request.method, request.raw_path or request.path, request.query_string)
        op = match.operation if match is not None else None
        if match is not None and op is not None:
            request.path_params = match.path_params
        violations = auditors[exchange.api].exchange(
            op, request, Answer(exchange.status, exchange.headers, exchange.body)
        )
        name = (
            op.routing_id
            if op is not None
            else f"{request.method} {request.path[len(by_name[exchange.api].base_path) :] or '/'}"
        )
        judged.setdefault((exchange.api, name), []).append(Judged(exchange, op, violations))
    return judged


def _operation(api: str, name: str, items: list[Judged]) -> OperationDrift:
    op = items[0].op
    drift = OperationDrift(api, name, op is not None)
    for item in items:
        drift.exchanges += 1
        drift.statuses[item.exchange.status] = drift.statuses.get(item.exchange.status, 0) + 1
    if op is None:
        finding = Finding("undeclared_operation", "the document declares no such operation")
        for item in items:
            drift.add(("undeclared_operation",), finding, item.exchange.source)
        return drift
    for item in items:
        _verdicts(drift, item)
    _client_rules(drift, op, items)
    _extra_headers(drift, op, items)
    _id_shapes(drift, op, items)
    _defaults(drift, op, items)
    return drift


def _verdicts(drift: OperationDrift, item: Judged) -> None:
    """The auditor's findings about the vendor's side, and answers to bad input it accepted."""
    source = item.exchange.source
    status = item.exchange.status
    for violation in item.violations:
        if violation.side == REQUEST:
            continue
        if violation.kind == "refuses_valid_input":
            said = _summary(item.exchange)
            finding = Finding("refuses_valid_input", f"refuses a request the document accepts: {said}", status)
            drift.add(("refuses", status, said), finding, source)
            continue
        finding = Finding(violation.kind, violation.message, violation.status, violation.where)
        drift.add((violation.kind, violation.status, violation.where, violation.message), finding, source)
    if 200 <= status < 300:
        for violation in item.violations:
            if violation.side != REQUEST or violation.kind == "undeclared_operation":
                continue
            where = violation.where or "credentials"
            finding = Finding(
                "accepts_invalid_input", f"accepts what the document forbids ({violation.message})", status, where
            )
            drift.add(("accepts", where, violation.message), finding, source)


def _client_rules(drift: OperationDrift, op: Operation, items: list[Judged]) -> None:
    """Rules the vendor applies to valid input that the document does not state, read off the
    refused requests against the accepted ones: a field absent from every refused request and
    present in every accepted one is required in practice; one present in every refused request
    and in no accepted one is refused."""
    accepted = [_inputs(i.exchange) for i in items if 200 <= i.exchange.status < 300 and not i.client_fault]
    if not accepted:
        return
    refusals: dict[tuple[int, str], list[Judged]] = {}
    for item in items:
        if not item.client_fault and refuses_input(op, item.exchange.status):
            refusals.setdefault((item.exchange.status, _summary(item.exchange)), []).append(item)
    for (status, said), group in refusals.items():
        refused = [_inputs(i.exchange) for i in group]
        names = set().union(*refused, *accepted)
        explained = False
        for name in sorted(names):
            if all(name not in r for r in refused) and all(name in a for a in accepted):
                finding = Finding("required_in_practice", f"required in practice; without it: {said}", status, name)
            elif all(name in r for r in refused) and all(name not in a for a in accepted):
                finding = Finding("refused_input", f"sending it is refused: {said}", status, name)
            else:
                continue
            explained = True
            for item in group:
                drift.add((finding.kind, status, name, said), finding, item.exchange.source)
        if explained:  # the rule says more than the bare refusal
            drift.findings.pop(("refuses", status, said), None)


def _inputs(exchange: Exchange) -> set[str]:
    """The names a request set: query parameters and top-level JSON body fields (a JSON null
    counts as not set, as FastAPI reads it)."""
    names = {f"query.{k}" for k, _ in exchange.request.query}
    body = exchange.sent_json()
    if isinstance(body, Mapping):
        names |= {f"body.{k}" for k, v in body.items() if v is not None}
    return names


def _extra_headers(drift: OperationDrift, op: Operation, items: list[Judged]) -> None:
    for item in items:
        status = item.exchange.status
        response = op.responses.get(str(status)) or op.responses.get("default") or {}
        declared = {str(k).lower() for k in (response.get("headers") or {})} if isinstance(response, Mapping) else set()
        for name in item.exchange.headers:
            if name in _GENERIC_HEADERS or name.startswith("access-control-") or name in declared:
                continue
            finding = Finding("extra_header", "sent but not declared", status, name)
            drift.add(("extra_header", status, name), finding, item.exchange.source)


def _id_shapes(drift: OperationDrift, op: Operation, items: list[Judged]) -> None:
    """Ids whose shape is not the one the document's example shows (`mem-123` vs a UUID)."""
    by_status: dict[int, list[Judged]] = {}
    for item in items:
        if 200 <= item.exchange.status < 300:
            by_status.setdefault(item.exchange.status, []).append(item)
    for status, group in by_status.items():
        example = documented_example(op, status)
        documented = id_values([example]) if example is not None else {}
        echoed = set().union(*(_sent_values(i.exchange) for i in group))
        minted = id_values(i.exchange.json() for i in group)
        for name, values in minted.items():
            values = [v for v in values if not (isinstance(v, str) and v in echoed)]
            if not values:
                continue
            shapes = {id_shape(v) for v in values}
            if len(shapes) != 1 or name not in documented:
                continue
            shape, expected = shapes.pop(), id_shape(documented[name][0])
            if shape != expected:
                message = (
                    f"the vendor's ids are {shape} (e.g. {values[0]}); "
                    f"the document's example is {expected} ({documented[name][0]})"
                )
                finding = Finding("id_format", message, status, name, value=shape)
                for item in group:
                    drift.add(("id_format", status, name), finding, item.exchange.source)


def _sent_values(exchange: Exchange) -> set[str]:
    """Every string the client sent (query, path, top-level body): an id among them was
    chosen by the client, not minted by the vendor."""
    values = {v for _, v in exchange.request.query} | set(exchange.request.path_params.values())
    body = exchange.sent_json()
    for record in objects(body):
        values |= {v for v in record.values() if isinstance(v, str)}
    return values


def _defaults(drift: OperationDrift, op: Operation, items: list[Judged]) -> None:
    """Fields a client may leave out, and the value the vendor then answers with, where the
    document declares no default or another one."""
    properties = request_properties(op)
    if not properties:
        return
    seen: dict[str, list[tuple[Any, str]]] = {}
    for item in items:
        sent, answered = item.exchange.sent_json(), item.exchange.json()
        if (
            not (200 <= item.exchange.status < 300)
            or not isinstance(sent, Mapping)
            or not isinstance(answered, Mapping)
        ):
            continue
        for name in properties:
            if sent.get(name) is None and name in answered:
                seen.setdefault(name, []).append((answered[name], item.exchange.source))
    for name, values in seen.items():
        distinct = {jsonio.dumps(v) for v, _ in values}
        if len(distinct) != 1:
            continue
        value = values[0][0]
        has_default, default = declared_default(properties[name])
        if has_default and jsonio.dumps(default) == jsonio.dumps(value):
            continue
        document = (
            f"the document's default is {jsonio.dumps(default).decode()}"
            if has_default
            else "the document declares no default"
        )
        finding = Finding(
            "default_value",
            f"answered as {jsonio.dumps(value).decode()} when not sent ({document})",
            None,
            f"body.{name}",
            value=value,
        )
        for _, source in values:
            drift.add(("default_value", name), finding, source)


def _summary(exchange: Exchange, room: int = 120) -> str:
    """`{"detail":"User ID is required"}`: what the vendor said, on one short line."""
    body = exchange.body.decode("utf-8", "replace").strip().replace("\n", " ")
    if len(body) > room:
        body = body[: room - 3] + "..."
    return body or "(no body)"


_KIND_TITLES = {
    "undeclared_operation": "operation not in the document",
    "undeclared_status": "statuses not declared",
    "invalid_body": "bodies that violate the declared schema",
    "undeclared_media_type": "media types not declared",
    "missing_body": "bodies missing",
    "unreadable_body": "bodies that are not their media type",
    "missing_header": "headers missing",
    "extra_header": "headers not declared",
    "refuses_valid_input": "valid input refused",
    "required_in_practice": "required in practice",
    "refused_input": "inputs refused",
    "accepts_invalid_input": "invalid input accepted",
    "id_format": "id conventions",
    "default_value": "default values",
}


def render_text(report: Report) -> str:
    """The report for people: per operation, its findings grouped by kind, most frequent first."""
    lines = []
    drifted = [op for op in report.operations if op.findings]
    for op in report.operations:
        statuses = ", ".join(f"{s} ×{n}" for s, n in sorted(op.statuses.items()))
        head = f"{op.api} {op.operation}: {op.exchanges} exchange{'s' if op.exchanges != 1 else ''} ({statuses})"
        if not op.findings:
            lines.append(f"{head}: as documented")
            continue
        lines.append(head)
        by_kind: dict[str, list[Finding]] = {}
        for finding in op.findings.values():
            by_kind.setdefault(finding.kind, []).append(finding)
        for kind, findings in by_kind.items():
            lines.append(f"  {_KIND_TITLES.get(kind, kind)}:")
            for finding in sorted(findings, key=lambda f: -f.count):
                status = f"{finding.status} " if finding.status is not None else ""
                where = f"{finding.where}: " if finding.where else ""
                lines.append(
                    f"    {status}{where}{finding.message}  ×{finding.count}  (e.g. {', '.join(finding.examples)})"
                )
    if report.unrouted:
        lines.append(
            f"not judged: {len(report.unrouted)} exchanges of APIs not in the documents "
            f"({', '.join(sorted(set(report.unrouted)))})"
        )
    total = sum(len(op.findings) for op in drifted)
    lines.append(
        f"{report.exchanges} exchanges, {len(report.operations)} operations: "
        + (
            f"{total} finding{'s' if total != 1 else ''} in {len(drifted)} operation{'s' if len(drifted) != 1 else ''}"
            if drifted
            else "no drift"
        )
    )
    return "\n".join(lines)
