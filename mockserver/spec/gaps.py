"""Find what a document leaves unsaid that the mock must still answer, for `mockserver check`.

A real vendor answers 401 to a missing token, 4xx to a malformed body and 404 to a deleted item
whether or not its document says so; the mock does the same, and this module lists each status
it may answer that the operation does not declare, so a contract test can tell a spec gap from
a mock bug.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..mocker.negotiator import declared_key, error_status
from .model import Api, Operation


@dataclass(frozen=True)
class Gap:
    """An undeclared status an operation may be answered with, and why."""

    api: str
    method: str
    path: str
    status: int
    reason: str

    def __str__(self) -> str:
        return f"{self.api} {self.method} {self.path}: undeclared {self.status}: {self.reason}"


def spec_gaps(api: Api) -> list[Gap]:
    return [Gap(api.name, op.method, op.path, status, reason) for op in api.operations for status, reason in _gaps(op)]


def _gaps(op: Operation) -> list[tuple[int, str]]:
    found = []
    if op.security and all(op.security) and declared_key(op, 401) is None:
        schemes = ", ".join(sorted({name for alt in op.security for name in alt}))
        found.append((401, f"requires {schemes}; unauthenticated requests get 401 in the API's error style"))
    status = error_status(op)
    if (op.request_body or op.parameters) and declared_key(op, status) is None:
        found.append((status, "invalid requests get it in the API's error style (no 422, 400 or default declared)"))
    if "{" in op.template and declared_key(op, 404) is None:
        found.append(
            (404, "a path value no route accepts, or an item already deleted, gets 404 in the API's error style")
        )
    if not any(code.startswith("2") for code in op.responses) and "default" not in op.responses:
        found.append((204, "no success response is declared; a valid request gets 204 without a body"))
    return found
