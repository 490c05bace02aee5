"""Run the schemathesis CLI against a live API of the mock and sort what it reports.

Credentials come from the API's own security schemes (the token the mock accepts, put where
each scheme says: bearer header, API-key header, query or cookie), through schemathesis's
OpenAPI-aware auth configuration. A failure is *explained* when it is an undeclared status
that `mockserver check` lists as a spec gap of that operation; everything else is reported.
"""

from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from mockserver.server.routing import Router
from mockserver.spec import Api
from mockserver.spec.gaps import spec_gaps

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
TOKEN = "test-token"


@dataclass(frozen=True)
class Failure:
    """One check that failed on one operation (`POST /memories`), as schemathesis words it."""

    operation: str
    code: str
    text: str

    @property
    def received(self) -> int | None:
        found = re.search(r"Received: (\d{3})", self.text)
        return int(found.group(1)) if found else None


def config(api: Api) -> str:
    """schemathesis.toml giving each security scheme of `api` the mock's token."""
    lines = []
    for name, scheme in api.security_schemes.items():
        kind = str(scheme.get("type", "")).lower()
        lines.append(f'[auth.openapi."{name}"]')
        if kind == "apikey":
            lines.append(f'api_key = "{TOKEN}"')
        elif kind == "http" and str(scheme.get("scheme", "")).lower() == "basic":
            lines += ['username = "user"', f'password = "{TOKEN}"']
        else:
            lines.append(f'bearer = "{TOKEN}"')
    return "\n".join(lines) + "\n"


def headers(api: Api) -> list[str]:
    """`--header` options for the schemes schemathesis applies only from headers."""
    found: list[str] = []
    for scheme in api.security_schemes.values():
        kind = str(scheme.get("type", "")).lower()
        if kind in ("http", "oauth2", "openidconnect") and str(scheme.get("scheme", "bearer")).lower() != "basic":
            found.append(f"Authorization: Bearer {TOKEN}")
        elif kind == "apikey" and scheme.get("in") == "header":
            found.append(f"{scheme['name']}: {TOKEN}")
    options: list[str] = []
    for header in dict.fromkeys(found):
        options += ["--header", header]
    return options


def run(api: Api, root: str, workdir: Path, max_examples: int, seed: int, timeout: float) -> subprocess.CompletedProcess[str]:
    """schemathesis `--checks all` against `api` served at `root`; the JUnit report lands in
    `workdir` (also its working directory: schemathesis keeps a crash cache there)."""
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "schemathesis.toml").write_text(config(api))
    base = root + api.base_path
    return subprocess.run(
        [
            str(SCHEMATHESIS), "run", f"{base}/openapi.json",
            "--url", base,
            "--checks", "all",
            *headers(api),
            "--max-examples", str(max_examples),
            "--seed", str(seed),
            "--report", "junit", "--report-dir", str(workdir),
        ],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=workdir,
    )


def failures(report_dir: Path) -> list[Failure]:
    """Every failed check in the JUnit reports of `report_dir`."""
    found = []
    for report in report_dir.glob("*.xml"):
        for case in ET.parse(report).getroot().iter("testcase"):
            operation = case.get("name", "")
            for failure in case.iter("failure"):
                for block in re.split(r"\n(?=\d+\. Test Case ID)", failure.text or ""):
                    for check in re.split(r"\n(?=- ST\d+ )", block):
                        code = re.search(r"^- (ST\d+) ", check, re.M)
                        if code:
                            found.append(Failure(operation, code.group(1), check.strip()))
    return found


@dataclass(frozen=True)
class Contradiction:
    """A verdict of the fuzzer that no server can meet, narrowed to the failures whose text
    contains `evidence`, with the reason."""

    operation: str
    code: str
    evidence: str
    reason: str

    def covers(self, failure: Failure) -> bool:
        return (failure.operation, failure.code) == (self.operation, self.code) and self.evidence in failure.text


def unexplained(api: Api, found: list[Failure], contradictions: list[Contradiction] | None = None) -> list[Failure]:
    """The failures that are neither an undeclared status `check` lists as a gap of the
    operation nor covered by one of `contradictions`."""
    gaps = {(f"{gap.method} {gap.path}", gap.status) for gap in spec_gaps(api)}
    known = [*_bodiless(api), *(contradictions or [])]
    router = Router([api])
    return [
        failure
        for failure in found
        if not (failure.code == "ST103" and (_operation(failure, router, api), failure.received) in gaps)
        and not any(known_case.covers(failure) for known_case in known)
    ]


def _bodiless(api: Api) -> list[Contradiction]:
    """Operations whose 204 (or 205, 304) declares content: HTTP forbids the body schemathesis
    then expects (`check` lists each as a nit), so its content-type and JSON checks cannot pass."""
    why = "a 204 declares content; HTTP gives a 204 no body"
    return [
        Contradiction(op.routing_id, code, "", why)
        for op in api.operations
        if any((op.responses.get(status) or {}).get("content") for status in ("204", "205", "304"))
        for code in ("ST104", "ST109")
    ]


def _operation(failure: Failure, router: Router, api: Api) -> str:
    """The operation a failure is about; for a stateful sequence, the one its last request hit."""
    if failure.operation != "Stateful tests":
        return failure.operation
    calls = re.findall(r"curl -X (\w+) .*?'?(https?://[^\s']+)'?\s*$", failure.text, re.M)
    if not calls:
        return failure.operation
    method, url = calls[-1]
    match = router.match(method, urlsplit(url).path)
    return match.operation.routing_id if match and match.operation else failure.operation
