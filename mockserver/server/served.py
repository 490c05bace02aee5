"""The documents served over HTTP: `<base>/openapi.json` (and `.yaml`) is the document itself
with the mock as its server — the contract, what a client's schemathesis run fuzzes — and
`<base>/ui/openapi.json` is the copy Swagger UI shows: the document plus what lets a person try
it at once. `specs/` is never touched, and validation keeps using the document itself.

- **Realistic request bodies**: the bodies in `fixtures/requests/<api>.json` (and any
  `fixtures/requests/<api>/<name>.json`) become named examples of every JSON request body whose
  schema accepts them (judged by openapi-core's validators), listed first so Try it out
  starts from a body the vendor would accept instead of `"string"` placeholders.
- **`Prefer`**: every operation gains an optional `Prefer` header parameter offering the answers
  the mock can be asked for (`code=` each declared status, `example=` each named example,
  `dynamic=true`), unless the document declares `Prefer` itself.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jsonschema_path import SchemaPath

from ..spec import Api
from ..spec.model import SEPARATOR, Operation, own_prefix
from ..validator.schema import SchemaCheck, factories

UI_DOCUMENT = "/ui/openapi.json"  # the page's copy, relative to an API's base
PREFER_DESCRIPTION = (
    "mockserver: which answer to give (sent as the `Prefer` header; empty for the usual one). "
    "`code=N` a declared status, `example=NAME` a named example, `dynamic=true` generated data."
)


def server_url(api: Api, own_port: bool) -> str:
    """Where `api`'s paths start: its mount path, or on its own port (`--port-per-api`) the
    document's own server path (`/api/v1`), `/` when that is empty."""
    return (api.base_path[len(own_prefix(api)) :] or "/") if own_port else api.base_path


def contract(api: Api, server: str) -> dict[str, Any]:
    """`api`'s document with `server` as its only server: nothing added."""
    return {**api.document, "servers": [{"url": server}]}


def served_document(api: Api, fixtures: Path, server: str) -> dict[str, Any]:
    """`api`'s document as Swagger UI gets it, with `server` as its only server URL."""
    bodies = _fixture_bodies(fixtures / "requests", api.name)
    checker = _BodyChecker(api) if bodies else None
    paths: dict[str, Any] = dict(api.document.get("paths") or {})
    for op in api.operations:
        method = op.method.lower()
        item = paths.get(op.path)
        if not isinstance(item, Mapping) or not isinstance(item.get(method), Mapping):
            continue
        operation = dict(item[method])
        operation["parameters"] = _with_prefer(op, list(operation.get("parameters") or []))
        if checker is not None and op.request_body is not None:
            body = _with_examples(op, op.request_body, bodies, checker)
            if body is not None:
                operation["requestBody"] = body
        paths[op.path] = {**item, method: operation}
    return {**api.document, "servers": [{"url": server}], "paths": paths}


def _fixture_bodies(folder: Path, name: str) -> dict[str, tuple[str, Any]]:
    """Example name → (summary, body), from `<name>.json` and `<name>/*.json`; unreadable
    files are skipped (the tests that use them say why)."""
    found: dict[str, tuple[str, Any]] = {}
    files = [("realistic", folder / f"{name}.json")]
    if (folder / name).is_dir():
        files += [(file.stem, file) for file in sorted((folder / name).glob("*.json"))]
    for key, file in files:
        try:
            found[key] = (
                f"{key} (fixtures/requests/{file.relative_to(folder)})",
                json.loads(file.read_text(encoding="utf-8")),
            )
        except (OSError, ValueError):
            continue
    return found


class _BodyChecker:
    """Whether a body satisfies an operation's request schema, per openapi-core."""

    def __init__(self, api: Api) -> None:
        self._spec = SchemaPath.from_dict(api.mounted_document, separator=SEPARATOR)
        self._factory = factories(api.openapi)[0]
        self._openapi = api.openapi

    def accepts(self, op: Operation, media_type: str, body: Any) -> bool:
        schema = self._spec / "paths" / op.path / op.method.lower() / "requestBody" / "content" / media_type / "schema"
        try:
            return not SchemaCheck(self._factory, self._spec, schema, self._openapi).errors(body, ("body",))
        except Exception:  # a schema openapi-core cannot compile offers no examples, nothing worse
            return False


def _with_examples(
    op: Operation, request_body: Mapping[str, Any], bodies: dict[str, tuple[str, Any]], checker: _BodyChecker
) -> dict[str, Any] | None:
    """The request body with the fixture bodies its JSON schemas accept as named examples."""
    content = request_body.get("content")
    if not isinstance(content, Mapping):
        return None
    changed: dict[str, Any] = {}
    for media_type, media in content.items():
        if not isinstance(media, Mapping) or "json" not in media_type or "schema" not in media:
            continue
        accepted = {
            key: {"summary": summary, "value": body}
            for key, (summary, body) in bodies.items()
            if checker.accepts(op, media_type, body)
        }
        if not accepted:
            continue
        own = dict(media.get("examples") or {})
        if "example" in media:
            own.setdefault("document", {"summary": "the document's example", "value": media["example"]})
        changed[media_type] = {**{k: v for k, v in media.items() if k != "example"}, "examples": {**accepted, **own}}
    if not changed:
        return None
    return {**request_body, "content": {**content, **changed}}


def _with_prefer(op: Operation, parameters: list[Any]) -> list[Any]:
    """`parameters` plus an optional `Prefer` header listing the answers on offer."""
    declared = {(p.get("in"), str(p.get("name", "")).lower()) for p in op.parameters if isinstance(p, Mapping)}
    if ("header", "prefer") in declared:
        return parameters
    choices = [f"code={status}" for status in op.responses if status.isdigit()]
    for response in op.responses.values():
        for media in (response.get("content") or {}).values() if isinstance(response, Mapping) else ():
            if isinstance(media, Mapping) and isinstance(media.get("examples"), Mapping):
                choices += [f"example={name}" for name in media["examples"] if f"example={name}" not in choices]
    choices.append("dynamic=true")
    return [
        *parameters,
        {
            "name": "Prefer",
            "in": "header",
            "required": False,
            "description": PREFER_DESCRIPTION,
            "schema": {"type": "string", "enum": choices},
        },
    ]
