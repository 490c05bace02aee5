"""Shared fixtures: one real server per session, plus helpers that judge responses with
openapi-core, the authority on what the specs allow."""

from __future__ import annotations

import contextlib
import json
import shutil
import socket
import subprocess
import time
from pathlib import Path
from typing import Any, Iterator

import httpx
import pytest
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse

from mockserver.config import FIXTURES
from mockserver.testing.pytest_plugin import MockServerFixture
from mockserver.spec import Api, load_directory

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parent.parent
SPECS = ROOT / "specs"
VENDORS = ("mielto", "agno", "omi", "memoram", "memoryplugin")
TOKEN = "test-token"


def valid_body(api: str) -> dict[str, Any]:
    """A create request the vendor accepts, from fixtures/requests/."""
    return json.loads((FIXTURES / "requests" / f"{api}.json").read_text())


@pytest.fixture(scope="session")
def apis() -> dict[str, Api]:
    return {api.name: api for api in load_directory(SPECS)}


@pytest.fixture(scope="session")
def server(mockserver_session: MockServerFixture) -> MockServerFixture:
    """The plugin's session server (the project's tests use the plugin they ship)."""
    return mockserver_session


@pytest.fixture(scope="session")
def client(server: MockServerFixture) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.root, timeout=10) as http:
        yield http


@pytest.fixture(scope="session")
def oracle(apis: dict[str, Api]) -> dict[str, OpenAPI]:
    """openapi-core, configured with each API's mounted document."""
    return {name: OpenAPI.from_dict(api.mounted_document) for name, api in apis.items()}


def assert_valid_response(
    openapi: OpenAPI, request: httpx.Request, response: httpx.Response
) -> None:
    """openapi-core accepts `response` as an answer to `request` (raises otherwise)."""
    mock_request = MockRequest(
        f"{request.url.scheme}://{request.url.netloc.decode()}",
        request.method.lower(),
        request.url.path,
        data=request.content,
        headers=dict(request.headers),
        content_type=request.headers.get("content-type", "application/json"),
    )
    mock_response = MockResponse(
        data=response.content,
        status_code=response.status_code,
        headers=dict(response.headers),
        content_type=response.headers.get("content-type", "application/json"),
    )
    openapi.validate_response(mock_request, mock_response)


def free_port() -> int:
    """A port nothing listens on now (loopback)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real redis-server on loopback for this test session (`make test` installs the Debian
    package when it is missing); its URL."""
    from mockserver.state.redis import connect

    server = shutil.which("redis-server")
    assert server, "redis-server is missing: `make test` installs it (Debian package redis-server)"
    port = free_port()
    folder = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(folder)], stdout=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 10
    while True:
        try:
            connect(url)
            break
        except RuntimeError:
            if time.monotonic() > deadline:
                process.kill()
                raise
            time.sleep(0.05)
    yield url
    process.terminate()
    process.wait(10)


AGNO_PYTHON = ROOT / ".venv-agno" / "bin" / "python"


@contextlib.contextmanager
def running_agentos(folder: Path) -> Iterator[str]:
    """A real Agno AgentOS on a free loopback port (the pinned `agno` in `.venv-agno`, which
    `make test` builds; bearer key `test-token`, a fresh SQLite database in `folder`); its root
    URL while the block runs."""
    assert AGNO_PYTHON.exists(), "the real AgentOS lives in .venv-agno: run `make test` (it creates it)"
    port = free_port()
    process = subprocess.Popen([str(AGNO_PYTHON), str(ROOT / "tests" / "vendors" / "agentos.py"), str(port), str(folder / "agno.db")], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    root = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    try:
        while True:
            try:
                httpx.get(root + "/health", timeout=1)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError("AgentOS did not start: " + (process.stderr.read().decode() if process.stderr and process.poll() is not None else "timed out"))
                time.sleep(0.2)
        yield root
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture(scope="module")
def agentos(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real AgentOS for the tests of one module (see `running_agentos`)."""
    with running_agentos(tmp_path_factory.mktemp("agno")) as root:
        yield root
