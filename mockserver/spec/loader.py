"""Load every OpenAPI document in a directory into immutable `Api` objects.

Everything expensive about a document happens here, once, at start-up: parsing (YAML 1.2),
resolving `$ref`s across files with prance, lenient validation with openapi-spec-validator, and
the per-operation facts the request path needs. A document is refused only when it cannot be
served at all — it does not parse, is not OpenAPI 3.0/3.1, or a reference does not resolve — with
a `SpecError` whose message is one line naming the file, the position and the problem. Anything
less is a `Nit`: listed, and served anyway (unless `strict`).
"""

from __future__ import annotations

import contextlib
import gc
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .model import HTTP_METHODS, Api, Findings, Nit, Operation, SpecError, key_query
from .nits import validation_nits, with_positions
from .normalize import boolean_exclusive_bounds_in_31, contradictions, nullable_in_31
from .references import Sources, parse, read_text, resolve

SPEC_SUFFIXES = (".yaml", ".yml", ".json")
_ROOT_NAMES = tuple(f"openapi{suffix}" for suffix in SPEC_SUFFIXES)
_LOCATIONS = ("query", "header", "path", "cookie")


def discover(directory: Path) -> list[tuple[str, Path]]:
    """`(name, file)` for every document in `directory`: each `*.yaml|yml|json` directly inside
    (named by its stem), and each subdirectory holding an `openapi.yaml|yml|json` (named by the
    subdirectory, for documents split over several files). Two documents may not share a name."""
    if not directory.is_dir():
        raise SpecError(f"{directory}: not a directory")
    found: list[tuple[str, Path]] = []
    for entry in sorted(directory.iterdir()):
        if entry.is_file() and entry.suffix in SPEC_SUFFIXES:
            found.append((entry.stem, entry))
        elif entry.is_dir():
            root = next((entry / name for name in _ROOT_NAMES if (entry / name).is_file()), None)
            if root is not None:
                found.append((entry.name, root))
    if not found:
        raise SpecError(f"{directory}: no *.yaml, *.yml or *.json OpenAPI documents found")
    seen: dict[str, Path] = {}
    for name, path in found:
        if name in seen:
            raise SpecError(f"{path}: API name '{name}' is already taken by {seen[name]}")
        seen[name] = path
    return found


def load_directory(directory: Path, strict: bool = False) -> list[Api]:
    """Load every document of a specs directory, in name order. Files that other documents of
    the directory reference (shared schemas, split-out paths) are parts, not APIs."""
    apis, failures = load_each(directory, strict)
    if failures:
        raise failures[0][1]
    return apis


def load_each(directory: Path, strict: bool = False) -> tuple[list[Api], list[tuple[str | None, SpecError]]]:
    """Like `load_directory`, but a document that fails does not stop the others: its
    problem is returned with its API name (`None` for a file that is no API's document), so
    hot reload can keep serving the previous version of that one API."""
    with _collector_paused():
        return _load_each(directory, strict)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Loading builds a large document that all survives (a million objects for a 1.7 MB
    one), and the garbage collector's full passes re-scanned it again and again while it grew:
    two thirds of Letta's load time. Nothing loading makes is cyclic garbage worth chasing
    meanwhile; the collector is on again (if it was) as soon as loading ends."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _load_each(directory: Path, strict: bool) -> tuple[list[Api], list[tuple[str | None, SpecError]]]:
    failures: list[tuple[str | None, SpecError]] = []
    parsed = []
    for name, path in discover(directory):
        try:
            text = read_text(path)
            parsed.append((name, path, text, parse(path, text)))
        except SpecError as exc:
            failures.append((name, exc))
    apis = []
    for name, path, text, raw in parsed:
        if _is_openapi(raw):
            try:
                apis.append(load_api(path, strict, name=name, text=text, raw=raw))
            except SpecError as exc:
                failures.append((name, exc))
    parts = {file for api in apis for file in api.files}
    for _name, path, _text, raw in parsed:
        if not _is_openapi(raw) and path.resolve() not in parts:
            try:
                _openapi_version(path, raw)  # raises: a stray file is refused, not silently skipped
            except SpecError as exc:
                failures.append((None, exc))
    return apis, failures


def load_api(
    path: Path, strict: bool = False, *, name: str | None = None, text: str | None = None, raw: Any = None
) -> Api:
    """Parse, resolve and validate one document into an `Api`."""
    text = read_text(path) if text is None else text
    raw = parse(path, text) if raw is None else raw
    version = _openapi_version(path, raw)
    sources = Sources(path, text, raw)
    found: list[Nit] = []
    if strict:
        found = validation_nits(sources, raw)
    document, dangling = resolve(sources)
    nits = list(dangling)
    if version.startswith("3.1"):
        nits += nullable_in_31(path, document)
        nits += boolean_exclusive_bounds_in_31(path, document)
    nits += contradictions(path, document)
    operations, shape_nits = _operations(path, name or path.stem, document)
    nits += shape_nits
    if strict and (found or nits):
        placed = with_positions(found + nits, text)
        raise SpecError(
            f"{path}: {len(placed)} problem{'s' if len(placed) != 1 else ''} found and --strict refuses them",
            tuple(str(nit) for nit in placed),
        )
    api_name = name or path.stem
    schemes = _mapping(_mapping(document.get("components")).get("securitySchemes"))
    api = Api(
        name=api_name,
        source=path,
        openapi=version,
        base_path="/" + api_name + _server_path(document),
        document=document,
        operations=tuple(operations),
        security_schemes={k: v for k, v in schemes.items() if isinstance(v, Mapping)},
        findings=Findings(nits, None if strict else (lambda: validation_nits(sources, raw))),
        files=frozenset(sources.files),
        text=text,
    )
    return api


