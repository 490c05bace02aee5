"""`mockserver drift` on traffic with a real Agno AgentOS: the battery of `agentos_battery` sent
through the validating proxy (AgentOS's own document served as `agno`) and recorded; the drift
report must name the departures known from the vendor, from the recording and from the
journal, in text and JSON, and exit 1 — and exit 0 on a document the vendor keeps."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from mockserver.config import Settings
from mockserver.testing.thread import ServerThread

import agentos_battery
from conftest import ROOT


@pytest.fixture(scope="module")
def specs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("agentos-as-agno")
    shutil.copy(ROOT / "tests" / "corpus" / "agentos.json", folder / "agno.json")
    return folder


@pytest.fixture(scope="module")
def recorded(agentos: str, specs: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """The battery sent through the proxy: the recording folder and the proxy's root URL
    (whose journal holds the same traffic)."""
    folder = tmp_path_factory.mktemp("recording")
    with ServerThread(
        Settings(specs=specs, quiet=True, data=None, upstreams={"agno": agentos}, record=folder)
    ) as server:
        agentos_battery.run(server.url("agno"))
        yield folder, server.root


def _drift(specs: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mockserver", "drift", "--specs", str(specs), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def _findings(report: dict[str, Any], operation: str) -> list[dict[str, Any]]:
    [found] = [op for op in report["operations"] if op["operation"] == operation]
    return list(found["findings"])


def _has(findings: list[dict[str, Any]], kind: str, where: str | None = None, status: int | None = None) -> bool:
    return any(
        f["kind"] == kind and (where is None or f["where"] == where) and (status is None or f["status"] == status)
        for f in findings
    )


def test_the_known_drifts_of_agentos_are_reported(recorded: tuple[Path, str], specs: Path) -> None:
    folder, _ = recorded
    result = _drift(specs, str(folder), "--json")
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert report["drift"] is True and report["exchanges"] == len(agentos_battery.STEPS)
    create = _findings(report, "POST /memories")
    assert _has(create, "required_in_practice", "body.user_id", 400)  # "User ID is required"
    assert _has(create, "refused_input", "query.db_id", 404)  # an unknown db_id
    assert _has(create, "refused_input", "query.table", 400)  # table without db_id
    assert _has(create, "missing_header", "WWW-Authenticate", 401)
    assert _has(create, "id_format", "memory_id", 200)  # UUIDs, not the example's mem-123
    assert _has(create, "default_value", "body.topics")  # [] when not sent
    listed = _findings(report, "GET /memories")
    assert _has(listed, "refused_input", "query.db_id", 404)
    patched = _findings(report, "PATCH /memories/{memory_id}")
    assert not _has(patched, "invalid_body")  # FastAPI's 422 list is what this document declares


def test_the_text_report_is_for_people(recorded: tuple[Path, str], specs: Path) -> None:
    folder, _ = recorded
    result = _drift(specs, str(folder))
    assert result.returncode == 1
    assert "agno POST /memories: " in result.stdout
    assert 'body.user_id: required in practice; without it: {"detail":"User ID is required"}' in result.stdout
    assert "(e.g. 0004-POST-create_memory-400.json" in result.stdout
    assert result.stdout.rstrip().splitlines()[-1].startswith(f"{len(agentos_battery.STEPS)} exchanges, ")


def test_the_journal_gives_the_same_report(recorded: tuple[Path, str], specs: Path) -> None:
    folder, root = recorded
    from_files = json.loads(_drift(specs, str(folder), "--json").stdout)
    from_journal = json.loads(_drift(specs, "--journal", root, "--json").stdout)

    def kinds(report: dict[str, Any]) -> set[tuple[str, str, Any, Any]]:
        return {
            (op["operation"], f["kind"], f["where"], f["status"]) for op in report["operations"] for f in op["findings"]
        }

    assert kinds(from_journal) == kinds(from_files)


def test_the_shipped_document_shows_its_own_drift(recorded: tuple[Path, str]) -> None:
    """Judged against the published one-operation document instead: every other operation is
    one the document lacks, and the create's 422 body is not the declared `{detail: string}`."""
    folder, _ = recorded
    report = json.loads(_drift(ROOT / "specs", str(folder), "--json").stdout)
    create = _findings(report, "POST /memories")
    assert _has(create, "invalid_body", "body.detail", 422)
    assert any(op["operation"].startswith("GET /memories") and not op["declared"] for op in report["operations"])


def test_a_vendor_that_keeps_its_document_has_no_drift(agentos: str, tmp_path: Path) -> None:
    specs = tmp_path / "specs"
    specs.mkdir()
    shutil.copy(ROOT / "tests" / "data" / "drift" / "health.yaml", specs / "agno.yaml")
    with ServerThread(
        Settings(specs=specs, quiet=True, data=None, upstreams={"agno": agentos}, record=tmp_path / "rec")
    ) as server:
        assert httpx.get(server.url("agno") + "/health").status_code == 200
    result = _drift(specs, str(tmp_path / "rec"))
    assert result.returncode == 0, result.stdout
    assert "agno GET /health: 1 exchange (200 ×1): as documented" in result.stdout


@pytest.mark.parametrize(
    ("args", "said"), [((), "a recording folder or --journal"), (("/nonexistent",), "no such recording folder")]
)
def test_no_traffic_is_one_line_and_exit_2(args: tuple[str, ...], said: str) -> None:
    result = _drift(ROOT / "specs", *args)
    assert result.returncode == 2 and said in result.stderr and "Traceback" not in result.stderr
