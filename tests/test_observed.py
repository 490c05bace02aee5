"""`--fidelity observed` and `mockserver learn` against a real Agno AgentOS.

- `learn` on a fresh recording of the battery (`agentos_battery`) reproduces the shipped
  `fixtures/observed/agno.yaml`, except where its `review:` says a person changed it;
- the differential test: the battery sent to a fresh real AgentOS and to the mock (AgentOS's
  own document served as `agno`, `--fidelity observed`) gets the same status and body shape in
  at least 90% of cases (the figure and the differing cases are printed);
- the vendor's CORS policy is followed: the same origins granted, with credentials;
- observations that contradict the document are answered and marked, not blocked;
- `--fidelity spec` (the default) is unchanged by the file.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from mockserver.config import FIXTURES, Settings
from mockserver.testing.thread import ServerThread

import agentos_battery
from conftest import ROOT, SPECS, TOKEN, running_agentos

SHIPPED = FIXTURES / "observed" / "agno.yaml"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def specs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("agentos-as-agno")
    shutil.copy(ROOT / "tests" / "corpus" / "agentos.json", folder / "agno.json")
    return folder


def _without(data: Any, paths: list[str]) -> Any:
    data = yaml.safe_load(yaml.safe_dump(data))
    for path in paths:
        *parents, last = path.split(".")
        node = data
        for part in parents:
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, dict):
            node.pop(last, None)
    data.pop("review", None)
    data.pop("vendor", None)
    return data


def test_learn_reproduces_the_shipped_file(agentos: str, specs: Path, tmp_path: Path) -> None:
    agentos_battery.record(agentos, specs, tmp_path / "recording")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mockserver",
            "learn",
            "--specs",
            str(specs),
            str(tmp_path / "recording"),
            "--out",
            str(tmp_path / "observed"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    shipped = yaml.safe_load(SHIPPED.read_text())
    drafted = yaml.safe_load((tmp_path / "observed" / "agno.yaml").read_text())
    reviewed = list(shipped.get("review") or [])
    assert _without(drafted, reviewed) == _without(shipped, reviewed)


def test_the_mock_answers_as_the_real_agentos_in_90_percent_of_cases(specs: Path, tmp_path: Path) -> None:
    real_cors: list[tuple[str, str | None, str | None]] = []
    our_cors: list[tuple[str, str | None, str | None]] = []
    with running_agentos(tmp_path) as vendor:
        real = agentos_battery.run(vendor, real_cors)
    with ServerThread(Settings(specs=specs, quiet=True, data=None, fidelity="observed")) as server:
        ours = agentos_battery.run(server.url("agno"), our_cors)
    differing = [
        f"{name}: vendor {status} {str(body)[:120]} | mock {our_status} {str(our_body)[:120]}"
        for (name, status, body), (_, our_status, our_body) in zip(real, ours, strict=True)
        if status != our_status or agentos_battery.shape(body) != agentos_battery.shape(our_body)
    ]
    same = len(real) - len(differing)
    print(
        f"\n--fidelity observed: {same}/{len(real)} = {same / len(real):.0%} same status and body shape as the real AgentOS"
    )
    print("\n".join(f"  differs: {line}" for line in differing))
    assert len(real) >= 40
    assert same / len(real) >= 0.9, differing
    assert our_cors == real_cors  # origins granted (reflected, with credentials) and refused alike


def test_spec_fidelity_stays_the_document(specs: Path) -> None:
    """The default ignores the file: the document's own error style and id examples."""
    with ServerThread(Settings(specs=SPECS, quiet=True, data=None)) as server:
        anonymous = httpx.post(server.url("agno") + "/memories", json={"memory": "x"})
        created = httpx.post(server.url("agno") + "/memories", json={"memory": "x"}, headers=AUTH)
    assert anonymous.status_code == 401 and "www-authenticate" in anonymous.headers
    assert set(anonymous.json()) == {"detail", "error_code"}
    assert created.status_code == 200 and created.json()["memory_id"].startswith("mem-")


def test_observations_that_contradict_the_document_are_answered_and_marked() -> None:
    """The published document declares a string `detail` for 422; the vendor answers a list."""
    with ServerThread(Settings(specs=SPECS, quiet=True, data=None, fidelity="observed")) as server:
        invalid = httpx.post(server.url("agno") + "/memories", json={"memory": 5, "user_id": "u1"}, headers=AUTH)
        no_user = httpx.post(server.url("agno") + "/memories", json={"memory": "x"}, headers=AUTH)
        anonymous = httpx.post(server.url("agno") + "/memories", json={"memory": "x"})
        created = httpx.post(server.url("agno") + "/memories", json={"memory": "x", "user_id": "u1"}, headers=AUTH)
        journal = httpx.get(server.root + "/__admin/requests").json()["requests"]
    assert invalid.status_code == 422
    assert invalid.json() == {
        "detail": [
            {"type": "string_type", "loc": ["body", "memory"], "msg": "Input should be a valid string", "input": 5}
        ]
    }
    assert "response 422: body.detail: Input should be a valid string" in invalid.headers["x-mock-violations"]
    assert any("response 422: body.detail" in p for p in journal[0]["problems"])
    assert no_user.status_code == 400 and no_user.json() == {"detail": "User ID is required"}
    assert anonymous.status_code == 401 and anonymous.json() == {"detail": "Authorization header required"}
    assert "www-authenticate" not in anonymous.headers
    body = created.json()
    assert created.status_code == 200 and body["topics"] == []
    assert len(body["memory_id"]) == 36 and body["memory_id"].count("-") == 4  # a UUID, as the vendor mints


def test_a_broken_observed_file_is_one_line_and_exit_2(tmp_path: Path) -> None:
    (tmp_path / "agno.yaml").write_text(
        "operations:\n  POST /memories:\n    rules:\n      - when: {sometimes: body.x}\n        status: 400\n"
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mockserver",
            "serve",
            "--specs",
            str(SPECS),
            "--port",
            "0",
            "--fidelity",
            "observed",
            "--observed",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and "agno.yaml" in result.stderr and "Traceback" not in result.stderr
