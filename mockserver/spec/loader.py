"""Load every OpenAPI document in a directory into immutable `Api` objects.

Everything expensive about a document happens here, once, at start-up: parsing, validation with
openapi-spec-validator (3.0 and 3.1), `$ref` resolution with prance, and the per-operation facts
the request path needs. A document that cannot be served is refused with a `SpecError` whose
message is one line naming the file and the problem, so the CLI can print it and exit 2.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping
from urllib.parse import urlsplit

import yaml

SPEC_SUFFIXES = (".yaml", ".yml", ".json")
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

try:
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # libyaml missing: the pure-Python loader gives the same result, slower
    _Loader = yaml.SafeLoader


class SpecError(Exception):
    """A specs directory that cannot be served; `str()` is the one line shown to the user."""


@dataclass(frozen=True)
class Operation:
    """One method on one path, with everything the pipeline reads about it precomputed."""

    api: str
    method: str
    path: str
    routing_id: str
    spec: Mapping[str, Any]
    parameters: tuple[Mapping[str, Any], ...]
    security: tuple[Mapping[str, list[str]], ...]

    @property
    def responses(self) -> Mapping[str, Any]:
        """The declared responses, keyed by status code string (or `default`, `2XX`…)."""
        return self.spec.get("responses") or {}

    @property
    def request_body(self) -> Mapping[str, Any] | None:
        return self.spec.get("requestBody")


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

    @property
    def title(self) -> str:
        return str((self.document.get("info") or {}).get("title") or self.name)

    @property
    def mounted_document(self) -> dict[str, Any]:
        """A copy whose only server is the mount path: what openapi-core and Swagger UI match
        requests against. The file on disk stays verbatim."""
        mounted = copy.deepcopy(dict(self.document))
        mounted["servers"] = [{"url": self.base_path}]
        return mounted

    def declared_statuses(self) -> list[str]:
        """Every status key declared by any operation, sorted, for `mockserver check`."""
        codes = {code for op in self.operations for code in op.responses}
        return sorted(codes)

    def by_routing_id(self) -> dict[str, Operation]:
        return {op.routing_id: op for op in self.operations}


def discover(directory: Path) -> list[Path]:
    """Every spec file directly inside `directory`, refusing two files with the same stem."""
    if not directory.is_dir():
        raise SpecError(f"{directory}: not a directory")
    files = sorted(p for p in directory.iterdir() if p.is_file() and p.suffix in SPEC_SUFFIXES)
    if not files:
        raise SpecError(f"{directory}: no *.yaml, *.yml or *.json OpenAPI documents found")
    seen: dict[str, Path] = {}
    for path in files:
        if path.stem in seen:
            raise SpecError(
                f"{path}: API name '{path.stem}' is already taken by {seen[path.stem].name}"
            )
        seen[path.stem] = path
    return files


def load_directory(directory: Path) -> list[Api]:
    """Load every document of a specs directory, in file-name order."""
    return [load_api(path) for path in discover(directory)]


def load_api(path: Path) -> Api:
    """Parse, validate and resolve one document into an `Api`."""
    text = _read_text(path)
    raw = _parse(path, text)
    version = _openapi_version(path, raw)
    _validate(path, text, raw)
    document = _resolve(path, raw)
    name = path.stem
    base_path = "/" + name + _server_path(document)
    operations = tuple(_operations(name, document))
    schemes = (document.get("components") or {}).get("securitySchemes") or {}
    return Api(
        name=name,
        source=path,
        openapi=version,
        base_path=base_path,
        document=document,
        operations=operations,
        security_schemes=schemes,
    )


def _read_text(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SpecError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise SpecError(f"{path}: cannot be read ({exc.strerror})") from None


def _parse(path: Path, text: str) -> Any:
    try:
        if path.suffix == ".json":
            return json.loads(text)
        return yaml.load(text, Loader=_Loader)
    except json.JSONDecodeError as exc:
        raise SpecError(f"{path}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{mark.line + 1}:{mark.column + 1}:" if mark else ""
        problem = exc.problem or exc.context or "invalid YAML"
        raise SpecError(f"{path}:{where} invalid YAML: {problem}") from None
    except yaml.YAMLError as exc:
        raise SpecError(f"{path}: invalid YAML: {exc}") from None


def _openapi_version(path: Path, raw: Any) -> str:
    version = raw.get("openapi") if isinstance(raw, dict) else None
    if not isinstance(version, str) or not version.startswith(("3.0.", "3.1.")):
        found = f"openapi: {version!r}" if version is not None else "no 'openapi' field"
        raise SpecError(f"{path}: not an OpenAPI 3.0/3.1 document ({found})")
    return version


def _validate(path: Path, text: str, raw: dict[str, Any]) -> None:
    """openapi-spec-validator decides; the most specific error is reported with its position."""
    from openapi_spec_validator import validate
    from openapi_spec_validator.validation.exceptions import OpenAPIValidationError
    from referencing.exceptions import Unresolvable

    try:
        validate(raw)
    except Unresolvable as exc:
        ref = str(getattr(exc, "ref", ""))
        ref = "#" + ref if ref.startswith("/") else ref
        raise SpecError(f"{path}:{_ref_position(text, ref)} unresolvable $ref '{ref}'") from None
    except OpenAPIValidationError as exc:
        error = exc
        location = list(error.absolute_path)
        where = _node_position(text, location)
        pointer = "/".join(str(part) for part in location) or "(root)"
        message = error.message.splitlines()[0]
        if len(message) > 200:
            message = message[:197] + "..."
        raise SpecError(f"{path}:{where} invalid OpenAPI at {pointer}: {message}") from None


def _resolve(path: Path, raw: dict[str, Any]) -> dict[str, Any]:
    """Resolve every `$ref` with prance; recursive schemas keep their `$ref` instead of failing.

    The document is already validated, so prance's resolver runs without its own validation.
    """
    from prance.util.resolver import RefResolver, keep_ref_on_recursion
    from prance.util.url import ResolutionError

    try:
        resolver = RefResolver(
            _wrap_ref_siblings(raw),
            url=path.resolve().as_uri(),
            recursion_limit_handler=keep_ref_on_recursion,
            strict=False,
        )
        resolver.resolve_references()
    except ResolutionError as exc:
        first = str(exc).splitlines()[0]
        raise SpecError(f"{path}: unresolvable $ref: {first}") from None
    return resolver.specs


_ANNOTATIONS = frozenset({"description", "title", "summary", "$comment", "example", "examples", "deprecated"})


def _wrap_ref_siblings(node: Any) -> Any:
    """`{$ref: X, default: d}` → `{allOf: [{$ref: X}], default: d}` for schema references.

    OpenAPI 3.1 gives keywords beside a `$ref` their meaning (Omi's `category` carries its
    `default` that way), but inlining the target would drop them. The `allOf` form is the
    equivalent schema that survives resolution. Annotation-only siblings are left as they are.
    """
    if isinstance(node, list):
        return [_wrap_ref_siblings(item) for item in node]
    if not isinstance(node, dict):
        return node
    wrapped = {key: _wrap_ref_siblings(value) for key, value in node.items()}
    ref = node.get("$ref")
    if isinstance(ref, str) and "/schemas/" in ref and set(node) - {"$ref"} - _ANNOTATIONS:
        del wrapped["$ref"]
        wrapped["allOf"] = [{"$ref": ref}, *wrapped.get("allOf", [])]
    return wrapped


def _server_path(document: Mapping[str, Any]) -> str:
    """The path of the first server URL with its variables at their defaults ("" if none)."""
    servers = document.get("servers") or []
    if not servers:
        return ""
    server = servers[0]
    url = str(server.get("url", ""))
    for name, variable in (server.get("variables") or {}).items():
        url = url.replace("{" + name + "}", str(variable.get("default", "")))
    return urlsplit(url).path.rstrip("/")


def _operations(api: str, document: Mapping[str, Any]) -> Iterable[Operation]:
    top_security = tuple(document.get("security") or ())
    for path, item in (document.get("paths") or {}).items():
        shared = list(item.get("parameters") or [])
        for method in HTTP_METHODS:
            spec = item.get(method)
            if spec is None:
                continue
            own = spec.get("parameters") or []
            overridden = {(p.get("name"), p.get("in")) for p in own}
            parameters = [p for p in shared if (p.get("name"), p.get("in")) not in overridden]
            security = spec["security"] if "security" in spec else top_security
            yield Operation(
                api=api,
                method=method.upper(),
                path=path,
                routing_id=f"{method.upper()} {path}",
                spec=spec,
                parameters=tuple(parameters + list(own)),
                security=tuple(security),
            )


def _node_position(text: str, location: list[Any]) -> str:
    """`line:col:` of the YAML/JSON entry at `location`, or of its nearest existing ancestor."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError:
        return ""
    mark = None
    for part in location:
        entry = None
        if isinstance(node, yaml.MappingNode):
            entry = next(((k, v) for k, v in node.value if k.value == str(part)), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            entry = (node.value[part], node.value[part])
        if entry is None:
            break
        mark, node = entry[0].start_mark, entry[1]
    if mark is None:
        return ""
    return f"{mark.line + 1}:{mark.column + 1}:"


def _ref_position(text: str, ref: str) -> str:
    if not ref:
        return ""
    for number, line in enumerate(text.splitlines(), start=1):
        column = line.find(ref)
        if column >= 0:
            return f"{number}:{column + 1}:"
    return ""
