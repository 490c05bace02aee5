"""Settings shared by the CLI, the app factory and the pytest plugin, and where data lives."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .mocker.faults import Chaos

_PACKAGE = Path(__file__).resolve().parent


def _data_dir(installed: str, checkout: str) -> Path:
    """A wheel carries `specs/` and `fixtures/` inside the package (see pyproject.toml); a
    checkout or an editable install reads them from the repository beside the package."""
    bundled = _PACKAGE / installed
    return bundled if bundled.is_dir() else _PACKAGE.parent / checkout


BUNDLED_SPECS = _data_dir("bundled_specs", "specs")
FIXTURES = _data_dir("bundled_fixtures", "fixtures")


def sqlite_file(state: str | None) -> Path | None:
    """The file a `sqlite:///FILE` state URL names (`sqlite:////abs/path` for an absolute one)."""
    return Path(state[len("sqlite:///") :]) if state is not None and state.startswith("sqlite:///") else None


def default_data() -> Path | None:
    """`./fixtures/data` when the working directory has one, else the bundled initial data."""
    local = Path("fixtures") / "data"
    if local.is_dir():
        return local
    bundled = FIXTURES / "data"
    return bundled if bundled.is_dir() else None


def default_specs() -> Path:
    """`./specs` when the working directory has one, else the five vendor documents shipped."""
    local = Path("specs")
    return local if local.is_dir() else BUNDLED_SPECS


@dataclass(frozen=True)
class Settings:
    """Everything that changes how the mock answers; one instance per server."""

    specs: Path = field(default_factory=default_specs)
    host: str = "127.0.0.1"
    port: int = 8080
    quiet: bool = False
    auth: str = "tokens"
    tokens: tuple[str, ...] = ()
    seed: int | None = None
    locale: str = "en_US"
    chaos: Chaos = field(default_factory=Chaos)
    journal_size: int = 10_000
    cors_origin: str = "*"
    admin_token: str | None = None
    port_per_api: int | None = None
    workers: int = 1
    max_body: int = 10 * 1024 * 1024
    strict: bool = False
    stateless: bool = False
    state: str | None = None  # None: in this process (SQLite across --workers); sqlite:///FILE; redis://HOST:PORT/DB
    max_records: int = 100_000
    watch: bool = False
    upstreams: Mapping[str, str] = field(default_factory=dict)  # API name → the real vendor's URL (`--upstream`)
    upstream_timeout: float = 30.0
    record: Path | None = None  # `--record DIR`: every exchange as a file
    fidelity: str = "spec"  # spec: the document is the contract; observed: fixtures/observed/<api>.yaml too
    observed: Path = field(default_factory=lambda: FIXTURES / "observed")
    data: Path | None = field(default_factory=lambda: default_data())
