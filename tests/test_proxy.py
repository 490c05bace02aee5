"""The validating proxy (`--upstream`) in front of a real Agno AgentOS: answers come back as
the vendor sent them, the ways both sides depart from the shipped document are reported in
`X-Mock-Violations` and the journal, exchanges are recorded as files, and an unreachable or
silent vendor is a 502 or 504 in the API's error style."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from mockserver.config import Settings
from mockserver.testing.thread import ServerThread

from conftest import SPECS, TOKEN, free_port

AUTH = {"Authorization": f"Bearer {TOKEN}"}
_HOP = {"date", "content-length"}  # the proxy's own framing and clock


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("recording")


@pytest.fixture(scope="module")
def proxy(agentos: str, recording: Path) -> Iterator[str]:
    """The five shipped documents, Agno's forwarded to the real AgentOS; its root URL."""
    settings = Settings(specs=SPECS, quiet=True, data=None, upstreams={"agno": agentos}, record=recording)
    with ServerThread(settings) as server:
        yield server.root


def _both(agentos: str, proxy: str, method: str, path: str, **kwargs: Any) -> tuple[httpx.Response, httpx.Response]:
    direct = httpx.request(method, agentos + path, **kwargs)
    proxied = httpx.request(method, proxy + "/agno" + path, **kwargs)
    return direct, proxied


def _headers(response: httpx.Response) -> list[tuple[str, str]]:
    return sorted((k.lower(), v) for k, v in response.headers.multi_items() if k.lower() not in _HOP)


def test_answers_come_back_untouched(agentos: str, proxy: str) -> None:
    """Status, headers and body bytes as the vendor sent them; only the violations header is
    the proxy's."""
    cases = [
        (
            "POST",
            "/memories",
            {"json": {"memory": "Prefers tea", "user_id": "u1", "topics": ["food"]}, "headers": AUTH},
        ),
        ("POST", "/memories", {"json": {"memory": 5}, "headers": AUTH}),
        ("GET", "/memories", {"params": {"user_id": "nobody"}, "headers": AUTH}),
        ("POST", "/memories", {"json": {"memory": "x"}}),
        ("GET", "/health", {}),
    ]
    for method, path, kwargs in cases:
        direct, proxied = _both(agentos, proxy, method, path, **kwargs)
        assert proxied.status_code == direct.status_code, path
        if "memory_id" not in direct.text:
            assert proxied.content == direct.content, path
        assert [h for h in _headers(proxied) if h[0] != "x-mock-violations"] == _headers(direct), path
        assert len(proxied.headers.get_list("date")) == 1 and len(proxied.headers.get_list("server")) == 1


def test_the_known_drifts_are_reported(proxy: str) -> None:
    def violations(response: httpx.Response) -> str:
        return response.headers.get("x-mock-violations", "")

    valid = httpx.post(proxy + "/agno/memories", json={"memory": "Vegetarian", "user_id": "u2"}, headers=AUTH)
    assert valid.status_code == 200 and "x-mock-violations" not in valid.headers
    assert valid.json()["topics"] == []  # the vendor's default, not in the document

    no_user = httpx.post(proxy + "/agno/memories", json={"memory": "Vegetarian"}, headers=AUTH)
    assert no_user.status_code == 400 and no_user.json() == {"detail": "User ID is required"}
    assert violations(no_user) == "response 400: refuses a request the document accepts"

    bad_type = httpx.post(proxy + "/agno/memories", json={"memory": 5, "user_id": "u2"}, headers=AUTH)
    assert bad_type.status_code == 422
    assert "request: body.memory: Input should be a valid string" in violations(bad_type)
    assert "response 422: body.detail: Input should be a valid string" in violations(bad_type)

    anonymous = httpx.post(proxy + "/agno/memories", json={"memory": "x", "user_id": "u2"})
    assert anonymous.status_code == 401 and "www-authenticate" not in anonymous.headers
    assert "response 401: WWW-Authenticate: missing" in violations(anonymous)

    listed = httpx.get(proxy + "/agno/memories", params={"user_id": "u2"}, headers=AUTH)
    assert listed.status_code == 200
    assert violations(listed) == "request: the document declares no GET /agno/memories"


def test_the_journal_keeps_both_sides_with_every_violation(proxy: str, agentos: str) -> None:
    httpx.post(proxy + "/__admin/reset", json={})
    httpx.post(proxy + "/agno/memories?table=", json={"memory": 5}, headers=AUTH)
    [entry] = httpx.get(proxy + "/__admin/requests").json()["requests"]
    assert entry["upstream"] == f"{agentos}/memories?table="
    assert entry["status"] == 422 and entry["response"]["detail"][0]["loc"] == ["body", "memory"]
    assert entry["body"] == {"memory": 5}
    assert entry["headers"]["authorization"] == "Bearer ******oken"
    assert "request: body.memory: Input should be a valid string" in entry["problems"]
    assert "response 422: body.detail: Input should be a valid string" in entry["problems"]


