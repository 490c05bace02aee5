"""The validate-response stage: the guard that every generated body satisfies the document.

A violation here is the mock's own bug (the generator is meant to be right by construction), so
the pipeline logs it as `MOCKSERVER BUG` and answers 500 rather than send a body that breaks the
contract. JSON and text bodies are checked; XML has no schema mapping in openapi-core.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jsonschema_path import SchemaPath

from .. import media
from ..problems import ErrorItem
from ..spec import Api, Operation
from .schema import SchemaCheck, factories


class ResponseValidator:
    """Validates generated bodies before they are sent; each schema compiled on first use."""

    def __init__(self, api: Api, spec: SchemaPath) -> None:
        _, self._factory = factories(api.openapi)
        self._openapi = api.openapi
        self._spec = spec
        self._checks: dict[tuple[str, str, str], SchemaCheck | None] = {}

    def errors(self, op: Operation, status_key: str, media_type: str, body: Any) -> list[ErrorItem]:
        key = (op.routing_id, status_key, media_type)
        if key not in self._checks:
            self._checks[key] = self._compile(op, status_key, media_type)
        check = self._checks[key]
        return check.errors(body, ("response",)) if check else []

    def compiled(self, op: Operation) -> dict[tuple[str, str], SchemaCheck]:
        """Every response check of `op`, compiled now, by (status key, media type)."""
        found = {}
        for status_key, response in op.responses.items():
            content = response.get("content") if isinstance(response, Mapping) else None
            for media_type in content if isinstance(content, Mapping) else ():
                key = (op.routing_id, status_key, media_type)
                if key not in self._checks:
                    self._checks[key] = self._compile(op, status_key, media_type)
                check = self._checks[key]
                if check is not None:
                    found[(status_key, media_type)] = check
        return found

    def _compile(self, op: Operation, status_key: str, media_type: str) -> SchemaCheck | None:
        if media.is_xml(media_type) or not (media.is_json(media_type) or media.is_text(media_type)):
            return None
        response = op.responses.get(status_key)
        content = response.get("content") if isinstance(response, Mapping) else None
        definition = content.get(media_type) if isinstance(content, Mapping) else None
        if not isinstance(definition, Mapping) or "schema" not in definition:
            return None
        path = (
            self._spec
            / "paths"
            / op.path
            / op.method.lower()
            / "responses"
            / status_key
            / "content"
            / media_type
            / "schema"
        )
        return SchemaCheck(self._factory, self._spec, path, self._openapi)
