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

import yaml

from ..config import FIXTURES
from ..spec import Api
from .admin import ADMIN_PREFIX, WEB
from .served import UI_DOCUMENT, served_document, server_url


class _LoadedSpecification(OpenAPISpecification):  # type: ignore[misc]  # connexion publishes no types
    """A document `spec.loader` has already validated (3.0 or 3.1) and resolved.

    Connexion 3.3.0 checks documents against its bundled 3.0 schema only, and its `$ref`
    resolver recurses forever on recursive schemas (which prance leaves as `$ref`). Both steps
    already ran, better, at load time, so this keeps only connexion's bookkeeping.
    """

    def __init__(self, raw_spec: dict[str, Any], mount: str, *, base_uri: str = "") -> None:
        self._raw_spec = raw_spec
        self._spec = {**raw_spec, "components": raw_spec.get("components") or {}}
        self._base_uri = base_uri
        self._mount = mount

    @property
    def base_path(self) -> str:
        return str(super().base_path)

    @base_path.setter
    def base_path(self, base_path: str) -> None:
        """Kept as served: the document already names its mount path as its server (`/` on an
        API's own port, where connexion would write an empty URL)."""

    def with_base_path(self, base_path: str) -> _LoadedSpecification:
        """The document as seen under `base_path`: itself when that is where it is mounted
        (always, unless a proxy adds a root path). Connexion's version deep-copies the whole
        document twice per request, which for a large document takes longer than the rest of
        the request."""
        if base_path == self._mount:
            return self
        server = base_path + str(self._spec["servers"][0]["url"])[len(self._mount) :]
        return _LoadedSpecification(
            {**self._raw_spec, "servers": [{"url": server or "/"}]}, base_path, base_uri=self._base_uri
        )


# A mock is for trying requests: the page opens ready to send them, keeps the token entered
# in Authorize across reloads (in the browser's storage), and shows how long each took.
_UI_CONFIG = {"persistAuthorization": True, "tryItOutEnabled": True, "displayRequestDuration": True}


def docs_app(apis: list[Api], fallback: ASGIApp, own_port: bool = False) -> ASGIApp:
    """Swagger UI for every API, and for the admin API; any other path goes to `fallback`.

    On an API's own port (`own_port`, one API) its documentation sits at the root: `/ui/`,
    `/openapi.json`, with `/` as the document's server."""
    docs = SwaggerUIMiddleware(fallback)
    # The page's copy has additions (see `served`) a fuzzer must not see: it lives beside the
    # page, and `<base>/openapi.json` stays the document itself (served by `Docs`).
    options = SwaggerUIOptions(swagger_ui_config=_UI_CONFIG, spec_path=UI_DOCUMENT)
    for api in apis:
        mount = "" if own_port else api.base_path
        document = served_document(api, FIXTURES, server_url(api, own_port))
        docs.add_api(_LoadedSpecification(document, mount), base_path=mount, swagger_ui_options=options)
    if not own_port:
        admin = yaml.safe_load((WEB / "admin.yaml").read_text(encoding="utf-8"))
        admin_options = SwaggerUIOptions(swagger_ui_config=_UI_CONFIG)
        docs.add_api(
            _LoadedSpecification(admin, ADMIN_PREFIX), base_path=ADMIN_PREFIX, swagger_ui_options=admin_options
        )
    served: ASGIApp = docs
    return served