def placed_nits(api: Api) -> list[Nit]:
    """The API's nits with line and column (composing the document's text costs time, so this
    is done for `check`, not at every start)."""
    return with_positions(api.nits, api.text)


def _is_openapi(raw: Any) -> bool:
    return isinstance(raw, dict) and "openapi" in raw


def _openapi_version(path: Path, raw: Any) -> str:
    version = raw.get("openapi") if isinstance(raw, dict) else None
    if not isinstance(version, str) or not version.startswith(("3.0.", "3.1.")):
        found = f"openapi: {version!r}" if version is not None else "no 'openapi' field"
        raise SpecError(f"{path}: not an OpenAPI 3.0/3.1 document ({found})")
    if not isinstance(raw.get("paths", {}), Mapping):
        raise SpecError(f"{path}: 'paths' is not a mapping")
    return version


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _server_path(document: Mapping[str, Any]) -> str:
    """The path of the first server URL with its variables at their defaults ("" if none)."""
    servers = document.get("servers")
    if not isinstance(servers, list) or not servers or not isinstance(servers[0], Mapping):
        return ""
    server = servers[0]
    url = str(server.get("url", ""))
    for name, variable in _mapping(server.get("variables")).items():
        default = variable.get("default", "") if isinstance(variable, Mapping) else ""
        url = url.replace("{" + str(name) + "}", str(default))
    try:
        path = urlsplit(url).path.strip("/")
    except ValueError:
        return ""
    return "/" + path if path else ""


def route_template(key: str) -> str:
    """The path requests are matched against: the key without a `#fragment` or `?query`."""
    template = key.split("#", 1)[0].split("?", 1)[0]
    return template if template.startswith("/") else "/" + template


def _operations(source: Path, api: str, document: Mapping[str, Any]) -> tuple[list[Operation], list[Nit]]:
    """Every well-formed operation; a nit for each part that cannot be served as written."""
    top_security = _security(document.get("security"))
    operations: list[Operation] = []
    nits: list[Nit] = []
    seen: dict[tuple[str, str, tuple[tuple[str, str], ...]], str] = {}
    for key, item in _mapping(document.get("paths")).items():
        where = ("paths", key)
        if not isinstance(item, Mapping):
            nits.append(Nit(source, where, "path item is not a mapping; not served"))
            continue
        template = route_template(key)
        shared, bad = _parameters(item.get("parameters"))
        nits += [Nit(source, (*where, "parameters"), problem) for problem in bad]
        for method in HTTP_METHODS:
            spec = item.get(method)
            if spec is None:
                continue
            if not isinstance(spec, Mapping):
                nits.append(Nit(source, (*where, method), "operation is not a mapping; not served"))
                continue
            route = (method.upper(), _shape(template), key_query(key))
            if route in seen:
                nits.append(Nit(source, (*where, method), f"same route as {seen[route]}; only the first is served"))
                continue
            seen[route] = f"{method.upper()} {key}"
            own, bad = _parameters(spec.get("parameters"))
            nits += [Nit(source, (*where, method, "parameters"), problem) for problem in bad]
            overridden = {(p["name"], p["in"]) for p in own}
            parameters = [p for p in shared if (p["name"], p["in"]) not in overridden] + own
            variables = set(re.findall(r"\{([^{}]*)\}", template))
            for param in [p for p in parameters if p["in"] == "path" and p["name"] not in variables]:
                nits.append(
                    Nit(
                        source,
                        (*where, method),
                        f"path parameter '{param['name']}' is not in the path template; it cannot be sent, so it is "
                        "ignored",
                    )
                )
                parameters.remove(param)
            for variable in sorted(variables - {p["name"] for p in parameters if p["in"] == "path"}):
                nits.append(
                    Nit(
                        source,
                        (*where, method),
                        f"path variable '{variable}' is not declared as a parameter; any value is accepted",
                    )
                )
            for status in ("204", "205", "304"):
                response = _mapping(_mapping(spec.get("responses")).get(status))
                if response.get("content"):
                    nits.append(
                        Nit(
                            source,
                            (*where, method, "responses", status, "content"),
                            f"a {status} has no body in HTTP; it is sent without one",
                        )
                    )
            security = _security(spec["security"]) if "security" in spec else top_security
            operations.append(
                Operation(
                    api=api,
                    method=method.upper(),
                    path=key,
                    template=template,
                    routing_id=f"{method.upper()} {key}",
                    spec=spec,
                    parameters=tuple(parameters),
                    security=security,
                )
            )
    return operations, nits


def _shape(template: str) -> str:
    """`/a/{x}/b` and `/a/{y}/b` are the same route: names of path variables do not matter."""
    return re.sub(r"\{[^}]*\}", "{}", template)


def _parameters(declared: Any) -> tuple[list[Mapping[str, Any]], list[str]]:
    if declared is None:
        return [], []
    if not isinstance(declared, list):
        return [], ["parameters is not a list; ignored"]
    usable, problems = [], []
    for index, param in enumerate(declared):
        if (
            not isinstance(param, Mapping)
            or not isinstance(param.get("name"), str)
            or param.get("in") not in _LOCATIONS
        ):
            problems.append(f"parameter {index} has no usable name and 'in'; ignored")
            continue
        usable.append(param)
    return usable, problems


def _security(value: Any) -> tuple[Mapping[str, list[str]], ...]:
    if not isinstance(value, list):
        return ()
    return tuple(item for item in value if isinstance(item, Mapping))
