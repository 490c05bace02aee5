"""The terminal log: one line per request, and a refused request's line says why."""

from __future__ import annotations

import subprocess
import sys
import time

import httpx

from conftest import SPECS, TOKEN, free_port, valid_body


def _serve(*args: str) -> tuple[subprocess.Popen[str], str]:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "mockserver", "serve", "--specs", str(SPECS), "--port", str(port), *args],
        stderr=subprocess.PIPE,
        text=True,
    )
    root = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(root + "/__admin/health", timeout=1)
            return server, root
        except httpx.TransportError:
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.1)


def test_a_refused_request_line_ends_with_its_first_problem() -> None:
    server, root = _serve()
    try:
        auth = {"Authorization": f"Bearer {TOKEN}"}
        assert httpx.post(root + "/agno/memories", json=valid_body("agno"), headers=auth).status_code == 200
        assert httpx.post(root + "/agno/memories", json={"memory": 5}, headers=auth).status_code == 422
        assert httpx.post(root + "/agno/memories", json=valid_body("agno")).status_code == 401
    finally:
        server.terminate()
        _, log = server.communicate(timeout=10)
    lines = [line for line in log.splitlines() if line.startswith("agno POST /agno/memories")]
    assert len(lines) == 3, log
    assert lines[0].endswith("ms"), "an answered request says nothing more"
    assert lines[1].split("ms ", 1)[1] == "body.memory: Input should be a valid string", lines[1]
    assert " 401 " in lines[2] and lines[2].split("ms ", 1)[1], lines[2]


def test_a_refused_preflight_names_its_origin_and_the_flag_to_allow_it() -> None:
    server, root = _serve("--cors-origin", "http://app.test")
    try:
        refused = httpx.options(
            root + "/agno/memories",
            headers={"Origin": "http://localhost:5173", "Access-Control-Request-Method": "POST"},
        )
        assert refused.status_code == 403
    finally:
        server.terminate()
        _, log = server.communicate(timeout=10)
    (line,) = [line for line in log.splitlines() if "OPTIONS /agno/memories 403" in line]
    assert "preflight from http://localhost:5173 refused" in line
    assert "--cors-origin http://app.test,http://localhost:5173" in line
