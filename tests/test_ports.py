"""`--port-per-api`: each API also alone on its own port, under its spec's server path only."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from conftest import SPECS, TOKEN, ended, free_run, valid_body


@pytest.fixture(scope="module")
def ports() -> Iterator[tuple[int, int, str]]:
    base = free_run(6)
    main, per_api = base, base + 1
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mockserver",
            "serve",
            "--specs",
            str(SPECS),
            "--port",
            str(main),
            "--port-per-api",
            str(per_api),
            "--quiet",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    banner = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = process.stdout.readline() if process.stdout else ""
        banner.append(line)
        if line.startswith("  index:"):
            break
    yield main, per_api, "".join(banner)
    ended(process, 10)


def test_banner_lists_the_per_api_ports_in_order(ports: tuple[int, int, str]) -> None:
    _, per_api, banner = ports
    assert f"agno          http://127.0.0.1:{per_api}\n" in banner
    assert f"memoram       http://127.0.0.1:{per_api + 1}/api/v1\n" in banner
    assert f"omi           http://127.0.0.1:{per_api + 4}\n" in banner


@pytest.mark.parametrize(
    ("offset", "vendor", "path", "status"),
    [
        (0, "agno", "/memories", 200),
        (1, "memoram", "/api/v1/memory-blobs", 201),
        (2, "memoryplugin", "/api/memory", 200),
        (3, "mielto", "/api/v1/memories", 200),
        (4, "omi", "/v1/dev/user/memories", 200),
    ],
)
def test_each_api_answers_on_its_own_port(
    ports: tuple[int, int, str], offset: int, vendor: str, path: str, status: int
) -> None:
    _, per_api, _ = ports
    response = httpx.post(
        f"http://127.0.0.1:{per_api + offset}{path}",
        json=valid_body(vendor),
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert response.status_code == status, response.text


def test_an_api_port_serves_only_that_api(ports: tuple[int, int, str]) -> None:
    main, per_api, _ = ports
    assert httpx.post(f"http://127.0.0.1:{per_api}/api/memory", json={}).status_code == 404
    assert httpx.get(f"http://127.0.0.1:{per_api}/__admin/health").status_code == 200
    journal = httpx.get(f"http://127.0.0.1:{main}/__admin/requests", params={"api": "agno"}).json()["requests"]
    assert journal and journal[-1]["path"] == "/agno/api/memory"


@pytest.mark.parametrize(("offset", "vendor", "server"), [(0, "agno", "/"), (1, "memoram", "/api/v1"), (4, "omi", "/")])
def test_an_api_port_serves_its_docs_with_its_own_paths(
    ports: tuple[int, int, str], offset: int, vendor: str, server: str
) -> None:
    """Swagger UI there loads its copy of the document from that port, and the document names
    the port's own path as its server."""
    _, per_api, _ = ports
    root = f"http://127.0.0.1:{per_api + offset}"
    page = httpx.get(f"{root}/ui/")
    assert page.status_code == 200 and "swagger-ui" in page.text
    assert '"/ui/openapi.json"' in page.text  # the document URL the page fetches
    for copy in ("/openapi.json", "/ui/openapi.json"):
        assert httpx.get(f"{root}{copy}").json()["servers"] == [{"url": server}]
    index = httpx.get(f"{root}/")
    assert index.status_code == 200
    assert index.text.count("<tr><td>") == 1 and f"<td>{vendor}</td>" in index.text
    assert 'href="/ui/"' in index.text and f"<code>{server}</code>" in index.text
