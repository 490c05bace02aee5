"""The route stage: which API and which operation a request addresses, compiled at start-up.

OpenAPI's rule is that a concrete path wins over a templated one: `GET /documents/processing`
belongs to `/documents/processing`, not to `/documents/{id}`. Templates are therefore tried in
order of specificity, segment by segment (a literal segment beats a partly templated one, which
beats a whole variable), and the first path that matches decides: a method it does not declare
is a 405 whose `Allow` lists every method declared on that path (as schemathesis and Prism
expect), never a fall-through to a template that happens to declare it. HEAD is served as GET
where the path declares GET but not HEAD.

A path key may carry a query (`/responses/{id}?beta=true`, a second operation on the same path
and method, chosen by the query): such a variant answers the requests whose query holds every
pair its key names, and the plain operation the rest.

Connexion's routing middleware was used before; it adds one Starlette route per operation in
document order, so neither rule could hold there. Connexion still serves the docs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote

from ..spec import Api, Operation

_VARIABLE = re.compile(r"\{([^{}]*)\}")
_METHOD_ORDER = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE")


@dataclass(frozen=True)
class Segment:
    """One `/`-separated piece of a template: a literal, or a pattern with named variables."""

    literal: str | None
    pattern: re.Pattern[str] | None
    names: tuple[str, ...]

    @property
    def rank(self) -> int:
        """0: literal; 1: literal text around variables; 2: nothing but a variable."""
        if self.literal is not None:
            return 0
        return 2 if self.pattern is not None and self.pattern.pattern == "(.+)" else 1


@dataclass
class PathEntry:
    """Every operation declared on one path shape: `/items/{id}` and `/items/{item_id}` are one
    path to a client (OpenAPI calls them identical), so their methods are served together, each
    operation binding the variables under its own names."""

    shape: str
    segments: tuple[Segment, ...]
    methods: dict[str, list[Variant]] = field(default_factory=dict)

    def operation(self, method: str, query: str) -> Variant | None:
        """The operation serving `method` with this query string: the first variant whose key's
        query pairs the request carries (variants with pairs are tried first), else the least
        particular one, whose own validation then judges the request."""
        variants = self.methods.get(method)
        if not variants:
            return None
        if len(variants) == 1:
            return variants[0]
        sent = set(parse_qsl(query, keep_blank_values=True))
        return next((v for v in variants if set(v.query) <= sent), variants[-1])

    def fits(self, parts: Sequence[str]) -> bool:
        return self.bind(parts, self.segments) is not None

    @staticmethod
    def bind(parts: Sequence[str], segments: tuple[Segment, ...]) -> dict[str, str] | None:
        """Path variables when `parts` (decoded segments) fit `segments`, else None."""
        values: dict[str, str] = {}
        for segment, part in zip(segments, parts, strict=False):
            if segment.literal is not None:
                if segment.literal != part:
                    return None
                continue
            assert segment.pattern is not None
            found = segment.pattern.fullmatch(part)
            if found is None:
                return None
            values.update(zip(segment.names, found.groups(), strict=True))
        return values


@dataclass(frozen=True)
class Variant:
    """One operation of a path entry, with its own variable names and the query pairs its key
    requires (`?beta=true` → `(("beta", "true"),)`)."""

    operation: Operation
    segments: tuple[Segment, ...]
    query: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Match:
    """A routed request: its operation (None when only the path matched) and path variables."""

    operation: Operation | None
    path_params: dict[str, str]
    allowed: tuple[str, ...]


class ApiRoutes:
    """One API's templates: literal ones by path, templated ones by segment count and rank."""

    def __init__(self, operations: Iterable[Operation]) -> None:
        entries: dict[str, PathEntry] = {}
        for op in operations:
            shape = _VARIABLE.sub("{}", op.template)
            segments = _segments(op.template)
            entry = entries.get(shape)
            if entry is None:
                entry = entries[shape] = PathEntry(shape, segments)
            variants = entry.methods.setdefault(op.method, [])
            if all(v.query != op.query for v in variants):
                variants.append(Variant(op, segments, op.query))
                variants.sort(key=lambda v: -len(v.query))
        self._literal = {e.shape: e for e in entries.values() if all(s.literal is not None for s in e.segments)}
        templated: dict[int, list[PathEntry]] = {}
        for entry in entries.values():
            if entry.shape not in self._literal:
                templated.setdefault(len(entry.segments), []).append(entry)
        self._templated = {
            n: sorted(found, key=lambda e: tuple(s.rank for s in e.segments)) for n, found in templated.items()
        }

    def match(self, method: str, path: str, query: str = "") -> Match | None:
        """The operation for `method` on `path` (relative to the API's base, still encoded)
        with `query` (the raw query string)."""
        found = self._candidates(path)
        if not found:
            alternate = path[:-1] if path.endswith("/") and len(path) > 1 else path + "/"
            found = self._candidates(alternate)
        if not found:
            return None
        entry, parts = found[0]
        chosen = entry.operation(method, query) or (entry.operation("GET", query) if method == "HEAD" else None)
        if chosen is not None:
            return Match(chosen.operation, PathEntry.bind(parts, chosen.segments) or {}, ())
        return Match(None, {}, tuple(m for m in _METHOD_ORDER if m in entry.methods))

    def _candidates(self, path: str) -> list[tuple[PathEntry, list[str]]]:
        """The path entry `path` matches, the most specific one, with its decoded segments."""
        parts = [unquote(part) for part in path.split("/")] if "%" in path else path.split("/")
        literal = self._literal.get(unquote(path) if "%" in path else path)
        if literal is not None:
            return [(literal, parts)]
        for entry in self._templated.get(len(parts), ()):
            if entry.fits(parts):
                return [(entry, parts)]
        return []


class Router:
    """Every API's routes, found by the request path's first segment (the API's name)."""

    def __init__(self, apis: Iterable[Api]) -> None:
        self._apis: dict[str, tuple[str, ApiRoutes]] = {}
        for api in apis:
            self._apis[api.name] = (api.base_path, ApiRoutes(api.operations))

    def api_of(self, path: str) -> str | None:
        """The base path of the API that `path` is under, or None."""
        entry = self._apis.get(_first_segment(path))
        if entry is None:
            return None
        base = entry[0]
        return base if path == base or path.startswith(base + "/") else None

    def match(self, method: str, path: str, query: str = "") -> Match | None:
        """The route of `method path?query` (raw, percent-encoded path) inside an API, or None."""
        entry = self._apis.get(_first_segment(path))
        if entry is None:
            return None
        base, routes = entry
        if path == base:
            return routes.match(method, "/", query)
        if not path.startswith(base + "/"):
            return None
        return routes.match(method, path[len(base) :], query)


def _first_segment(path: str) -> str:
    """The decoded first segment of `path` (an API's name, e.g. `agno` of `/agno/memories`)."""
    name = path.split("/", 2)[1] if path.startswith("/") else ""
    return unquote(name) if "%" in name else name


def _segments(template: str) -> tuple[Segment, ...]:
    return tuple(_segment(part) for part in template.split("/"))


def _segment(part: str) -> Segment:
    names = _VARIABLE.findall(part)
    if not names:
        return Segment(part, None, ())
    pattern = ""
    last = 0
    for found in _VARIABLE.finditer(part):
        pattern += re.escape(part[last : found.start()]) + "(.+?)"
        last = found.end()
    pattern += re.escape(part[last:])
    if pattern == "(.+?)":
        pattern = "(.+)"
    return Segment(None, re.compile(pattern, re.DOTALL), tuple(names))
