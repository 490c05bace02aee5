"""The built wheel: no build warnings, and exactly the package, its bundled documents and
fixtures, and its metadata — nothing of the tests, benchmarks or docs."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from conftest import ROOT


def test_the_wheel_builds_cleanly_and_holds_exactly_the_package(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--quiet", "-w", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    noise = [line for line in result.stderr.splitlines() if "warning" in line.lower() and "Location" not in line]
    assert noise == []
    [wheel] = tmp_path.glob("mockserver-*.whl")
    names = {name for name in zipfile.ZipFile(wheel).namelist() if ".dist-info/" not in name}
    package = ROOT / "mockserver"
    expected = {str(p.relative_to(ROOT)) for p in package.rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    expected |= {f"mockserver/bundled_specs/{p.name}" for p in (ROOT / "specs").iterdir()}
    expected |= {
        f"mockserver/bundled_fixtures/{p.relative_to(ROOT / 'fixtures')}"
        for p in (ROOT / "fixtures").rglob("*")
        if p.is_file()
    }
    assert names == expected


def test_the_lowest_constraints_are_the_lower_bounds_of_pyproject() -> None:
    """`make test-lowest` installs constraints-lowest.txt: it must name exactly the lowest
    version each runtime dependency (and the redis and proxy extras) allows."""
    import tomllib

    from packaging.requirements import Requirement

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = (
        project["dependencies"] + project["optional-dependencies"]["redis"] + project["optional-dependencies"]["proxy"]
    )
    lowest = {}
    for spec in declared:
        requirement = Requirement(spec)
        [bound] = [s.version for s in requirement.specifier if s.operator in (">=", "==")]
        lowest[requirement.name.lower()] = bound
    pinned = {}
    for line in (ROOT / "constraints-lowest.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            requirement = Requirement(line)
            [(operator, version)] = [(s.operator, s.version) for s in requirement.specifier]
            assert operator == "=="
            pinned[requirement.name.lower()] = version
    assert pinned == lowest


def test_every_runtime_dependency_is_a_range_or_says_why_it_is_exact() -> None:
    text = (ROOT / "pyproject.toml").read_text()
    block = text[text.index("dependencies = [") : text.index("]\n", text.index("dependencies = ["))]
    lines = block.splitlines()
    for index, line in enumerate(lines):
        if "==" in line:
            above = index - 1
            reason = ""
            while above >= 0 and lines[above].strip().startswith("#"):
                reason = lines[above] + reason
                above -= 1
            assert "exactly" in reason, f"{line.strip()} is exact without a reason beside it"
