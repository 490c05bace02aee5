"""`--fidelity observed`: answer as the real vendor was seen to answer, where its document is
silent or wrong, from `fixtures/observed/<api>.yaml` (data drafted by `mockserver learn` from a
recording and reviewed by a person).

The file says, for the whole API and per operation (`"POST /memories"`, as the document keys
it):

    errors:            # the vendor's error bodies, per status
      "401": {missing: BODY, invalid: BODY, omit_headers: [WWW-Authenticate]}
      "404": {body: BODY}
      "422": {body: {detail: "${problems}"}, problem: [type, loc, msg, input, ctx]}
    ids: {memory_id: uuid}          # how minted ids look (uuid or integer)
    cors:                           # replaces --cors-origin for this API
      origins: [https://app.example]        # granted, reflected
      credentials: true
      preflight: {status: 200, body: OK}    # an allowed preflight's answer
      refused: {status: 400, body: Disallowed CORS origin}
    operations:
      POST /memories:
        rules:                      # checked in order, after the document's own validation
          - when: {absent: body.user_id}      # or {present: query.table}
            status: 400
            body: {detail: User ID is required}
        defaults: {topics: []}      # what a field left out (or null) becomes
        errors: {...}               # per-operation error bodies, as above

A BODY may use `${path.NAME}`, `${query.NAME}`, `${body.NAME}` (the request's values) and, for
validation errors, `${problems}`: the list of problems, each an object with the fields
`problem` lists, worded as pydantic words them (`input` and `ctx` included), which is what a
FastAPI vendor answers.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .. import jsonio, media
from ..problems import ErrorItem
from ..server.cors import Answer as CorsAnswer
from ..server.cors import Cors
from ..server.http import Request

FIDELITIES = ("spec", "observed")
_PLACEHOLDER = re.compile(r"\$\{(path|query|body)\.([^}]+)\}")
PROBLEMS = "${problems}"
_FIELD = re.compile(r"(body|query|path|header)\.(.+)")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


class ObservedError(ValueError):
    """An observed-behaviour file that cannot be used; the message names the file and why."""


@dataclass(frozen=True)
class Rule:
    """A rule the vendor applies that the document does not state."""

    field: str  # `body.user_id`, `query.table`
    present: bool  # refuse when the field is present (else: when it is absent or null)
    status: int
    body: Any


@dataclass(frozen=True)
class ErrorStyle:
    """How the vendor words one status."""

    body: Any = None
    missing: Any = None  # 401 without any credential
    invalid: Any = None  # 401 with one it does not accept
    omit_headers: frozenset[str] = frozenset()
    problem: tuple[str, ...] = ()


@dataclass(frozen=True)
class OperationBehaviour:
    rules: tuple[Rule, ...] = ()
    defaults: Mapping[str, Any] = field(default_factory=dict)
    errors: Mapping[int, ErrorStyle] = field(default_factory=dict)


@dataclass(frozen=True)
class Behaviour:
    """One API's observed behaviour."""

    source: Path
    vendor: str
    errors: Mapping[int, ErrorStyle]
    ids: Mapping[str, str]
    operations: Mapping[str, OperationBehaviour]
    cors: Cors | None = None

    def of(self, routing_id: str) -> OperationBehaviour:
        return self.operations.get(routing_id) or _NOTHING

    def error(self, routing_id: str | None, status: int) -> ErrorStyle | None:
        """The vendor's style for `status`: the operation's own, else the API's."""
        if routing_id is not None:
            own = self.of(routing_id).errors.get(status)
            if own is not None:
                return own
        return self.errors.get(status)

    def broken_rule(self, routing_id: str, request: Request, body: Any) -> Rule | None:
        """The first rule of the operation the request breaks."""
        for rule in self.of(routing_id).rules:
            if is_set(rule.field, request, body) == rule.present:
                return rule
        return None

    def with_defaults(self, routing_id: str, body: Any) -> Any:
        """The request body with the fields the vendor fills in when they are left out."""
        defaults = self.of(routing_id).defaults
        if not defaults or not isinstance(body, dict):
            return body
        return {**body, **{name: value for name, value in defaults.items() if body.get(name) is None}}


_NOTHING = OperationBehaviour()


def load(folder: Path, api: str) -> Behaviour | None:
    """`folder/<api>.yaml`, or None when there is none."""
    path = folder / f"{api}.yaml"
    if not path.is_file():
        return None
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ObservedError(f"{path}: {exc}") from None
    try:
        return _behaviour(path, data)
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        raise ObservedError(f"{path}: {exc}") from None


def _behaviour(path: Path, data: Mapping[str, Any]) -> Behaviour:
    if not isinstance(data, Mapping):
        raise ValueError("expected a mapping at the top")
    operations = {}
    for name, spec in (data.get("operations") or {}).items():
        spec = spec or {}
        rules = tuple(_rule(rule) for rule in spec.get("rules") or [])
        operations[str(name)] = OperationBehaviour(rules, dict(spec.get("defaults") or {}), _errors(spec.get("errors")))
    ids = {str(k): str(v) for k, v in (data.get("ids") or {}).items()}
    for name, shape in ids.items():
        if shape not in ("uuid", "integer"):
            raise ValueError(f"ids.{name}: {shape!r} is not uuid or integer")
    return Behaviour(
        path, str(data.get("vendor") or ""), _errors(data.get("errors")), ids, operations, _cors(data.get("cors"))
    )


