"""What a loaded document is to the rest of the server: an `Api` of `Operation`s, plus its nits.

Everything here is immutable and computed once at start-up by `spec.loader`; the request path
only reads it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

# How jsonschema-path's `SchemaPath` objects over a document join their parts. Its default, `#`,
# splits any key that contains one (`/query#sql` is a real path key), so a character that no
# key of a JSON document plausibly holds is used instead.
SEPARATOR = "\x1f"


class SpecError(Exception):
    """A document that cannot be served; `str()` is the one line shown to the user, and
    `details` any further lines (the nits `--strict` refused)."""

    def __init__(self, message: str, details: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.details = details


@dataclass(frozen=True)
class Nit:
    """Something a document gets wrong that the server can live with (a warning, or an error
    with `--strict`): where it is, as precisely as the file allows, and what it is."""

    file: Path
    location: tuple[str, ...]
    message: str
    line: int | None = None
    column: int | None = None

    @property
    def pointer(self) -> str:
        """The JSON Pointer of the offending entry (`/paths/~1items/get`), `/` for the root."""
        return "/" + "/".join(part.replace("~", "~0").replace("/", "~1") for part in self.location)

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}" if self.line is not None else str(self.file)
        return f"{where}: {self.pointer}: {self.message}"


class Findings:
    """An API's nits: those found while loading it, plus openapi-spec-validator's, which are
    gathered when first asked for (for a large document that walk takes seconds: `serve` asks in
    a forked process once the API is already answering, `check` and `--strict` before anything
    else)."""

    def __init__(self, known: list[Nit], pending: Callable[[], list[Nit]] | None = None) -> None:
        self._known = list(known)
        self._pending = pending
        self._lock = threading.Lock()

    def all(self) -> tuple[Nit, ...]:
        with self._lock:
            if self._pending is not None:
                self._known = self._pending() + self._known
                self._pending = None
            return tuple(self._known)


def key_query(key: str) -> tuple[tuple[str, str], ...]:
    """The query pairs a path key names (`/responses/{id}?beta=true` → `(("beta", "true"),)`): a
    second operation on the same path, for the requests that carry them. A `#fragment` names none
    (nothing in a request tells it apart)."""
    return tuple(parse_qsl(key.split("#", 1)[0].partition("?")[2], keep_blank_values=True))


@dataclass(frozen=True)
class Operation:
    """One method on one path, with everything the pipeline reads about it precomputed.

    `path` is the key as the document spells it (used to find things in the document); `template`
    is what requests are matched against: the key without a `#fragment` or `?query` some
    documents append to tell two operations on one path apart.
    """

    api: str
    method: str
    path: str
    template: str
    routing_id: str
    spec: Mapping[str, Any]
    parameters: tuple[Mapping[str, Any], ...]
    security: tuple[Mapping[str, list[str]], ...]

    @property
    def query(self) -> tuple[tuple[str, str], ...]:
        """The query pairs the path key names (see `key_query`)."""
        return key_query(self.path)

    @property
    def responses(self) -> Mapping[str, Any]:
        """The declared responses, keyed by status code string (or `default`, `2XX`…)."""
        responses = self.spec.get("responses")
        return responses if isinstance(responses, Mapping) else {}

    @property
    def request_body(self) -> Mapping[str, Any] | None:
        body = self.spec.get("requestBody")
        return body if isinstance(body, Mapping) else None


def own_prefix(api: Api) -> str:
    """What an API's own port (`--port-per-api`) leaves out of its paths: the mount name
    (`/memoram`), keeping the document's server path (`/api/v1`)."""
    return "/" + api.name


@dataclass(frozen=True)
class Api:
    """One OpenAPI document mounted under `/<name>` plus the path of its first server URL."""

    name: str
    source: Path
    openapi: str
    base_path: str
    document: Mapping[str, Any]
    operations: tuple[Operation, ...]
    security_schemes: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    findings: Findings = field(default_factory=lambda: Findings([]), repr=False, compare=False)
    files: frozenset[Path] = field(default_factory=frozenset, repr=False, compare=False)
    text: str = field(default="", repr=False, compare=False)

    @property
    def nits(self) -> tuple[Nit, ...]:
        """Everything the document gets wrong that it is served despite (see `Findings`)."""
        return self.findings.all()

    @property
    def title(self) -> str:
        info = self.document.get("info")
        title = info.get("title") if isinstance(info, Mapping) else None
        return str(title or self.name)

    @property
    def mounted_document(self) -> dict[str, Any]:
        """The document with the mount path as its only server: what openapi-core and Swagger UI
        match requests against. A shallow copy: the file on disk and the loaded document stay
        as they are, and nothing downstream mutates the shared parts."""
        return {**self.document, "servers": [{"url": self.base_path}]}

    def declared_statuses(self) -> list[str]:
        """Every status key declared by any operation, sorted, for `mockserver check`."""
        return sorted({code for op in self.operations for code in op.responses})

    def by_routing_id(self) -> dict[str, Operation]:
        return {op.routing_id: op for op in self.operations}
