"""Installed into someone else's project: a fresh virtual environment holding a typical client
project (FastAPI, httpx, pydantic, requests, pytest) — at current versions, and as a project
from a year ago had them — gets mockserver's wheel installed. pip must change none of the
project's packages and report no conflict, and the README's fixture example (read from the README) must pass there
with every warning an error.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

PROJECTS = {
    "current": ["fastapi", "httpx", "pydantic", "requests", "pytest"],
    "a year old": ["fastapi==0.115.0", "httpx==0.27.2", "pydantic==2.9.2", "requests==2.32.3", "pytest==8.3.3"],
}


def _readme_example() -> str:
    """The fixture example of the README's "Using it from pytest", exactly as a user copies it."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Using it from pytest") :]
    return section.split("```python\n", 1)[1].split("```", 1)[0]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--quiet", "-w", str(folder)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return next(folder.glob("mockserver-*.whl"))


def _pip(python: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(python), "-m", "pip", "--disable-pip-version-check", *args], capture_output=True, text=True, timeout=600
    )


def _installed(python: Path) -> dict[str, str]:
    frozen = _pip(python, "list", "--format=freeze").stdout
    return dict(line.lower().split("==", 1) for line in frozen.splitlines() if "==" in line)


@pytest.mark.parametrize("project", sorted(PROJECTS))
def test_installing_into_a_client_project_changes_none_of_its_packages(
    project: str, wheel: Path, tmp_path: Path
) -> None:
    subprocess.run([sys.executable, "-m", "venv", str(tmp_path / "venv")], check=True, timeout=120)
    python = tmp_path / "venv" / "bin" / "python"
    assert _pip(python, "install", "--quiet", *PROJECTS[project]).returncode == 0
    before = _installed(python)
    result = _pip(python, "install", str(wheel))
    assert result.returncode == 0, result.stderr
    said = result.stdout + result.stderr
    assert not re.search(r"conflict|incompatible|requires .* but you have", said, re.IGNORECASE), said
    after = _installed(python)
    changed = {name: (version, after.get(name)) for name, version in before.items() if after.get(name) != version}
    assert changed == {}
    assert _pip(python, "check").returncode == 0

    (tmp_path / "test_example.py").write_text(_readme_example())
    run = subprocess.run(
        [str(python), "-m", "pytest", "-q", "-W", "error", "-p", "no:cacheprovider", str(tmp_path / "test_example.py")],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 passed" in run.stdout and "warning" not in run.stdout.lower(), run.stdout
