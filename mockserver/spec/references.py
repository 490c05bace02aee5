"""`$ref` resolution: the root document and the files it references, resolved with prance.

Every referenced local file is read once, with the same YAML 1.2 parser as the root, and handed
to prance's resolver (through its reference cache) and to openapi-spec-validator (as its file
handler), so both see exactly what the server sees. Remote references (`https://…`) are never
fetched: the server must start the same way offline, in CI, in a sandbox. They, and recursive
references that cannot be kept inside the document, become unconstrained schemas, each noted
as a nit.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from . import yaml12
from .model import Nit, SpecError
from .positions import text_position
from .walk import containers, location

_ANNOTATIONS = frozenset({"description", "title", "summary", "$comment", "example", "examples", "deprecated"})


def parse(path: Path, text: str) -> Any:
    """A document's data; a `SpecError` naming the line and column when it does not parse."""
    import yaml

    try:
        if path.suffix == ".json":
            return json.loads(text)
        return yaml12.load(text)
    except json.JSONDecodeError as exc:
        raise SpecError(f"{path}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{mark.line + 1}:{mark.column + 1}:" if mark else ""
        problem = exc.problem or exc.context or "invalid YAML"
        raise SpecError(f"{path}:{where} invalid YAML: {problem}") from None
    except yaml.YAMLError as exc:
        raise SpecError(f"{path}: invalid YAML: {exc}") from None
    except RecursionError:
        raise SpecError(f"{path}: nested too deeply to parse") from None


def read_text(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SpecError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise SpecError(f"{path}: cannot be read ({exc.strerror})") from None


class Sources:
    """The root document and every local file reachable through its `$ref`s, parsed."""

    def __init__(self, root: Path, text: str, raw: Any) -> None:
        self.shown = root
        self.root = root.resolve()
        self.files: dict[Path, Any] = {self.root: raw}
        self.remote: list[str] = []
        self._texts: dict[Path, str] = {self.root: text}
        self._collect(self.root, raw, text)
        self._verify()

    def _collect(self, current: Path, data: Any, text: str) -> None:
        for ref in _refs(data):
            target, _fragment = _split(ref)
            if not target:
                continue
            if urlsplit(target).scheme in ("http", "https"):
                self.remote.append(ref)
                continue
            file = (current.parent / unquote(urlsplit(target).path)).resolve()
            if file in self.files:
                continue
            if not file.is_file():
                where = text_position(text, ref)
                at = f"{where[0]}:{where[1]}:" if where else ""
                raise SpecError(f"{current}:{at} unresolvable $ref '{ref}': {file.name} not found")
            file_text = read_text(file)
            self.files[file] = parse(file, file_text)
            self._texts[file] = file_text
            self._collect(file, self.files[file], file_text)

    def _verify(self) -> None:
        """Refuse, with its position, the first reference whose target does not exist."""
        for file, data in self.files.items():
            for ref in _refs(data):
                target, fragment = _split(ref)
                if urlsplit(target).scheme in ("http", "https"):
                    continue
                document = self.files[(file.parent / unquote(urlsplit(target).path)).resolve()] if target else data
                if fragment in ("", "/") or lookup(document, "#" + fragment) is not None:
                    continue
                text = self._texts[file]
                where = text_position(text, ref)
                at = f"{where[0]}:{where[1]}:" if where else ""
                shown = self.shown if file == self.root else file
                raise SpecError(f"{shown}:{at} unresolvable $ref '{ref}'")

    @property
    def referenced(self) -> set[Path]:
        """The files other than the root (fragments, not APIs of their own)."""
        return set(self.files) - {self.root}

    def handler(self, uri: str) -> Any:
        """openapi-spec-validator's `file://` handler: the parsed file, never a second parse."""
        path = Path(unquote(urlsplit(uri).path)).resolve()
        if path in self.files:
            return self.files[path]
        raise OSError(f"{path} is not referenced by {self.root.name}")


def _keep_ref_on_recursion() -> Any:
    """prance's handler that leaves a recursive `$ref` in place (prance 26.7 and later); before
    26.7 the handler's return value replaces the reference, so it returns the reference itself
    (its fragment: a recursion always points back into the document being resolved)."""
    try:
        from prance.util.resolver import keep_ref_on_recursion  # type: ignore[attr-defined,unused-ignore]
    except ImportError:

        def keep_ref(limit: int, parsed_url: Any, recursions: Any = ()) -> dict[str, str]:
            return {"$ref": f"#{parsed_url.fragment}"}

        return keep_ref
    return keep_ref_on_recursion


def resolve(sources: Sources) -> tuple[dict[str, Any], list[Nit]]:
    """The root document with every `$ref` inlined by prance (recursive ones kept as internal
    references), and a nit for each reference that had to be replaced by `{}`."""
    from prance.util import url as prance_url
    from prance.util.resolver import RESOLVE_FILES, RESOLVE_INTERNAL, RefResolver

    cache: dict[Any, Any] = {}
    for file, data in sources.files.items():
        if file != sources.root:
            key = (prance_url.urlresource(prance_url.absurl(file.as_uri())), False)
            cache[key] = wrap_ref_siblings(data)
    try:
        resolver = RefResolver(
            wrap_ref_siblings(sources.files[sources.root]),
            url=sources.root.as_uri(),
            reference_cache=cache,
            resolve_types=RESOLVE_INTERNAL | RESOLVE_FILES,
            recursion_limit_handler=_keep_ref_on_recursion(),
            strict=False,
        )
        resolver.resolve_references()
    except prance_url.ResolutionError as exc:
        first = str(exc).splitlines()[0]
        raise SpecError(f"{sources.shown}: unresolvable $ref: {first}") from None
    except RecursionError:
        raise SpecError(f"{sources.shown}: $ref chains nested too deeply to resolve") from None
    document = resolver.specs
    nits = _unconstrain_dangling(sources.shown, document)
    return document, nits


def _unconstrain_dangling(shown: Path, document: dict[str, Any]) -> list[Nit]:
    """Replace every `$ref` left in place that does not point inside `document` by `{}`."""
    nits: list[Nit] = []
    for node, where in containers(document):
        keys: list[Any] = list(node) if isinstance(node, dict) else list(range(len(node)))
        for key in keys:
            child = node[key]
            if (
                isinstance(child, dict)
                and isinstance(child.get("$ref"), str)
                and not points_inside(document, child["$ref"])
            ):
                reason = (
                    "remote references are not fetched"
                    if "://" in child["$ref"]
                    else "it does not resolve inside the document"
                )
                nits.append(
                    Nit(
                        shown,
                        (*location(where), str(key)),
                        f"$ref '{child['$ref']}' treated as an unconstrained schema: {reason}",
                    )
                )
                node[key] = {}
    return nits


def points_inside(document: Mapping[str, Any], ref: str) -> bool:
    """Whether `ref` is a JSON pointer (`#/a/b`) to something present in `document`."""
    return lookup(document, ref) is not None


def lookup(document: Mapping[str, Any], ref: str) -> Any:
    """The node a local `#/…` reference points at, or None."""
    if not ref.startswith("#/"):
        return None
    node: Any = document
    for part in ref[2:].split("/"):
        part = unquote(part).replace("~1", "/").replace("~0", "~")
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node


def wrap_ref_siblings(node: Any) -> Any:
    """`{$ref: X, default: d}` → `{allOf: [{$ref: X}], default: d}` for schema references.

    OpenAPI 3.1 gives keywords beside a `$ref` their meaning (a property's `default`, say), but
    inlining the target would drop them. The `allOf` form is the equivalent schema that survives
    resolution. Annotation-only siblings are left as they are.
    """
    if isinstance(node, list):
        return [wrap_ref_siblings(item) for item in node]
    if not isinstance(node, dict):
        return node
    wrapped = {key: wrap_ref_siblings(value) for key, value in node.items()}
    ref = node.get("$ref")
    schema_ref = isinstance(ref, str) and ("/schemas/" in ref or not ref.startswith("#"))
    if schema_ref and set(node) - {"$ref"} - _ANNOTATIONS:
        del wrapped["$ref"]
        wrapped["allOf"] = [{"$ref": ref}, *wrapped.get("allOf", [])]
    return wrapped


def _refs(data: Any) -> Iterator[str]:
    stack = [data]
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                yield ref
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


def _split(ref: str) -> tuple[str, str]:
    target, _, fragment = ref.partition("#")
    return target, fragment
