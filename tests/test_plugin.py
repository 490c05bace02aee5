"""The pytest plugin works for a client project: no conftest, only the installed package."""

from __future__ import annotations

import pytest

CLIENT_TEST = """
import httpx


def test_my_agno_client_saves_a_memory(mockserver):
    agno = httpx.Client(base_url=mockserver.url("agno"), headers={"Authorization": "Bearer test-token"})
    created = agno.post("/memories", json={"memory": "Prefers window seats", "user_id": "u-1"}).json()
    assert created["memory"] == "Prefers window seats"
    (sent,) = mockserver.requests(api="agno", method="POST")
    assert sent["body"] == {"memory": "Prefers window seats", "user_id": "u-1"}
    assert sent["headers"]["authorization"] == "Bearer ******oken"
    (record,) = mockserver.records(api="agno")
    assert record["id"] == created["memory_id"]


def test_each_test_starts_with_an_empty_journal(mockserver):
    assert mockserver.requests() == [] and mockserver.records() == []


def test_errors_look_like_the_vendor(mockserver):
    response = httpx.post(mockserver.url("omi") + "/v1/dev/user/memories", json={})
    assert response.status_code == 401 and response.json() == {"detail": "Not authenticated"}
"""


def test_fixture_needs_no_conftest(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_client=CLIENT_TEST)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)


def test_serve_options_come_from_the_ini_file(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nmockserver_seed = 7\nmockserver_tokens = ci-token other\n")
    pytester.makepyfile(
        test_seeded="""
import httpx

def create(mockserver):
    return httpx.post(mockserver.url("omi") + "/v1/dev/user/memories", json={"content": "x"},
                      headers={"Authorization": "Bearer ci-token"})

def test_first(mockserver):
    response = create(mockserver)
    assert response.status_code == 200
    assert mockserver.settings.seed == 7
    assert response.json()["created_at"].startswith("2025-03-01T09:")

def test_second_sees_the_same_answer_after_reset(mockserver):
    first = create(mockserver).json()
    mockserver.reset()
    assert create(mockserver).json() == first
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


def test_settings_fixture_can_be_overridden(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
import pytest
from mockserver.config import Settings

@pytest.fixture(scope="session")
def mockserver_settings():
    return Settings(quiet=True, auth="off")
"""
    )
    pytester.makepyfile(
        test_open="""
import httpx

def test_no_token_needed(mockserver):
    assert httpx.post(mockserver.url("agno") + "/memories", json={"memory": "m"}).status_code == 200
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
