"""Simulated latency and injected faults: seeded, declared, and overridden by `Prefer: code=`.

No test measures time: the delay a response will be sent with is checked on the pipeline's
`Response.delay_ms`; the benchmark shows its effect on throughput.
"""

from __future__ import annotations

import httpx
import pytest

from mockserver.config import Settings
from mockserver.journal.memory import Journal
from mockserver.mocker.faults import Chaos, parse_latency, parse_rate
from mockserver.server.http import Request
from mockserver.server.pipeline import MockedApi
from mockserver.spec import load_api
from mockserver.testing.thread import ServerThread
from mockserver.validator.security import AuthPolicy

from conftest import PATHS, SPECS, TOKEN, valid_body

AUTH = {"Authorization": f"Bearer {TOKEN}"}


def agno(chaos: Chaos, seed: int | None = 5) -> MockedApi:
    return MockedApi(load_api(SPECS / "agno.yaml"), Settings(seed=seed, chaos=chaos), AuthPolicy("off"), Journal(10))


def create(mocked: MockedApi, prefer: str | None = None) -> tuple[int, float]:
    headers = {"content-type": "application/json", **({"prefer": prefer} if prefer else {})}
    response = mocked.handle(
        Request("POST", "/agno/memories", "", headers, b'{"memory": "x"}'), mocked.operations["POST /memories"]
    )
    return response.status, response.delay_ms


def test_latency_is_drawn_from_the_range_and_seeded() -> None:
    mocked = agno(Chaos(latency=(50, 200)))
    delays = [create(mocked)[1] for _ in range(200)]
    assert all(50 <= d <= 200 for d in delays)
    assert max(delays) - min(delays) > 100
    again = agno(Chaos(latency=(50, 200)))
    assert [create(again)[1] for _ in range(200)] == delays


def test_prefer_delay_sets_one_requests_delay() -> None:
    assert create(agno(Chaos()), "delay=750") == (200, 750.0)
    assert create(agno(Chaos(latency=(50, 60))), "delay=0") == (200, 0.0)
    assert create(agno(Chaos()))[1] == 0.0


def test_error_rate_answers_declared_5xx_at_that_rate_seeded() -> None:
    mocked = agno(Chaos(error_rate=0.3))
    statuses = [create(mocked)[0] for _ in range(1000)]
    assert set(statuses) == {200, 500}
    assert 0.25 < statuses.count(500) / 1000 < 0.35
    again = agno(Chaos(error_rate=0.3))
    assert [create(again)[0] for _ in range(1000)] == statuses


def test_faults_do_not_change_the_data_stream() -> None:
    plain, faulty = agno(Chaos()), agno(Chaos(error_rate=0.5, latency=(1, 9)))
    request = Request("POST", "/agno/memories", "", {"content-type": "application/json"}, b'{"memory": "x"}')
    bodies = [plain.handle(request, plain.operations["POST /memories"]).body for _ in range(20)]
    faulty_bodies = [
        r.body
        for r in (faulty.handle(request, faulty.operations["POST /memories"]) for _ in range(60))
        if r.status == 200
    ]
    assert faulty_bodies[:5] == bodies[: len(faulty_bodies[:5])]


def test_prefer_code_wins_over_injected_faults() -> None:
    mocked = agno(Chaos(error_rate=1.0))
    assert create(mocked)[0] == 500
    assert create(mocked, "code=200")[0] == 200


@pytest.mark.parametrize(
    ("vendor", "status", "body"),
    [
        ("agno", 500, {"detail": "Internal Server Error", "error_code": "INTERNAL_SERVER_ERROR"}),
        ("memoryplugin", 500, {"error": "Internal Server Error"}),
        ("omi", 500, {"detail": "Internal Server Error"}),
        ("memoram", 500, None),
    ],
)
def test_injected_fault_is_in_the_vendor_style(vendor: str, status: int, body: object) -> None:
    with ServerThread(Settings(specs=SPECS, quiet=True, chaos=Chaos(error_rate=1.0))) as server:
        response = httpx.post(server.root + PATHS[vendor], json=valid_body(vendor), headers=AUTH)
    assert response.status_code == status
    assert (response.json() if response.content else None) == body


def test_invalid_requests_still_get_validation_errors_under_faults() -> None:
    with ServerThread(Settings(specs=SPECS, quiet=True, chaos=Chaos(error_rate=1.0))) as server:
        assert httpx.post(server.root + PATHS["agno"], json={}, headers=AUTH).status_code == 422


@pytest.mark.parametrize("value", ["delay=-1", "delay=soon", "delay=600000"])
def test_bad_prefer_delay_is_a_mock_level_400(client: httpx.Client, value: str) -> None:
    response = client.post(PATHS["agno"], json=valid_body("agno"), headers={**AUTH, "Prefer": value})
    assert response.status_code == 400 and response.headers["x-mock-error"]


@pytest.mark.parametrize(
    ("text", "expected"), [("120", (120.0, 120.0)), ("50-200", (50.0, 200.0)), (" 5 - 9 ", (5.0, 9.0))]
)
def test_latency_option_parsing(text: str, expected: tuple[float, float]) -> None:
    assert parse_latency(text) == expected


@pytest.mark.parametrize("text", ["fast", "200-50", "-5"])
def test_latency_option_rejects_nonsense(text: str) -> None:
    with pytest.raises(ValueError):
        parse_latency(text)


def test_error_rate_must_be_a_probability() -> None:
    assert parse_rate("0.05") == 0.05
    with pytest.raises(ValueError):
        parse_rate("1.5")
