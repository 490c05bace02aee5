"""The command line's contract, flag by flag: every flag of every command is in the tables below
(a new flag without a row fails `test_every_flag_has_a_row`); a good value is accepted, a bad
one is one line on stderr naming the flag and exit 2 — never a traceback or the usage block."""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from mockserver import __version__
from mockserver.cli import build_parser

from conftest import SPECS, ended

# flag → (a value it accepts, a value it refuses with what stderr must say; None: any value goes)
SERVE: dict[str, tuple[list[str], tuple[list[str], str] | None]] = {
    "--specs": ([str(SPECS)], (["/nonexistent/specs"], "/nonexistent/specs")),
    "--strict": ([], None),
    "--host": (["127.0.0.1"], (["999.1.1.1"], "--host 999.1.1.1: not an address of this machine")),
    "--port": (["0"], (["99999"], "a port is 0 to 65535, not 99999")),
    "--quiet": ([], None),
    "--token": (["secret"], None),
    "--seed": (["7"], (["seven"], "invalid int value")),
    "--locale": (["de_DE"], (["xx_XX"], "Faker has no locale 'xx_XX'")),
    "--journal-size": (["100"], (["-1"], "must be at least 1, not -1")),
    "--cors-origin": (["http://localhost:5173"], (["localhost:5173"], "expected * or origins")),
    "--latency": (["50-100"], (["fast"], "--latency")),
    "--error-rate": (["0.1"], (["2"], "--error-rate")),
    "--port-per-api": (["20000"], (["65534"], "need ports 65534 to 65538")),
    "--workers": (["2"], (["0"], "must be at least 1, not 0")),
    "--admin-token": (["t"], None),
    "--max-body": (["1M"], (["lots"], "expected a size")),
    "--watch": ([], None),
    "--stateless": ([], None),
    "--state": (["sqlite:///x.db"], (["postgres://x"], "expected redis://HOST:PORT/DB or sqlite:///FILE")),
    "--max-records": (["10"], (["0"], "must be at least 1, not 0")),
    "--data": (["fixtures/data"], (["/nonexistent/data"], "/nonexistent/data")),
    "--upstream": (["agno=http://127.0.0.1:9"], (["agno=localhost:9"], "expected an http:// or https:// URL")),
    "--upstream-timeout": (["2.5"], (["0"], "more than 0")),
    "--fidelity": (["observed"], (["exact"], "invalid choice: 'exact'")),
    "--observed": (["fixtures/observed"], (["/nonexistent/observed"], "/nonexistent/observed")),
    "--record": (["recordings"], (["/dev/null/x"], "/dev/null/x")),
    "--auth": (["any"], (["maybe"], "invalid choice: 'maybe'")),
}
CHECK: dict[str, tuple[list[str], tuple[list[str], str] | None]] = {
    "--specs": ([str(SPECS)], (["/nonexistent/specs"], "/nonexistent/specs")),
    "--strict": ([], None),
}
DRIFT: dict[str, tuple[list[str], tuple[list[str], str] | None]] = {
    "--specs": ([str(SPECS)], (["/nonexistent/specs"], "/nonexistent/specs")),
    "--strict": ([], None),
    "--journal": (["http://127.0.0.1:9"], (["http://127.0.0.1:9"], "http://127.0.0.1:9/__admin/requests")),
    "--admin-token": (["t"], None),
    "--json": ([], None),
}
LEARN: dict[str, tuple[list[str], tuple[list[str], str] | None]] = {
    "--specs": ([str(SPECS)], (["/nonexistent/specs"], "/nonexistent/specs")),
    "--strict": ([], None),
    "--vendor": (["agno 3.1.10"], None),
    "--out": (["observed"], None),
}
TABLES = {"serve": SERVE, "check": CHECK, "drift": DRIFT, "learn": LEARN}
REQUIRED = {"drift": ["/nonexistent/recording"], "learn": ["/nonexistent/recording"]}


def _options(command: str) -> set[str]:
    parser = build_parser()
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return {
        o
        for a in subparsers.choices[command]._actions
        for o in a.option_strings
        if o.startswith("--") and o != "--help"
    }


@pytest.mark.parametrize("command", sorted(TABLES))
def test_every_flag_has_a_row(command: str) -> None:
    assert _options(command) == set(TABLES[command])


@pytest.mark.parametrize(("command", "flag"), [(c, f) for c, table in TABLES.items() for f in table])
def test_a_good_value_is_accepted(command: str, flag: str) -> None:
    good, _ = TABLES[command][flag]
    args = build_parser().parse_args([command, *REQUIRED.get(command, []), flag, *good])
    assert args.command == command


def _run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mockserver", *args], capture_output=True, text=True, timeout=60, cwd=cwd
    )


@pytest.mark.parametrize(
    ("command", "flag"),
    [(c, f) for c, table in TABLES.items() for f, (_, bad) in table.items() if bad is not None],
)
def test_a_bad_value_is_one_line_and_exit_2(command: str, flag: str, tmp_path: Path) -> None:
    _, bad = TABLES[command][flag]
    assert bad is not None
    values, said = bad
    extra = ["--port", "0"] if command == "serve" and flag not in ("--port", "--host") else []
    if command == "serve" and flag in ("--observed",):
        extra += ["--fidelity", "observed"]
    if command == "drift" and flag == "--journal":
        result = _run(command, flag, *values, cwd=tmp_path)
    else:
        result = _run(command, *REQUIRED.get(command, []), flag, *values, *extra, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and said in lines[0], result.stderr
    assert "Traceback" not in result.stderr


def test_a_busy_port_names_itself_and_exits_1() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = _run("serve", "--port", str(port))
    assert result.returncode == 1
    assert result.stderr.strip() == f"mockserver: could not listen on 127.0.0.1:{port}: Address already in use"


def test_version() -> None:
    result = _run("--version")
    assert result.returncode == 0 and result.stdout.strip() == f"mockserver {__version__}"


def test_one_api_is_one_api(tmp_path: Path) -> None:
    (tmp_path / "agno.yaml").write_bytes((SPECS / "agno.yaml").read_bytes())
    process = subprocess.Popen(
        [sys.executable, "-m", "mockserver", "serve", "--specs", str(tmp_path), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
    finally:
        ended(process, 10)
    assert "(1 API)" in first
