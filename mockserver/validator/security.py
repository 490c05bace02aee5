"""Authentication as each operation declares it, checked before the body is looked at.

An operation's `security` is a list of alternatives (any one may be satisfied), each naming one
or more schemes (all must be satisfied); an empty alternative makes authentication optional.
Every scheme type is read from the request where the spec puts it: `http` bearer/basic in
`Authorization`, `apiKey` in a header, query parameter or cookie, `oauth2`/`openIdConnect` as a
bearer token. What counts as a valid credential is set by the `AuthPolicy`.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import yaml

from ..server.http import Request

MODES = ("tokens", "any", "off")
ENV_TOKENS = "MOCKSERVER_TOKENS"


@dataclass(frozen=True)
class AuthPolicy:
    """`tokens`: only known credentials; `any`: any well-formed one; `off`: no check at all."""

    mode: str = "tokens"
    tokens: frozenset[str] = frozenset()

    def accepts(self, credential: str) -> bool:
        return self.mode == "any" or credential in self.tokens


def fixture_tokens(fixtures: Path) -> frozenset[str]:
    """The test tokens of `fixtures/tokens.yaml`: public by design, so the index page shows them."""
    file = fixtures / "tokens.yaml"
    if not file.is_file():
        return frozenset()
    data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
    return frozenset(str(t) for t in data.get("tokens") or [])


def load_tokens(fixtures: Path, extra: Iterable[str] = ()) -> frozenset[str]:
    """Tokens from `fixtures/tokens.yaml`, `MOCKSERVER_TOKENS` (comma-separated) and `--token`."""
    tokens: set[str] = set(fixture_tokens(fixtures))
    tokens.update(t.strip() for t in os.environ.get(ENV_TOKENS, "").split(",") if t.strip())
    tokens.update(extra)
    return frozenset(tokens)


@dataclass(frozen=True)
class Denial:
    """Why a request is not authenticated, and the challenge to send back."""

    message: str
    challenge: str
    missing: bool = False  # no credential at all (rather than one that is not accepted)


class Authenticator:
    """Checks one operation's security requirements against a request."""

    def __init__(
        self,
        requirements: Iterable[Mapping[str, list[str]]],
        schemes: Mapping[str, Mapping[str, object]],
        policy: AuthPolicy,
    ) -> None:
        self._requirements = [dict(r) for r in requirements]
        self._schemes = schemes
        self._policy = policy
        self.required = policy.mode != "off" and bool(self._requirements) and all(self._requirements)
        # each alternative's schemes as ready checks: the document fixes them, the request is
        # all that varies
        self._alternatives = tuple(
            tuple(self._scheme_check(name) for name in alternative) for alternative in self._requirements
        )

    def check(self, request: Request) -> Denial | None:
        """None when some alternative is satisfied, else the first alternative's first denial."""
        if not self.required:
            return None
        first: Denial | None = None
        for checks in self._alternatives:
            denial = next((found for check in checks if (found := check(request)) is not None), None)
            if denial is None:
                return None
            first = first or denial
        return first

    def _scheme_check(self, name: str) -> Callable[[Request], Denial | None]:
        """How the scheme `name` is checked: where its credential is read from, and how."""
        scheme = self._schemes.get(name) or {}
        kind = str(scheme.get("type", "")).lower()
        if kind == "http":
            http_scheme = str(scheme.get("scheme", "bearer")).lower()
            if http_scheme == "basic":
                return self._basic
            return partial(self._authorization, expected=http_scheme.capitalize())
        if kind in ("oauth2", "openidconnect"):
            return partial(self._authorization, expected="Bearer")
        if kind == "apikey":
            return partial(self._api_key, scheme)
        return _satisfied

    def _authorization(self, request: Request, expected: str) -> Denial | None:
        challenge = expected
        header = request.headers.get("authorization")
        if header is None or not header.strip():
            return Denial("Not authenticated", challenge, missing=True)
        scheme, _, credential = header.strip().partition(" ")
        if scheme.lower() != expected.lower():
            return Denial(f"Invalid authentication scheme: expected {expected}", challenge)
        credential = credential.strip()
        if not credential or " " in credential:
            return Denial("Invalid authorization header", challenge)
        if not self._policy.accepts(credential):
            return Denial("Invalid authentication credentials", challenge)
        return None

    def _basic(self, request: Request) -> Denial | None:
        challenge = 'Basic realm="mockserver"'
        header = request.headers.get("authorization")
        if header is None or not header.strip():
            return Denial("Not authenticated", challenge, missing=True)
        scheme, _, encoded = header.strip().partition(" ")
        if scheme.lower() != "basic":
            return Denial("Invalid authentication scheme: expected Basic", challenge)
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return Denial("Invalid authorization header", challenge)
        _user, colon, password = decoded.partition(":")
        if not colon:
            return Denial("Invalid authorization header", challenge)
        if not (self._policy.accepts(decoded) or self._policy.accepts(password)):
            return Denial("Invalid authentication credentials", challenge)
        return None

    def _api_key(self, scheme: Mapping[str, object], request: Request) -> Denial | None:
        name = str(scheme.get("name", ""))
        where = str(scheme.get("in", "header"))
        if where == "query":
            value = next((v for k, v in request.query if k == name), None)
        elif where == "cookie":
            value = request.cookies.get(name)
        else:
            value = request.headers.get(name.lower())
        challenge = "Bearer"
        if not value:
            return Denial("Not authenticated", challenge, missing=True)
        if not (self._policy.accepts(value) or self._policy.accepts(_without_scheme(value))):
            return Denial("Invalid API key", challenge)
        return None


def _satisfied(request: Request) -> Denial | None:
    """A scheme type this mock does not check (e.g. `mutualTLS`): always satisfied."""
    return None


def _without_scheme(value: str) -> str:
    """The key of `Token <key>`, `Api-Key <key>`, `Bearer <key>`: API keys carried in the
    `Authorization` header are usually documented with a scheme word in front (in prose, since
    an apiKey scheme has no field for it), so a key is accepted with or without one."""
    scheme, space, key = value.strip().partition(" ")
    return key.strip() if space and scheme.replace("-", "").replace("_", "").isalnum() else value
