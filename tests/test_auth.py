"""Authentication as declared: every scheme type, every way to configure credentials."""

from __future__ import annotations

import base64
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mockserver.config import Settings
from mockserver.testing.thread import ServerThread

from conftest import TOKEN

SECURED = Path(__file__).parent / "data" / "secured.yaml"


def start(tmp: Path, **options: object) -> ServerThread:
    specs = tmp / "specs"
    specs.mkdir(exist_ok=True)
    shutil.copy(SECURED, specs / "notes.yaml")
    return ServerThread(Settings(specs=specs, quiet=True, **options)).start()  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def notes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    server = start(tmp_path_factory.mktemp("notes"), tokens=("cli-token",))
    with httpx.Client(base_url=server.url("notes")) as client:
        yield client
    server.stop()


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


ACCEPTED = [
    ("/bearer", {"headers": {"Authorization": f"Bearer {TOKEN}"}}),
    ("/bearer", {"headers": {"Authorization": f"bearer {TOKEN}"}}),
    ("/bearer", {"headers": {"Authorization": "Bearer cli-token"}}),
    ("/basic", {"headers": {"Authorization": basic("ada", TOKEN)}}),
    ("/header-key", {"headers": {"X-API-Key": TOKEN}}),
    ("/query-key", {"params": {"api_key": TOKEN}}),
    ("/cookie-key", {"headers": {"Cookie": f"session={TOKEN}"}}),
    ("/either", {"headers": {"X-API-Key": TOKEN}}),
    ("/either", {"headers": {"Authorization": f"Bearer {TOKEN}"}}),
    ("/optional", {}),
]
REJECTED = [
    ("/bearer", {}, "Not authenticated", "Bearer"),
    ("/bearer", {"headers": {"Authorization": "Bearer"}}, "Invalid authorization header", "Bearer"),
    ("/bearer", {"headers": {"Authorization": "Bearer two words"}}, "Invalid authorization header", "Bearer"),
    (
        "/bearer",
        {"headers": {"Authorization": f"Token {TOKEN}"}},
        "Invalid authentication scheme: expected Bearer",
        "Bearer",
    ),
    ("/bearer", {"headers": {"Authorization": "Bearer nope"}}, "Invalid authentication credentials", "Bearer"),
    ("/basic", {"headers": {"Authorization": "Basic !!!"}}, "Invalid authorization header", 'Basic realm="mockserver"'),
    (
        "/basic",
        {"headers": {"Authorization": basic("ada", "wrong")}},
        "Invalid authentication credentials",
        'Basic realm="mockserver"',
    ),
    ("/header-key", {"headers": {"X-API-Key": "nope"}}, "Invalid API key", "Bearer"),
    ("/query-key", {"headers": {"X-API-Key": TOKEN}}, "Not authenticated", "Bearer"),
    ("/cookie-key", {"params": {"session": TOKEN}}, "Not authenticated", "Bearer"),
    ("/either", {"headers": {"Authorization": "Bearer nope"}}, "Invalid authentication credentials", "Bearer"),
]


@pytest.mark.parametrize(("path", "request_options"), ACCEPTED)
def test_known_credentials_are_accepted_where_the_spec_puts_them(
    notes: httpx.Client, path: str, request_options: dict
) -> None:
    assert notes.get(path, **request_options).status_code == 200


@pytest.mark.parametrize(("path", "request_options", "message", "challenge"), REJECTED)
def test_bad_credentials_get_401_in_the_declared_shape(
    notes: httpx.Client, path: str, request_options: dict, message: str, challenge: str
) -> None:
    response = notes.get(path, **request_options)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == challenge
    assert response.json() == {"message": message, "code": 401}


def test_tokens_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOCKSERVER_TOKENS", "env-one, env-two")
    server = start(tmp_path)
    try:
        for token in ("env-one", "env-two", TOKEN):
            assert (
                httpx.get(server.url("notes") + "/bearer", headers={"Authorization": f"Bearer {token}"}).status_code
                == 200
            )
        assert (
            httpx.get(server.url("notes") + "/bearer", headers={"Authorization": "Bearer cli-token"}).status_code == 401
        )
    finally:
        server.stop()


def test_auth_any_accepts_any_well_formed_credential(tmp_path: Path) -> None:
    server = start(tmp_path, auth="any")
    try:
        url = server.url("notes")
        assert httpx.get(url + "/bearer", headers={"Authorization": "Bearer whatever"}).status_code == 200
        assert httpx.get(url + "/header-key", headers={"X-API-Key": "whatever"}).status_code == 200
        assert httpx.get(url + "/bearer").status_code == 401
        assert httpx.get(url + "/bearer", headers={"Authorization": "Basic eA=="}).status_code == 401
    finally:
        server.stop()


def test_auth_off_skips_the_check(tmp_path: Path) -> None:
    server = start(tmp_path, auth="off")
    try:
        assert httpx.get(server.url("notes") + "/bearer").status_code == 200
    finally:
        server.stop()


def test_an_api_key_in_the_authorization_header_is_accepted_with_its_documented_scheme_word() -> None:
    """`Authorization: Token <key>` (the scheme word lives in the description of an apiKey
    scheme, which has no field for it), `Api-Key <key>` and the bare key all authenticate."""
    with ServerThread(Settings(specs=Path(__file__).parent / "data" / "defects", quiet=True)) as running:
        url = running.url("shapes") + "/text"
        for value in ("Token test-token", "Api-Key test-token", "test-token"):
            assert httpx.get(url, headers={"Authorization": value}).status_code == 200, value
        for value in ("Token wrong", "Token", "Token test-token extra", ""):
            assert httpx.get(url, headers={"Authorization": value}).status_code == 401, value
