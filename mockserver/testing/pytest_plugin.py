"""pytest plugin, registered through the `pytest11` entry point: installing mockserver is enough.

    def test_my_client_creates_a_memory(mockserver):
        client = MyAgnoClient(base_url=mockserver.url("agno"), token="test-token")
        client.create_memory("Prefers window seats")
        (sent,) = mockserver.requests(api="agno", method="POST")
        assert sent["body"]["memory"] == "Prefers window seats"

One server per test session on a free 127.0.0.1 port, in a background thread; `mockserver`
resets its journal, records and seeded streams before each test. Configure it with ini options
(`mockserver_seed = 7`, …; see `pytest --help`) or override the `mockserver_settings` fixture.

Installing mockserver loads this module into every pytest run of the environment, so it
imports nothing of the server until a test asks for a fixture: a run that never does pays for
the ini options only, and no warning filter, collector setting or logger of the user's process
is touched.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from ..config import Settings
    from .thread import ServerThread

_INI = {
    "mockserver_specs": "directory of OpenAPI documents (default: ./specs, else the bundled vendor specs)",
    "mockserver_seed": "seed for reproducible answers",
    "mockserver_tokens": "extra accepted credentials, space-separated",
    "mockserver_auth": "tokens (default), any or off",
    "mockserver_latency": "MS or LOW-HIGH milliseconds of simulated latency",
    "mockserver_error_rate": "share (0..1) of valid requests answered with a 5xx",
    "mockserver_locale": "Faker locale (default en_US)",
    "mockserver_log": "true to print the access log",
}


def pytest_addoption(parser: pytest.Parser) -> None:
    for name, help_text in _INI.items():
        parser.addini(name, f"mockserver: {help_text}", default="")


class MockServerFixture:
    """What a test sees: base URLs, the request journal and the created records."""

    def __init__(self, server: ServerThread) -> None:
        self._server = server

    @property
    def root(self) -> str:
        """`http://127.0.0.1:<port>`: the index, `/__admin/*`, every API under its name."""
        return self._server.root

    @property
    def settings(self) -> Settings:
        return self._server.app.settings

    def url(self, api: str) -> str:
        """The base URL to configure a client SDK with, e.g. `url("omi")` for Omi."""
        return self._server.url(api)

    def requests(
        self,
        api: str | None = None,
        method: str | None = None,
        path: str | None = None,
        status: int | None = None,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        """Journal entries since the test started, oldest first (credentials masked)."""
        return self._server.app.journal.requests(api=api, method=method, path=path, status=status, limit=limit)

    def records(self, api: str | None = None, user_id: str | None = None) -> list[dict[str, Any]]:
        """Objects created since the test started: `{"api", "id", "object", "created_at"}`."""
        return self._server.app.journal.records(api=api, user_id=user_id)

    def reset(self) -> None:
        self._server.app.reset()


@pytest.fixture(scope="session")
def mockserver_settings(pytestconfig: pytest.Config) -> Settings:
    """Serve options from the ini file; override this fixture for full control."""
    from ..config import Settings, default_specs
    from ..mocker.faults import Chaos, parse_latency, parse_rate

    def ini(name: str) -> str:
        return str(pytestconfig.getini(name) or "").strip()

    specs = ini("mockserver_specs")
    latency = ini("mockserver_latency")
    return Settings(
        specs=(pytestconfig.rootpath / specs) if specs else default_specs(),
        quiet=ini("mockserver_log").lower() != "true",
        seed=int(ini("mockserver_seed")) if ini("mockserver_seed") else None,
        tokens=tuple(ini("mockserver_tokens").split()),
        auth=ini("mockserver_auth") or "tokens",
        locale=ini("mockserver_locale") or "en_US",
        chaos=Chaos(
            latency=parse_latency(latency) if latency else None,
            error_rate=parse_rate(ini("mockserver_error_rate") or "0"),
        ),
    )


@pytest.fixture(scope="session")
def mockserver_session(mockserver_settings: Settings) -> Iterator[MockServerFixture]:
    """The session's server, without the per-test reset."""
    from .thread import ServerThread

    with ServerThread(mockserver_settings) as server:
        yield MockServerFixture(server)


@pytest.fixture
def mockserver(mockserver_session: MockServerFixture) -> MockServerFixture:
    """The running mock, with an empty journal and fresh seeded streams."""
    mockserver_session.reset()
    return mockserver_session


__all__ = ["MockServerFixture"]
