"""`mockserver learn`: draft `fixtures/observed/<api>.yaml` from a recording of the real vendor.

What `drift` finds becomes what `--fidelity observed` does: the vendor's error bodies (per
status, with request values turned back into `${path.X}`/`${query.X}` placeholders and
validation problem lists into `${problems}`), the rules it applies that the document does not
state, the defaults it fills in and the shape of the ids it mints. The draft is for a person to
review and commit; `review:` in the file lists what the reviewer changed, so a fresh draft from
a new recording can be compared with the committed file.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

import yaml

from .. import jsonio
from ..server.cors import is_preflight
from ..spec import Api, Operation
from .drift import Judged, OperationDrift, analyse, judge
from .exchanges import Exchange
from .observed import PROBLEMS

_MIN_PLACEHOLDER = 3  # shorter request values are not sought in answers (`1` is everywhere)


def learn(apis: Iterable[Api], exchanges: list[Exchange], vendor: str = "") -> dict[str, dict[str, Any]]:
    """Per API in the traffic, the observed-behaviour document (as data)."""
    apis = list(apis)
    report = analyse(apis, exchanges)
    judged = judge(apis, exchanges)
    drafted = {}
    for api in apis:
        operations = [op for op in report.operations if op.api == api.name and op.declared]
        if not operations:
            continue
        drafted[api.name] = _draft(api, operations, judged, vendor)
        cors = _cors([e for e in exchanges if e.api == api.name])
        if cors:
            drafted[api.name]["cors"] = cors
    return drafted


def _draft(
    api: Api, drifts: list[OperationDrift], judged: Mapping[tuple[str, str], list[Judged]], vendor: str
) -> dict[str, Any]:
    by_id = api.by_routing_id()
    per_op_errors: dict[str, dict[int, dict[str, Any]]] = {}
    operations: dict[str, dict[str, Any]] = {}
    ids: dict[str, str] = {}
    for drift in drifts:
        op = by_id[drift.operation]
        items = judged[(api.name, drift.operation)]
        behaviour: dict[str, Any] = {}
        rules, explained = _rules(drift, items)
        if rules:
            behaviour["rules"] = rules
        defaults = {f.where.split(".", 1)[1]: f.value for f in drift.findings.values() if f.kind == "default_value"}
        if defaults:
            behaviour["defaults"] = dict(sorted(defaults.items()))
        for finding in drift.findings.values():
            if finding.kind == "id_format" and finding.value in ("uuid", "integer"):
                ids[finding.where] = finding.value
        per_op_errors[drift.operation] = _errors(op, [i for i in items if i.exchange.source not in explained])
        operations[drift.operation] = behaviour
    shared = _shared(per_op_errors)
    for name, errors in per_op_errors.items():
        own = {status: style for status, style in errors.items() if not _covered(style, shared.get(status))}
        if own:
            operations[name]["errors"] = own
    data: dict[str, Any] = {"vendor": vendor or "(name the vendor and version recorded)"}
    if shared:
        data["errors"] = shared
    if ids:
        data["ids"] = dict(sorted(ids.items()))
    data["operations"] = {name: spec for name, spec in operations.items() if spec}
    return data


def _rules(drift: OperationDrift, items: list[Judged]) -> tuple[list[dict[str, Any]], set[str]]:
    """The vendor's unstated rules, refusals of a present field first (a vendor checks what it
    was given before what is missing), and the exchanges they explain."""
    found = [f for f in drift.findings.values() if f.kind in ("refused_input", "required_in_practice")]
    found.sort(key=lambda f: (f.kind != "refused_input", f.where))
    sources = {i.exchange.source: i.exchange for i in items}
    rules, explained = [], set()
    for finding in found:
        example = sources[finding.examples[0]]
        condition = "present" if finding.kind == "refused_input" else "absent"
        rules.append(
            {"when": {condition: finding.where}, "status": finding.status, "body": _templated(example.json(), example)}
        )
        explained.update(finding.sources)
    return rules, explained


def _errors(op: Operation, items: list[Judged]) -> dict[int, dict[str, Any]]:
    """The vendor's error bodies for one operation, per status: 401 split by whether any
    credential was sent, validation errors with their problem list as `${problems}`."""
    styles: dict[int, dict[str, Any]] = {}
    groups: dict[tuple[int, str], list[Exchange]] = {}
    for item in items:
        status = item.exchange.status
        if status < 400 or item.exchange.json() is None:
            continue
        if status == 401:
            missing = any(v.kind == "missing_credentials" for v in item.violations)
            groups.setdefault((401, "missing" if missing else "invalid"), []).append(item.exchange)
        elif item.client_fault and _problem_list(item.exchange.json()) is not None:
            groups.setdefault((status, "problems"), []).append(item.exchange)
        elif not item.client_fault:
            groups.setdefault((status, "body"), []).append(item.exchange)
    for (status, kind), exchanges in sorted(groups.items()):
        style = styles.setdefault(status, {})
        if kind == "problems":
            body, fields = _problems_template(exchanges)
            style["body"] = body
            style["problem"] = fields
        else:
            style[kind] = _most_common(_templated(e.json(), e) for e in exchanges)
        if status == 401 and all("www-authenticate" not in e.headers for e in exchanges) and op.security:
            style["omit_headers"] = ["WWW-Authenticate"]
    return styles


def _problem_list(body: Any) -> list[Any] | None:
    """The list of `{loc, msg, …}` problems inside a validation error body, if it has one."""
    if isinstance(body, list) and body and all(isinstance(i, Mapping) and "loc" in i and "msg" in i for i in body):
        return body
    if isinstance(body, Mapping):
        for value in body.values():
            found = _problem_list(value)
            if found is not None:
                return found
    return None


def _problems_template(exchanges: list[Exchange]) -> tuple[Any, list[str]]:
    """The body with its problem list as `${problems}`, and the fields of a problem in the
    vendor's order (those any problem had)."""
    fields: list[str] = []
    for exchange in exchanges:
        for item in _problem_list(exchange.json()) or []:
            fields += [name for name in item if name not in fields]

    def swap(value: Any) -> Any:
        if value is _problem_list(value) and value is not None:
            return PROBLEMS
        if isinstance(value, Mapping):
            return {k: swap(v) for k, v in value.items()}
        return value

    return swap(exchanges[0].json()), fields


