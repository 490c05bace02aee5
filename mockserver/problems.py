"""Why a request is answered with an error: one table of problem kinds, independent of how any
API words its errors (that is `mocker.error_bodies`' job)."""

from __future__ import annotations

import http
from dataclasses import dataclass, field

# kind → (status it is answered with when nothing else decides, code word for `error_code` fields)
KINDS: dict[str, tuple[int, str]] = {
    "validation": (422, "VALIDATION_ERROR"),
    "bad_request": (400, "BAD_REQUEST"),
    "unauthenticated": (401, "UNAUTHENTICATED"),
    "forbidden": (403, "FORBIDDEN"),
    "not_found": (404, "NOT_FOUND"),
    "method_not_allowed": (405, "METHOD_NOT_ALLOWED"),
    "not_acceptable": (406, "NOT_ACCEPTABLE"),
    "too_large": (413, "PAYLOAD_TOO_LARGE"),
    "unsupported_media_type": (415, "UNSUPPORTED_MEDIA_TYPE"),
    "server": (500, "INTERNAL_SERVER_ERROR"),
    "bad_gateway": (502, "BAD_GATEWAY"),
    "gateway_timeout": (504, "GATEWAY_TIMEOUT"),
}
_BY_STATUS = {status: kind for kind, (status, _code) in KINDS.items()}


@dataclass(frozen=True)
class ErrorItem:
    """One violation, in pydantic's vocabulary: where, what, and which kind."""

    loc: tuple[str | int, ...]
    msg: str
    type: str

    def as_text(self) -> str:
        where = ".".join(str(part) for part in self.loc)
        return f"{where}: {self.msg}" if where else self.msg


@dataclass(frozen=True)
class Problem:
    """An error to answer: its kind, a human message and the individual violations."""

    kind: str
    message: str
    items: tuple[ErrorItem, ...] = field(default_factory=tuple)

    @property
    def text(self) -> str:
        """One line carrying every detail, for schemas that only have room for a string."""
        if not self.items:
            return self.message
        return "; ".join(item.as_text() for item in self.items)


def kind_of(status: int) -> str:
    """The problem kind a status stands for (`server` for any 5xx, `bad_request` otherwise)."""
    return _BY_STATUS.get(status, "server" if status >= 500 else "bad_request")


def status_of(kind: str) -> int:
    return KINDS.get(kind, (400, ""))[0]


def code_of(kind: str) -> str:
    return KINDS.get(kind, (0, "ERROR"))[1]


def phrase(status: int) -> str:
    """The standard reason phrase (`Not Found`), or `Status 599` for a status without one."""
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return f"Status {status}"
