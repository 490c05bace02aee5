"""The terminal log: one line per request, and a refused request's line says why."""

from __future__ import annotations

import subprocess
import sys
import time

import httpx

from conftest import SPECS, TOKEN, free_port, valid_body


def test_a_refused_request_line_ends_with_its_first_problem() -> None:
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "mockserver", "serve", "--specs", str(SPECS), "--port", str(port)], stderr=subprocess.PIPE, text=True)
    root = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(root + "/__admin/health", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.1)
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
