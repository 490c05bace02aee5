"""Judging one exchange with the real vendor against its document: what the validating proxy
reports live (`X-Mock-Violations`, the journal) and what `drift` sums up afterwards.

The verdicts are the mock's own, so they are openapi-core's: the request through the compiled
request validators, the response body through the response guard's schema checks. Nothing is
blocked: a violation is a finding about the vendor (or the client), never a reason to change
the answer.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .. import jsonio, media
from ..mocker.negotiator import declared_key
from ..problems import ErrorItem
from ..server.http import Request
from ..spec import Api, Operation
from ..validator.request import Validators
from ..validator.security import Authenticator, AuthPolicy

# Statuses that say "your input is wrong" (not "who are you", "no such thing" or "too many").
_INPUT_REFUSALS = frozenset({400, 406, 415, 422})
REQUEST = "request"
RESPONSE = "response"
_ANY_CREDENTIAL = AuthPolicy("any")


@dataclass(frozen=True)
class Violation:
    """One way an exchange departs from the document.

    `side` is whose fault it is (the client's request or the vendor's response), `kind` a
    stable word for grouping (`invalid_body`, `undeclared_status`, …), `where` the JSON path or
    header name when there is one."""

    side: str
    kind: str
    message: str
    where: str = ""
    status: int | None = None

    def as_text(self) -> str:
        """`response 422: body.detail: Input should be a valid string`."""
        status = f" {self.status}" if self.status is not None else ""
        where = f"{self.where}: " if self.where else ""
        return f"{self.side}{status}: {where}{self.message}"


@dataclass(frozen=True)
class Answer:
    """The vendor's answer as the audit reads it: header names lower-case, body decoded from
    its content coding; `None` when there is nothing to judge (a HEAD answer, or a coding
    this process cannot undo)."""

    status: int
    headers: Mapping[str, str]
    body: bytes | None

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")


class Auditor:
    """Judges requests to one API and the vendor's answers to them."""

    def __init__(self, api: Api, validators: Validators | None = None) -> None:
        self.api = api
        self.validators = validators or Validators(api)
        self._credentials = {
            op.routing_id: Authenticator(op.security, api.security_schemes, _ANY_CREDENTIAL) for op in api.operations
        }

    def exchange(self, op: Operation | None, request: Request, answer: Answer) -> list[Violation]:
        """Everything wrong with one exchange: the request, the answer, and an answer that
        refuses what the document accepts."""
        found = self.request(op, request)
        found += self.response(op, answer)
        if op is not None and not found and refuses_input(op, answer.status):
            found.append(
                Violation(
                    RESPONSE, "refuses_valid_input", "refuses a request the document accepts", status=answer.status
                )
            )
        return found

    def request(self, op: Operation | None, request: Request) -> list[Violation]:
        """How the client's request departs from the document (`request.path_params` set)."""
        if op is None:
            return [
                Violation(REQUEST, "undeclared_operation", f"the document declares no {request.method} {request.path}")
            ]
        found = []
        denial = self._credentials[op.routing_id].check(request)
        if denial is not None:
            kind = "missing_credentials" if denial.missing else "malformed_credentials"
            found.append(
                Violation(
                    REQUEST, kind, f"{denial.message} (the document requires {denial.challenge or 'a credential'})"
                )
            )
        problems, _ = self.validators.request(op).validate(request)
        found += [Violation(REQUEST, "invalid_request", item.msg, json_path(item.loc)) for item in problems]
        return found

    def response(self, op: Operation | None, answer: Answer) -> list[Violation]:
        """How the vendor's answer departs from what the document declares for `op`."""
        if op is None:
            return []
        status = answer.status
        key = declared_key(op, status)
        if key is None:
            listed = ", ".join(sorted(op.responses)) or "none"
            return [Violation(RESPONSE, "undeclared_status", f"not declared (declared: {listed})", status=status)]
        found = self._headers(op, key, answer)
        declared = op.responses.get(key)
        content = declared.get("content") if isinstance(declared, Mapping) else None
        if not isinstance(content, Mapping) or not content or answer.body is None or status in (204, 304):
            return found
        offered = ", ".join(content)
        if not answer.body:
            return [
                *found,
                Violation(RESPONSE, "missing_body", f"no body; the document declares {offered}", status=status),
            ]
        media_type = media.match(answer.content_type, content)
        if media_type is None:
            sent = media.essence(answer.content_type) or "no Content-Type"
            return [
                *found,
                Violation(RESPONSE, "undeclared_media_type", f"{sent}, declared {offered}", "content-type", status),
            ]
        try:
            body = parsed(answer.content_type, answer.body)
        except ValueError as exc:
            return [
                *found,
                Violation(
                    RESPONSE, "unreadable_body", f"not {media.essence(answer.content_type)}: {exc}", "body", status
                ),
            ]
        for item in self.validators.response.errors(op, key, media_type, body):
            found.append(Violation(RESPONSE, "invalid_body", item.msg, body_path(item), status))
        return found

    def _headers(self, op: Operation, key: str, answer: Answer) -> list[Violation]:
        """Required declared headers that are missing, and a 401 without the challenge HTTP
        requires of it (RFC 9110 §15.5.2) where the operation uses an HTTP scheme."""
        found = []
        declared = op.responses.get(key)
        headers = declared.get("headers") if isinstance(declared, Mapping) else None
        for name, header in (headers or {}).items() if isinstance(headers, Mapping) else ():
            if isinstance(header, Mapping) and header.get("required") and name.lower() not in answer.headers:
                found.append(Violation(RESPONSE, "missing_header", "a required header is missing", name, answer.status))
        if answer.status == 401 and "www-authenticate" not in answer.headers and self._uses_http_auth(op):
            found.append(
                Violation(
                    RESPONSE,
                    "missing_header",
                    "missing (RFC 9110 requires the challenge on a 401)",
                    "WWW-Authenticate",
                    401,
                )
            )
        return found

    def _uses_http_auth(self, op: Operation) -> bool:
        schemes = self.api.security_schemes
        return any(
            str((schemes.get(name) or {}).get("type", "")).lower() in ("http", "oauth2", "openidconnect")
            for alternative in op.security
            for name in alternative
        )


def refuses_input(op: Operation, status: int) -> bool:
    """Whether `status` says the input was wrong: a 400, 406, 415 or 422, or a 404 where no path
    value can be missing (an operation without template parameters: the query or body made it)."""
    return status in _INPUT_REFUSALS or (status == 404 and "{" not in op.template)


def parsed(content_type: str, body: bytes) -> Any:
    """The body as its media type reads: JSON values, text, or the bytes themselves."""
    if media.is_json(content_type):
        return jsonio.loads(body)
    if media.is_text(content_type) or media.is_xml(content_type):
        return body.decode(media.parameters(content_type).get("charset", "utf-8"), "replace")
    return body


def decoded(body: bytes, coding: str) -> bytes | None:
    """`body` without its content coding; None for a coding this process cannot undo."""
    coding = coding.strip().lower()
    if coding in ("", "identity"):
        return body
    if coding in ("gzip", "x-gzip"):
        return zlib.decompress(body, 16 + zlib.MAX_WBITS)
    if coding == "deflate":
        try:
            return zlib.decompress(body)
        except zlib.error:
            return zlib.decompress(body, -zlib.MAX_WBITS)
    return None


def body_path(item: ErrorItem) -> str:
    """Where a response body problem is (`body.topics[0]`; the validator says `response…`)."""
    return json_path(("body", *item.loc[1:]))


def json_path(loc: tuple[str | int, ...]) -> str:
    """A location as a JSON path under its part (`body.topics[0]`, `query.db_id`)."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text
