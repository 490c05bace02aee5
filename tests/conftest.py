"""Shared fixtures: one real server per session, plus helpers that judge responses with
openapi-core, the authority on what the specs allow."""

from __future__ import annotations

import contextlib
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import settings
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse

from mockserver.config import FIXTURES
from mockserver.spec import Api, load_directory
from mockserver.testing.pytest_plugin import MockServerFixture

pytest_plugins = ["pytester"]

# Hypothesis: `dev` (the default) replays the same examples on every run, so a local failure
# stays put while it is fixed; `ci` (HYPOTHESIS_PROFILE=ci, set by .ci/run) explores new ones on
# every run from a seed printed in the report header, so a CI failure can be replayed with
# `pytest --hypothesis-seed=N`.
settings.register_profile("dev", derandomize=True)
settings.register_profile("ci", derandomize=False, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """Under the `ci` profile, one seed for the whole run (every xdist worker gets it)."""
    if settings().derandomize or config.getoption("hypothesis_seed", None) is not None:
        return
    seed = os.environ.get("MOCKSERVER_HYPOTHESIS_SEED") or str(random.randrange(2**32))
    os.environ["MOCKSERVER_HYPOTHESIS_SEED"] = seed  # inherited by the xdist workers
    config.option.hypothesis_seed = int(seed)


def pytest_report_header(config: pytest.Config) -> str:
    seed = config.getoption("hypothesis_seed", None)
    profile = os.environ.get("HYPOTHESIS_PROFILE", "dev")
    return f"hypothesis profile: {profile}" + (
        f", seed {seed} (replay: pytest --hypothesis-seed={seed})" if seed is not None else " (derandomized)"
    )


ROOT = Path(__file__).resolve().parent.parent
SPECS = ROOT / "specs"
VENDORS = ("mielto", "agno", "omi", "memoram", "memoryplugin")
TOKEN = "test-token"
# Each shipped vendor's create operation, as the mock serves it.
PATHS = {
    "mielto": "/mielto/api/v1/memories",
    "agno": "/agno/memories",
    "omi": "/omi/v1/dev/user/memories",
    "memoram": "/memoram/api/v1/memory-blobs",
    "memoryplugin": "/memoryplugin/api/memory",
}


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


def assert_valid_response(openapi: OpenAPI, request: httpx.Request, response: httpx.Response) -> None:
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
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(folder)],
        stdout=subprocess.DEVNULL,
    )
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
    ended(process, 10)


def free_run(count: int) -> int:
    """A base port with `count` free consecutive ports after it."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base = probe.getsockname()[1]
        if base + count > 65535:
            continue
        try:
            held = []
            for port in range(base, base + count):
                sock = socket.socket()
                held.append(sock)
                sock.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for sock in held:
                sock.close()
    raise RuntimeError("no free port range")


def ended(process: subprocess.Popen[Any], timeout: float = 10) -> None:
    """Stop a server the test started and close its pipes (an open pipe is a ResourceWarning,
    and warnings are errors here)."""
    process.terminate()
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout)
    for stream in (process.stdin, process.stdout, process.stderr):
        if stream is not None:
            stream.close()


def serving(*args: str, timeout: float = 60) -> tuple[subprocess.Popen[str], str]:
    """`mockserver serve ARGS` as a user runs it, on a free loopback port: the process (its
    output piped, as text) and its root URL, once `/__admin/health` answers 200. Stop it with
    `ended`."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "mockserver", "serve", "--port", str(port), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    root = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(root + "/__admin/health", timeout=1).status_code == 200:
                return process, root
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline or process.poll() is not None:
            process.kill()
            why = process.stderr.read() if process.stderr else ""
            ended(process)
            raise RuntimeError(f"mockserver {' '.join(args)} did not start: {why}")
        time.sleep(0.05)


AGNO_PYTHON = ROOT / ".venv-agno" / "bin" / "python"


@contextlib.contextmanager
def running_agentos(folder: Path) -> Iterator[str]:
    """A real Agno AgentOS on a free loopback port (the pinned `agno` in `.venv-agno`, which
    `make test` builds; bearer key `test-token`, a fresh SQLite database in `folder`); its root
    URL while the block runs."""
    assert AGNO_PYTHON.exists(), "the real AgentOS lives in .venv-agno: run `make test` (it creates it)"
    port = free_port()
    process = subprocess.Popen(
        [str(AGNO_PYTHON), str(ROOT / "tests" / "vendors" / "agentos.py"), str(port), str(folder / "agno.db")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    root = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    try:
        while True:
            try:
                httpx.get(root + "/health", timeout=1)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(
                        "AgentOS did not start: "
                        + (
                            process.stderr.read().decode()
                            if process.stderr and process.poll() is not None
                            else "timed out"
                        )
                    ) from None
                time.sleep(0.2)
        yield root
    finally:
        ended(process, 10)


@pytest.fixture(scope="module")
def agentos(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real AgentOS for the tests of one module (see `running_agentos`)."""
    with running_agentos(tmp_path_factory.mktemp("agno")) as root:
        yield root
