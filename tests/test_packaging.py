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
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    noise = [line for line in result.stderr.splitlines() if "warning" in line.lower() and "Location" not in line]
    assert noise == []
    [wheel] = tmp_path.glob("mockserver-*.whl")
    names = {name for name in zipfile.ZipFile(wheel).namelist() if ".dist-info/" not in name}
    package = ROOT / "mockserver"
    expected = {str(p.relative_to(ROOT)) for p in package.rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    expected |= {f"mockserver/bundled_specs/{p.name}" for p in (ROOT / "specs").iterdir()}
    expected |= {f"mockserver/bundled_fixtures/{p.relative_to(ROOT / 'fixtures')}" for p in (ROOT / "fixtures").rglob("*") if p.is_file()}
    assert names == expected
