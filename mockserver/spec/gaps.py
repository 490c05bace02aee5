"""Find what a document leaves unsaid that the mock must still answer, for `mockserver check`.

A real vendor answers 401 to a missing token and 4xx to a malformed body whether or not its
document says so; the mock does the same, and this module lists where it has to improvise.
"""

from __future__ import annotations

from ..mocker.negotiator import declared_key, error_status
from .model import Api, Operation


def spec_gaps(api: Api) -> list[str]:
    """One human-readable line per gap, prefixed with the API and operation."""
    return [f"{api.name} {op.method} {op.path}: {gap}" for op in api.operations for gap in _gaps(op)]


def _gaps(op: Operation) -> list[str]:
    found = []
    if op.security and all(op.security) and declared_key(op, 401) is None:
        schemes = ", ".join(sorted({name for alt in op.security for name in alt}))
        found.append(
            f"requires {schemes} but declares no 401; unauthenticated requests get 401 in the API's error style"
        )
    if (op.request_body or op.parameters) and declared_key(op, error_status(op)) is None:
        found.append("declares no 422, 400 or default; invalid requests get 400 in the API's error style")
    return found
