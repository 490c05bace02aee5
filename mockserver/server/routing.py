"""Connexion's part of the request path: find the operation a request addresses, and serve docs.

Connexion gets two views of each document. Its routing middleware receives a routing-only
document (every path and method, an operation id, nothing else), so quirks elsewhere in a
vendor's document — OpenAPI 3.1 keywords its 3.0-only checker rejects, parameters its URI parser
cannot type, missing operationIds — can never break routing. Its Swagger UI middleware receives
the real resolved document, so the docs show exactly what the vendor published. Connexion's
security and validation middlewares are not used: authentication and validation are the
pipeline's stages, driven by openapi-core.
"""

from __future__ import annotations

import copy
from typing import Any

from connexion.middleware.routing import RoutingMiddleware
from connexion.middleware.swagger_ui import SwaggerUIMiddleware
from connexion.resolver import Resolver
from connexion.spec import OpenAPISpecification
from starlette.types import ASGIApp

from ..spec.loader import Api

ROUTING_CONTEXT = "connexion_routing"


class _LoadedSpecification(OpenAPISpecification):
    """A document `specs.load_api` has already validated (3.0 or 3.1) and resolved.

    Connexion 3.3.0 checks documents against its bundled 3.0 schema only, and its `$ref`
    resolver recurses forever on recursive schemas (which prance leaves as `$ref`). Both steps
    already ran, better, at load time, so this keeps only connexion's bookkeeping.
    """

    def __init__(self, raw_spec: dict[str, Any], *, base_uri: str = "") -> None:
        self._raw_spec = copy.deepcopy(raw_spec)
        self._set_defaults(raw_spec)
        self._spec = raw_spec
        self._base_uri = base_uri


def routing_document(api: Api) -> dict[str, Any]:
    """Paths and methods of `api`, each named by its routing id, and nothing else."""
    paths: dict[str, dict[str, Any]] = {}
    for op in api.operations:
        paths.setdefault(op.path, {})[op.method.lower()] = {
            "operationId": op.routing_id,
            "responses": {"default": {"description": "served by the mock pipeline"}},
        }
    return {"openapi": "3.0.3", "info": {"title": api.name, "version": "0"}, "paths": paths}


def mount(apis: list[Api], pipeline: ASGIApp) -> ASGIApp:
    """Wrap `pipeline` in connexion's Swagger UI and routing middlewares for every API.

    The routing middleware stores `{"api_base_path", "operation_id"}` in the scope's
    `extensions["connexion_routing"]` before calling the pipeline; the operation id is `None`
    for a path no API declares.
    """
    resolver = Resolver(function_resolver=lambda _operation_id: pipeline)
    routing = RoutingMiddleware(pipeline)
    docs = SwaggerUIMiddleware(routing)
    for api in apis:
        routing.add_api(
            OpenAPISpecification(routing_document(api)),
            base_path=api.base_path,
            resolver=resolver,
        )
        docs.add_api(_LoadedSpecification(api.mounted_document), base_path=api.base_path)
    return docs
