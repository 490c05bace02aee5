"""connexion's Swagger UI middleware mounted with every API's document (imported by `docs` on
the first documentation request)."""

from __future__ import annotations

import warnings
from typing import Any

from starlette.types import ASGIApp

with warnings.catch_warnings():
    # connexion 3.3.0 imports starlette's test client, which warns about httpx on import.
    warnings.filterwarnings("ignore", message=".*starlette.testclient.*")
    from connexion.middleware.swagger_ui import SwaggerUIMiddleware
    from connexion.options import SwaggerUIOptions
    from connexion.spec import OpenAPISpecification

from ..spec import Api

class _LoadedSpecification(OpenAPISpecification):
    """A document `spec.loader` has already validated (3.0 or 3.1) and resolved.

    Connexion 3.3.0 checks documents against its bundled 3.0 schema only, and its `$ref`
    resolver recurses forever on recursive schemas (which prance leaves as `$ref`). Both steps
    already ran, better, at load time, so this keeps only connexion's bookkeeping.
    """

    def __init__(self, raw_spec: dict[str, Any], *, base_uri: str = "") -> None:
        self._raw_spec = raw_spec
        self._spec = {**raw_spec, "components": raw_spec.get("components") or {}}
        self._base_uri = base_uri

    def with_base_path(self, base_path: str) -> "_LoadedSpecification":
        """The document as seen under `base_path`: itself when mounted there (always, unless a
        proxy adds a root path). Connexion's version deep-copies the whole document twice per
        request, which for a large document takes longer than the rest of the request."""
        if [{"url": base_path}] == self._spec.get("servers"):
            return self
        return _LoadedSpecification({**self._raw_spec, "servers": [{"url": base_path}]}, base_uri=self._base_uri)


# A mock is for trying requests: the page opens ready to send them, keeps the token entered
# in Authorize across reloads (in the browser's storage), and shows how long each took.
_UI_CONFIG = {"persistAuthorization": True, "tryItOutEnabled": True, "displayRequestDuration": True}


def docs_app(apis: list[Api], fallback: ASGIApp) -> ASGIApp:
    """Swagger UI for every API; any other path goes to `fallback`."""
    docs = SwaggerUIMiddleware(fallback)
    options = SwaggerUIOptions(swagger_ui_config=_UI_CONFIG)
    for api in apis:
        docs.add_api(_LoadedSpecification(api.mounted_document), base_path=api.base_path, swagger_ui_options=options)
    return docs
