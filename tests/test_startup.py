"""A specs directory that cannot be served is refused at start: one line, exit code 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conftest import SPECS

GOOD = (SPECS / "agno.yaml").read_text()

BROKEN = {
    "broken_yaml": ({"bad.yaml": "openapi: 3.1.0\ninfo: [unclosed\n"}, "bad.yaml:3:1: invalid YAML"),
    "invalid_json": ({"bad.json": '{"openapi": "3.1.0",}'}, "bad.json:1:21: invalid JSON"),
    "not_openapi": ({"notes.yaml": "shopping:\n  - milk\n"}, "not an OpenAPI 3.0/3.1 document"),
    "swagger_2": (
        {"old.yaml": "swagger: '2.0'\ninfo: {title: x, version: '1'}\npaths: {}\n"},
        "not an OpenAPI 3.0/3.1 document",
    ),
    "unresolvable_ref": (
        {"bad.yaml": GOOD.replace("'#/components/schemas/NotFoundResponse'", "'#/components/schemas/Nope'")},
        "unresolvable $ref '#/components/schemas/Nope'",
    ),
    "same_stem": ({"agno.yaml": GOOD, "agno.json": '{"openapi": "3.1.0"}'}, "API name 'agno' is already taken"),
    "empty": ({}, "no *.yaml, *.yml or *.json OpenAPI documents found"),
}


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mockserver", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("case", sorted(BROKEN))
@pytest.mark.parametrize("command", ["check", "serve"])
def test_broken_specs_directory_is_refused_with_one_line(tmp_path: Path, case: str, command: str) -> None:
    files, expected = BROKEN[case]
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    extra = ["--port", "0"] if command == "serve" else []
    result = run(command, "--specs", str(tmp_path), *extra)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert expected in lines[0]
    assert result.stdout == ""


def test_missing_directory_is_refused(tmp_path: Path) -> None:
    result = run("check", "--specs", str(tmp_path / "nope"))
    assert result.returncode == 2
    assert "not a directory" in result.stderr


def test_check_prints_a_table_of_every_api() -> None:
    result = run("check", "--specs", str(SPECS))
    assert result.returncode == 0, result.stderr
    header, _rule, *rows = result.stdout.strip().splitlines()[:7]
    assert header.split()[:3] == ["API", "OpenAPI", "base"]
    assert [row.split()[0] for row in rows] == ["agno", "memoram", "memoryplugin", "mielto", "omi"]
    assert "/memoram/api/v1" in result.stdout and "201, 400, 401, 403" in result.stdout


@pytest.mark.parametrize("args", [["--help"], ["serve", "--help"], ["check", "--help"]])
def test_every_command_has_help(args: list[str]) -> None:
    result = run(*args)
    assert result.returncode == 0 and "usage: mockserver" in result.stdout