def _cors(data: Any) -> Cors | None:
    """`cors: {origins: [...], credentials: true, preflight: {status, body}, refused: {status, body}}`."""
    if not data:
        return None
    origins = [str(o) for o in data.get("origins") or []]

    def answer(spec: Any) -> CorsAnswer | None:
        return CorsAnswer(int(spec["status"]), str(spec.get("body") or "")) if spec else None

    return Cors(
        ",".join(origins) if origins else "",
        bool(data.get("credentials")),
        answer(data.get("preflight")),
        answer(data.get("refused")),
    )


def _rule(data: Mapping[str, Any]) -> Rule:
    when = data["when"]
    if not isinstance(when, Mapping) or len(when) != 1 or next(iter(when)) not in ("present", "absent"):
        raise ValueError(f"a rule's `when` is {{present: FIELD}} or {{absent: FIELD}}, not {when!r}")
    [(condition, name)] = when.items()
    if not _FIELD.fullmatch(str(name)):
        raise ValueError(f"a rule's field is body.NAME, query.NAME, path.NAME or header.NAME, not {name!r}")
    return Rule(str(name), condition == "present", int(data["status"]), data.get("body"))


def _errors(data: Any) -> dict[int, ErrorStyle]:
    styles = {}
    for status, spec in (data or {}).items():
        spec = spec or {}
        styles[int(status)] = ErrorStyle(
            spec.get("body"),
            spec.get("missing"),
            spec.get("invalid"),
            frozenset(str(h).lower() for h in spec.get("omit_headers") or []),
            tuple(str(p) for p in spec.get("problem") or ()),
        )
    return styles


def value_of(name: str, request: Request, body: Any) -> Any:
    """The request's value of `body.X`, `query.X`, `path.X` or `header.X` (None when unset)."""
    match = _FIELD.fullmatch(name)
    if match is None:
        return None
    where, key = match.groups()
    if where == "body":
        return body.get(key) if isinstance(body, Mapping) else None
    if where == "query":
        return next((v for k, v in request.query if k == key), None)
    if where == "path":
        return request.path_params.get(key)
    return request.headers.get(key.lower())


def is_set(name: str, request: Request, body: Any) -> bool:
    return value_of(name, request, body) is not None


def fill(
    template: Any, request: Request, body: Any, problems: list[ErrorItem] | None = None, fields: tuple[str, ...] = ()
) -> Any:
    """`template` with its placeholders replaced by the request's values (and the problems)."""
    if template == PROBLEMS:
        return [pydantic_item(item, request, body, fields) for item in problems or []]
    if isinstance(template, Mapping):
        return {k: fill(v, request, body, problems, fields) for k, v in template.items()}
    if isinstance(template, list):
        return [fill(v, request, body, problems, fields) for v in template]
    if isinstance(template, str) and "${" in template:
        return _PLACEHOLDER.sub(lambda m: _text(value_of(f"{m.group(1)}.{m.group(2)}", request, body)), template)
    return template


def _text(value: Any) -> str:
    return "" if value is None else value if isinstance(value, str) else jsonio.dumps(value).decode()


def pydantic_item(item: ErrorItem, request: Request, body: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    """One problem as pydantic reports it: `type`, `loc`, `msg`, the offending `input` and the
    constraint in `ctx` (left out when there is none), in the order `fields` gives."""
    known: dict[str, Any] = {"type": item.type, "loc": list(item.loc), "msg": item.msg}
    known["input"] = _input(item, request, body)
    context = _context(item, request)
    if context is not None:
        known["ctx"] = context
    return {name: known[name] for name in fields or ("type", "loc", "msg", "input", "ctx") if name in known}


def _input(item: ErrorItem, request: Request, body: Any) -> Any:
    """What pydantic shows as `input`: the value at `loc` (its parent object for a missing
    field; the text for a body that is not JSON; `{}` for one that does not parse)."""
    where, *path = item.loc or ("",)
    if where == "body":
        if item.type == "json_invalid":
            return {}
        if item.type == "missing" and not path:
            return None
        value: Any = body if body is not None else _readable(request)
        for step in path[:-1] if item.type == "missing" else path:
            if isinstance(value, Mapping) and step in value:
                value = value[step]
            elif isinstance(value, list) and isinstance(step, int) and 0 <= step < len(value):
                value = value[step]
            else:
                return None
        return value
    if where in ("query", "path", "header") and path:
        if item.type == "missing":
            return None
        return value_of(f"{where}.{path[-1]}", request, None)
    return None


def _readable(request: Request) -> Any:
    """A body the validator could not use: its JSON value if it has one, else its text."""
    if not request.body:
        return None
    if media.is_json(request.content_type):
        try:
            return jsonio.loads(request.body)
        except ValueError:
            return {}
    return request.body.decode("utf-8", "replace")


_CONTEXT_KEYS = {
    "string_too_short": "min_length",
    "string_too_long": "max_length",
    "greater_than_equal": "ge",
    "less_than_equal": "le",
    "greater_than": "gt",
    "less_than": "lt",
    "multiple_of": "multiple_of",
}


def _context(item: ErrorItem, request: Request) -> dict[str, Any] | None:
    """pydantic's `ctx` for the constraints that carry one, read back from the wording."""
    if item.type in _CONTEXT_KEYS:
        number = _NUMBER.search(item.msg)
        if number is None:
            return None
        text = number.group(0)
        return {_CONTEXT_KEYS[item.type]: float(text) if "." in text else int(text)}
    if item.type == "enum" and item.msg.startswith("Input should be "):
        return {"expected": item.msg[len("Input should be ") :]}
    if item.type == "string_pattern_mismatch" and "'" in item.msg:
        return {"pattern": item.msg.split("'", 1)[1].rsplit("'", 1)[0]}
    if item.type == "json_invalid":
        try:
            json.loads(request.body)
        except ValueError as exc:
            return {"error": str(exc).split(":", 1)[0]}
    return None