def _templated(value: Any, exchange: Exchange) -> Any:
    """`value` with the request's own values put back as placeholders: `Memory with ID
    3f2c… not found` → `Memory with ID ${path.memory_id} not found`."""
    request = exchange.request
    known = [(f"${{path.{k}}}", v) for k, v in request.path_params.items()]
    known += [(f"${{query.{k}}}", v) for k, v in request.query]
    known = [(name, text) for name, text in known if len(text) >= _MIN_PLACEHOLDER]
    known.sort(key=lambda pair: -len(pair[1]))

    def walk(item: Any) -> Any:
        if isinstance(item, str):
            for name, text in known:
                item = item.replace(text, name)
            return item
        if isinstance(item, Mapping):
            return {k: walk(v) for k, v in item.items()}
        if isinstance(item, list):
            return [walk(v) for v in item]
        return item

    return walk(value)


def _most_common(values: Iterable[Any]) -> Any:
    counted = Counter(jsonio.dumps(v) for v in values)
    return jsonio.loads(counted.most_common(1)[0][0])


def _cors(exchanges: list[Exchange]) -> dict[str, Any] | None:
    """The vendor's CORS policy, from the exchanges that carried an `Origin`: the origins it
    granted, whether it allows credentials, and how it answers an allowed and a refused
    preflight."""
    seen = [e for e in exchanges if "origin" in e.request.headers]
    if not seen:
        return None
    granted = {e.headers.get("access-control-allow-origin") for e in seen} - {None}
    origins = (
        ["*"]
        if "*" in granted
        else sorted(
            e.request.headers["origin"]
            for e in seen
            if e.headers.get("access-control-allow-origin") == e.request.headers["origin"]
        )
    )
    policy: dict[str, Any] = {
        "origins": sorted(set(origins)),
        "credentials": any(e.headers.get("access-control-allow-credentials") == "true" for e in seen),
    }
    preflights = [e for e in seen if is_preflight(e.request.method, e.request.headers)]
    for key, group in (
        ("preflight", [e for e in preflights if "access-control-allow-origin" in e.headers]),
        ("refused", [e for e in preflights if "access-control-allow-origin" not in e.headers]),
    ):
        if group:
            status, body = Counter((e.status, e.body.decode("utf-8", "replace")) for e in group).most_common(1)[0][0]
            policy[key] = {"status": status, "body": body}
    return policy


def _covered(style: Mapping[str, Any], shared: Mapping[str, Any] | None) -> bool:
    """Whether the API's style says all that one operation's does."""
    if shared is None:
        return False
    return all(shared.get(k) == v or (k == "problem" and set(v) <= set(shared.get(k, []))) for k, v in style.items())


def _shared(per_op: Mapping[str, Mapping[int, Mapping[str, Any]]]) -> dict[int, dict[str, Any]]:
    """Per status, the style every operation that showed it agrees on (the API's style)."""
    shared: dict[int, dict[str, Any]] = {}
    statuses = sorted({status for styles in per_op.values() for status in styles})
    for status in statuses:
        seen = [styles[status] for styles in per_op.values() if status in styles]
        merged: dict[str, Any] = {}
        for style in seen:
            for key, value in style.items():
                if key == "problem":  # problems show the fields their constraint has: the union
                    merged[key] = merged.get(key, []) + [f for f in value if f not in merged.get(key, [])]
                else:
                    merged.setdefault(key, value)
        if all(all(merged.get(k) == v for k, v in style.items() if k != "problem") for style in seen):
            shared[status] = merged
    return shared


def dump(data: Mapping[str, Any], api: str) -> str:
    """The file's text: a header saying what it is, then the data."""
    header = (
        f"# What the real {api} API does where its document is silent or wrong, for\n"
        "# `mockserver serve --fidelity observed`. Drafted by `mockserver learn` from a recording;\n"
        "# review it, list what you changed under `review:`, and commit it.\n"
    )
    return header + yaml.safe_dump(dict(data), sort_keys=False, allow_unicode=True, width=100, default_flow_style=False)
