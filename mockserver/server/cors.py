"""CORS for every API, so a browser app on another origin can call the mock (the admin API
grants none: see `app` and `admin.Guard.forged`)."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.types import Message, Scope, Send

from .http import Response

ALLOWED_HEADERS = "Authorization, Content-Type, Prefer"
EXPOSED_HEADERS = "X-Mock-Error, WWW-Authenticate, Allow"
METHODS = "GET, POST, PUT, PATCH, DELETE, OPTIONS, HEAD"


@dataclass(frozen=True)
class Answer:
    """A preflight answer a vendor was seen to give (status and plain-text body)."""

    status: int
    body: str = ""


class Cors:
    """`--cors-origin`: `*` (default) or a comma-separated list of allowed origins; or, under
    `--fidelity observed`, the policy a vendor was seen to apply (`credentials`, and how it
    answers an allowed and a refused preflight)."""

    def __init__(
        self, origins: str, credentials: bool = False, allowed: Answer | None = None, refused: Answer | None = None
    ) -> None:
        self._any = origins.strip() == "*"
        self._origins = frozenset(o.strip().rstrip("/") for o in origins.split(",") if o.strip())
        self._credentials = credentials
        self._allowed_answer = allowed
        self._refused_answer = refused

    def allowed(self, origin: str) -> str | None:
        """The `Access-Control-Allow-Origin` value for `origin`, or None if it is not allowed."""
        if self._any:
            return "*"
        return origin if origin.rstrip("/") in self._origins else None

    def preflight(self, scope: Scope, origin: str) -> Response | None:
        """The answer to a CORS preflight, or None if `scope` is not one."""
        if scope["method"] != "OPTIONS" or not _header(scope, b"access-control-request-method"):
            return None
        allow = self.allowed(origin)
        if allow is None:
            if self._refused_answer is not None:
                refused = self._refused_answer
                extra = [("Access-Control-Allow-Credentials", "true")] if self._credentials else []
                return Response(
                    refused.status,
                    refused.body.encode(),
                    "text/plain; charset=utf-8",
                    extra,
                    problems=(f"preflight from {origin} refused, as the vendor refuses it",),
                )
            wider = ",".join(sorted(self._origins | {origin}))
            reason = f"preflight from {origin} refused: not in --cors-origin (add it: --cors-origin {wider})"
            return Response(403, media_type=None, problems=(reason,))
        requested = _header(scope, b"access-control-request-headers")
        headers = ALLOWED_HEADERS + (f", {requested}" if requested else "")
        answer = self._allowed_answer or Answer(204)
        return Response(
            answer.status,
            answer.body.encode(),
            "text/plain; charset=utf-8" if answer.body else None,
            headers=[
                ("Access-Control-Allow-Origin", allow),
                ("Access-Control-Allow-Methods", METHODS),
                ("Access-Control-Allow-Headers", headers),
                ("Access-Control-Max-Age", "600"),
                *([("Access-Control-Allow-Credentials", "true")] if self._credentials else []),
                *([] if self._any else [("Vary", "Origin")]),
            ],
        )

    def wrap(self, send: Send, origin: str) -> Send:
        """`send`, adding the CORS headers to the response start."""
        allow = self.allowed(origin)
        extra: list[tuple[bytes, bytes]] = []
        if allow is not None:
            extra += [
                (b"access-control-allow-origin", allow.encode("latin-1")),
                (b"access-control-expose-headers", EXPOSED_HEADERS.encode()),
            ]
        if self._credentials:  # an observed vendor (Starlette's CORSMiddleware) says it to every origin
            extra.append((b"access-control-allow-credentials", b"true"))
        if not extra:
            return send
        if not self._any:
            extra.append((b"vary", b"Origin"))

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        return send_with_cors


def is_preflight(method: str, headers: dict[str, str]) -> bool:
    """A CORS preflight (`OPTIONS` naming the method to come), not a call to the API."""
    return method == "OPTIONS" and "access-control-request-method" in headers and "origin" in headers


def origin_of(scope: Scope) -> str | None:
    return _header(scope, b"origin")


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None