def test_exchanges_are_recorded_as_reviewable_files(proxy: str, recording: Path) -> None:
    httpx.post(proxy + "/agno/memories", json={"memory": "Early riser", "user_id": "u3"}, headers=AUTH)
    httpx.post(proxy + "/mielto/api/v1/memories", json={}, headers=AUTH)  # a mocked API is recorded too
    files = sorted((recording / "agno").glob("*.json"))
    assert files and all(f.name[:4].isdigit() for f in files)
    created = json.loads(files[-1].read_text())
    assert files[-1].name.endswith("-POST-create_memory-200.json")
    assert created["source"] == "upstream" and created["operation"] == "POST /memories"
    assert created["request"]["headers"]["authorization"] == "Bearer ******oken"
    assert created["request"]["json"] == {"memory": "Early riser", "user_id": "u3"}
    assert created["response"]["json"]["user_id"] == "u3" and created["violations"] == []
    assert "date" not in created["response"]["headers"] and "host" not in created["request"]["headers"]
    [mocked] = (recording / "mielto").glob("*.json")
    assert json.loads(mocked.read_text())["source"] == "mock"


def test_an_unreachable_vendor_is_a_502_in_the_api_style(tmp_path: Path) -> None:
    settings = Settings(specs=SPECS, quiet=True, data=None, upstreams={"agno": f"http://127.0.0.1:{free_port()}"})
    with ServerThread(settings) as server:
        answer = httpx.post(server.url("agno") + "/memories", json={"memory": "x"}, headers=AUTH)
    assert answer.status_code == 502
    assert answer.json()["error_code"] == "BAD_GATEWAY" and "Bad Gateway" in answer.json()["detail"]
    assert "x-mock-error" in answer.headers


def test_a_silent_vendor_is_a_504_after_the_timeout_never_a_hang() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # accepts connections, never answers
        upstream = f"http://127.0.0.1:{silent.getsockname()[1]}"
        settings = Settings(specs=SPECS, quiet=True, data=None, upstreams={"agno": upstream}, upstream_timeout=0.5)
        with ServerThread(settings) as server:
            started = time.monotonic()
            answer = httpx.post(server.url("agno") + "/memories", json={"memory": "x"}, headers=AUTH, timeout=10)
            waited = time.monotonic() - started
    assert answer.status_code == 504 and answer.json()["error_code"] == "GATEWAY_TIMEOUT"
    assert waited < 5


def test_the_vendor_answers_its_own_cors(agentos: str, proxy: str) -> None:
    """Preflights go to the vendor: the mock grants no origin of its own on a proxied API."""
    preflight = {"Origin": "http://localhost:5173", "Access-Control-Request-Method": "POST"}
    direct, proxied = _both(agentos, proxy, "OPTIONS", "/memories", headers=preflight)
    assert proxied.status_code == direct.status_code
    assert proxied.headers.get("access-control-allow-origin") == direct.headers.get("access-control-allow-origin")
    mocked = httpx.options(proxy + "/mielto/api/v1/memories", headers=preflight)
    assert mocked.headers["access-control-allow-origin"] in ("*", "http://localhost:5173")


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ("agno", "expected NAME=URL"),
        ("agno=127.0.0.1:7777", "expected an http:// or https:// URL"),
        ("agno=http://127.0.0.1:7777/?x=1", "without a query"),
        ("nosuch=http://127.0.0.1:7777", "--upstream nosuch: no such API (serving: agno, memoram"),
    ],
)
def test_an_unusable_upstream_is_one_line_and_exit_2(value: str, said: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mockserver", "serve", "--specs", str(SPECS), "--upstream", value],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and said in result.stderr and "Traceback" not in result.stderr


def test_without_the_proxy_extra_upstream_says_what_to_install() -> None:
    blocked = "import sys; sys.modules['aiohttp'] = None; from mockserver.cli import main; sys.exit(main(sys.argv[1:]))"
    result = subprocess.run(
        [sys.executable, "-c", blocked, "serve", "--specs", str(SPECS), "--upstream", "agno=http://127.0.0.1:9"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (
        result.returncode == 2
        and "pip install 'mockserver[proxy]'" in result.stderr
        and "Traceback" not in result.stderr
    )
