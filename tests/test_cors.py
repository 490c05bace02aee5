"""A browser app on another origin can call every API, but can neither read the admin API nor
change the mock through it."""

from __future__ import annotations

import httpx
import pytest

from mockserver.config import Settings
from mockserver.testing.thread import ServerThread

from conftest import PATHS, TOKEN, valid_body

ORIGIN = "http://localhost:5173"


@pytest.mark.parametrize("path", PATHS.values())
def test_preflight_is_answered(client: httpx.Client, path: str) -> None:
    response = client.options(
        path,
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == "*"
    assert "POST" in response.headers["access-control-allow-methods"]
    allowed = response.headers["access-control-allow-headers"].lower()
    assert "authorization" in allowed and "content-type" in allowed


def test_cross_origin_post_carries_the_allow_origin_header(client: httpx.Client) -> None:
    response = client.post(
        PATHS["agno"], json=valid_body("agno"), headers={"Origin": ORIGIN, "Authorization": f"Bearer {TOKEN}"}
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    assert "X-Mock-Error" in response.headers["access-control-expose-headers"]


def test_errors_carry_cors_headers_too(client: httpx.Client) -> None:
    response = client.post(PATHS["agno"], json={}, headers={"Origin": ORIGIN})
    assert response.status_code == 401
    assert response.headers["access-control-allow-origin"] == "*"


def test_same_origin_requests_get_no_cors_headers(client: httpx.Client) -> None:
    response = client.post(PATHS["agno"], json=valid_body("agno"), headers={"Authorization": f"Bearer {TOKEN}"})
    assert "access-control-allow-origin" not in response.headers


def test_configured_origins_only() -> None:
    with ServerThread(Settings(quiet=True, cors_origin="http://app.test, http://localhost:5173")) as server:
        ok = httpx.options(
            server.url("agno") + "/memories", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"}
        )
        assert ok.status_code == 204 and ok.headers["access-control-allow-origin"] == ORIGIN
        assert ok.headers["vary"] == "Origin"
        denied = httpx.options(
            server.url("agno") + "/memories",
            headers={"Origin": "http://evil.test", "Access-Control-Request-Method": "POST"},
        )
        assert denied.status_code == 403 and "access-control-allow-origin" not in denied.headers
        post = httpx.post(
            server.url("agno") + "/memories",
            json=valid_body("agno"),
            headers={"Origin": "http://evil.test", "Authorization": f"Bearer {TOKEN}"},
        )
        assert "access-control-allow-origin" not in post.headers


def test_the_admin_api_grants_no_origin(client: httpx.Client) -> None:
    preflight = client.options("/__admin/reset", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in preflight.headers
    read = client.get("/__admin/requests", headers={"Origin": ORIGIN})
    assert "access-control-allow-origin" not in read.headers, "a page elsewhere cannot read the journal"


@pytest.mark.parametrize(
    "headers",
    [{"Origin": ORIGIN}, {"Content-Type": "text/plain"}, {"Content-Type": "application/x-www-form-urlencoded"}],
    ids=["foreign-origin", "text-plain", "form"],
)
def test_a_cross_site_request_cannot_change_the_mock(client: httpx.Client, headers: dict[str, str]) -> None:
    client.post(PATHS["agno"], json=valid_body("agno"), headers={"Authorization": f"Bearer {TOKEN}"})
    before = len(client.get("/__admin/requests").json()["requests"])
    refused = client.post("/__admin/reset", content=b"x=1", headers=headers)
    assert refused.status_code == 403 and "refused" in refused.json()["detail"]
    assert len(client.get("/__admin/requests").json()["requests"]) >= before, "nothing was reset"


def test_tools_and_same_origin_pages_still_reset(client: httpx.Client) -> None:
    own = str(client.base_url).rstrip("/")
    assert client.post("/__admin/reset", headers={"Origin": own}).status_code == 204
    assert client.post("/__admin/reset").status_code == 204
    assert client.post("/__admin/reset", json={}).status_code == 204


@pytest.mark.parametrize("value", ["localhost:5173", "http://ok.test,example.com", "ftp://x"])
def test_an_origin_without_its_scheme_is_refused_at_start(value: str) -> None:
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "mockserver", "serve", "--cors-origin", value],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and "--cors-origin" in result.stderr and "Traceback" not in result.stderr
