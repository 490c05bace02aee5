"""Run the schemathesis CLI against a live API of the mock and sort what it reports.

Credentials come from the API's own security schemes (the token the mock accepts, put where
each scheme says: bearer header, API-key header, query or cookie), through schemathesis's
OpenAPI-aware auth configuration. A failure is *explained* when it is an undeclared status
that `mockserver check` lists as a spec gap of that operation; everything else is reported.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit

from mockserver.server.routing import Router
from mockserver.spec import Api
from mockserver.spec.gaps import spec_gaps
from mockserver.validator.params import effective_type

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


def run(
    api: Api, root: str, workdir: Path, max_examples: int, seed: int, timeout: float
) -> subprocess.CompletedProcess[str]:
    """schemathesis `--checks all` against `api` served at `root`; the JUnit report lands in
    `workdir` (also its working directory: schemathesis keeps a crash cache there)."""
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "schemathesis.toml").write_text(config(api))
    base = root + api.base_path
    return subprocess.run(
        [
            str(SCHEMATHESIS),
            "run",
            f"{base}/openapi.json",
            "--url",
            base,
            "--checks",
            "all",
            *headers(api),
            "--max-examples",
            str(max_examples),
            "--seed",
            str(seed),
            "--report",
            "junit",
            "--report-dir",
            str(workdir),
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
    when: Callable[[str], bool] | None = None

    def covers(self, failure: Failure, operation: str) -> bool:
        """Whether this explains `failure`, which is about `operation` (for a stateful
        sequence, the operation its last request reached); `when`, if given, must also hold
        for the failure's text."""
        return (
            failure.code == self.code
            and self.operation in ("*", failure.operation, operation)
            and self.evidence in failure.text
            and (self.when is None or self.when(failure.text))
        )


def unexplained(api: Api, found: list[Failure], contradictions: list[Contradiction] | None = None) -> list[Failure]:
    """The failures that are neither an undeclared status `check` lists as a gap of the
    operation nor covered by one of `contradictions`."""
    gaps = {(f"{gap.method} {gap.path}", gap.status) for gap in spec_gaps(api)}
    known = [
        *_bodiless(api),
        *_ambiguous_parameters(api),
        *_object_items_in_parameters(api),
        *_discriminated_bodies(api),
        *_event_streams(api),
        *_form_bodies(api),
        *(contradictions or []),
        _INTEGRAL_NUMBERS,
    ]
    router = Router([api])
    left = []
    for failure in found:
        operation = _operation(failure, router, api)
        if failure.code == "ST103" and (operation, failure.received) in gaps:
            continue
        if not any(known_case.covers(failure, operation) for known_case in known):
            left.append(failure)
    return left


# JSON Schema (since draft 6, so OpenAPI 3.1) counts 5.0 as an integer: a `oneOf` of a number
# and an integer branch rejects any integral value, which schemathesis counts for one branch only.
_INTEGRAL_NUMBERS = Contradiction(
    "*",
    "ST202",
    "is valid under each of {'type': 'number'",
    "an integral number matches both the number and the integer branch of a oneOf",
)


def _ambiguous_parameters(api: Api) -> list[Contradiction]:
    """Array (or object) parameters outside a body: a lone string and a one-item array are the
    same query text, so schemathesis's 'invalid' string is served as a valid one-item array.
    Covers a case only when every parameter it calls invalid is such a parameter."""
    why = "a scalar and a one-item array serialise to the same parameter text"
    found = []
    for op in api.operations:
        ambiguous = {str(p["name"]) for p in op.parameters if effective_type(p.get("schema")) in ("array", "object")}
        if ambiguous:
            found.append(
                Contradiction(
                    op.routing_id, "ST201", "Invalid component: parameter", why, partial(_only_blames, ambiguous)
                )
            )
    return found


def _only_blames(names: set[str], text: str) -> bool:
    """Whether the parameters schemathesis made invalid in `text` are all among `names`."""
    line = re.search(r"Invalid component: parameters? (.*) in \w+", text)
    return bool(line) and set(re.findall(r"`([^`]+)`", line.group(1))) <= names


def _object_items_in_parameters(api: Api) -> list[Contradiction]:
    """Parameters that are arrays of objects: OpenAPI defines no serialisation for them, and
    schemathesis sends each object's keys as the items, which no server can read as objects."""
    why = "an array of objects has no parameter serialisation; schemathesis sends the objects' keys"
    return [
        Contradiction(op.routing_id, "ST202", f"{p['in']}.{p['name']}", why)
        for op in api.operations
        for p in op.parameters
        if effective_type(p.get("schema")) == "array"
        and effective_type((p.get("schema") or {}).get("items")) == "object"
    ]


def _discriminated_bodies(api: Api) -> list[Contradiction]:
    """Request bodies with a `discriminator`: openapi-core (and pydantic) choose the branch by
    the discriminating property and require it; schemathesis reads `oneOf` alone."""
    why = "the discriminator is binding for openapi-core and pydantic, an annotation for schemathesis"
    return [
        Contradiction(op.routing_id, "ST202", "", why)
        for op in api.operations
        if op.request_body is not None and '"discriminator"' in json.dumps(op.request_body, default=str)
    ]


def _form_bodies(api: Api) -> list[Contradiction]:
    """Form and multipart bodies: every field is text, so schemathesis's 'wrong type' values
    (an integer for a string, an object for an array) arrive as valid text."""
    why = "a form carries every value as text; a type cannot be wrong in it"
    null = (
        "schemathesis writes null into a form as the text 'null'; OpenAPI defines no form encoding of"
        " null, and FastAPI reads it as text, which is no integer or boolean"
    )
    found = []
    for op in api.operations:
        content = (op.request_body or {}).get("content") or {}
        if any(
            str(media_type).startswith(("multipart/", "application/x-www-form-urlencoded")) for media_type in content
        ):
            found.append(Contradiction(op.routing_id, "ST201", "violates `type`", why))
            found.append(Contradiction(op.routing_id, "ST201", "Incorrect type", why))
            found.append(Contradiction(op.routing_id, "ST202", "unable to", null, when=_sends_null_text))
    return found


def _sends_null_text(text: str) -> bool:
    """A form body with a field whose text is `null` (urlencoded or multipart)."""
    return bool(re.search(r"=null(&|'|$)|\\r\\n\\r\\nnull\\r\\n", text))


def _event_streams(api: Api) -> list[Contradiction]:
    """`text/event-stream` responses whose schema is not an object: schemathesis validates each
    event object (`{data, event, id}`) against it, which a non-object schema can never accept."""
    why = "schemathesis checks SSE event objects against the schema, which here is not an object"
    found = []
    for op in api.operations:
        for response in op.responses.values():
            content = (response or {}).get("content") or {}
            stream = content.get("text/event-stream")
            if isinstance(stream, dict) and (stream.get("schema") or {}).get("type") not in (None, "object"):
                found.append(Contradiction(op.routing_id, "ST108", "SSE event violates schema", why))
    return found


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
    parts = urlsplit(url)
    match = router.match(method, parts.path, parts.query)
    return match.operation.routing_id if match and match.operation else failure.operation
