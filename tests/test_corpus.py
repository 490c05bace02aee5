"""Real public OpenAPI documents (tests/corpus, sources in its README) are served correctly.

For every document: `check` exits 0 with its nits listed, `serve` is healthy, schemathesis
`--checks all` finds no 5xx, no response-schema violation and nothing else but undeclared
statuses `check` lists as spec gaps; and for every operation and declared response, the bodies
the mock generates validate with openapi-core.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openapi_core import Config, OpenAPI
from openapi_core.testing import MockRequest, MockResponse

from mockserver import media
from mockserver.config import Settings
from mockserver.journal.memory import Journal
from mockserver.mocker import negotiator
from mockserver.problems import Problem
from mockserver.server.http import Request
from mockserver.server.pipeline import MockedApi
from mockserver.spec import Api, load_directory
from mockserver.testing.thread import ServerThread
from mockserver.validator.security import AuthPolicy

from fuzzing import Contradiction, failures, run, unexplained

CORPUS = Path(__file__).parent / "corpus"
APIS = {api.name: api for api in load_directory(CORPUS)}

_UPLOAD = (
    "the multipart body is declared `type: string` with `properties`; schemathesis serialises its"
    " 'invalid' and its 'valid' case as the same empty form, so one of ST201/ST202 must fail"
)
# Where schemathesis asks for what no server can do, narrowed by evidence, with the reason;
# nothing else is tolerated.
CONTRADICTIONS: dict[str, list[Contradiction]] = {
    "anythingllm": [
        Contradiction("POST /v1/document/upload", "ST201", "", _UPLOAD),
        Contradiction("POST /v1/document/upload", "ST202", "", _UPLOAD),
    ],
    "r2r": [
        Contradiction(
            "POST /v2/login",
            "ST202",
            "grant_type=null",
            "schemathesis writes null into a form as the text 'null'; OpenAPI defines no form encoding of"
            " null, and FastAPI (this vendor's server) reads it as the string, which fails the pattern",
        ),
        *(
            Contradiction(
                operation,
                "ST202",
                '"loc":["body","files"],"msg":"Field required"',
                "an empty list of files has no multipart encoding: schemathesis sends no part, which FastAPI"
                " (this vendor's server) answers 'Field required', as the mock does",
            )
            for operation in ("POST /v2/ingest_files", "POST /v2/update_files")
        ),
    ],
    "mem0": [
        Contradiction(
            "*",
            "ST202",
            "query.filters",
            "a deepObject nested deeper than one level has no defined serialisation (OpenAPI leaves it"
            " undefined); schemathesis writes an object's empty-string key as `filters[metadata][]=`, which"
            " qs, Rails and PHP (and the mock) read as appending to a list",
            when=lambda text: "%5D%5B%5D=" in text,
        ),
    ],
    "langgraph": [
        Contradiction(
            "Stateful tests",
            "ST202",
            '"loc":["path","thread_id"]',
            "POST /threads/{thread_id}/state/checkpoint declares no thread_id parameter (a nit), so"
            " schemathesis invents any string there and its links reuse it where the document requires a UUID",
        ),
    ],
}


@pytest.fixture(scope="module")
def corpus() -> Iterator[ServerThread]:
    with ServerThread(Settings(specs=CORPUS, quiet=True, seed=20261123), apis=list(APIS.values())) as server:
        yield server


@pytest.fixture(scope="module")
def fuzzed(
    corpus: ServerThread, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, tuple[subprocess.CompletedProcess[str], Path]]:
    """schemathesis against every corpus API, two at a time (the fuzzer, not the mock, is what
    keeps a core busy), largest document first."""
    order = sorted(APIS, key=lambda name: -len(APIS[name].operations))
    folders = {name: tmp_path_factory.mktemp(f"fuzz-{name}") for name in order}

    def fuzz(name: str) -> tuple[subprocess.CompletedProcess[str], Path]:
        return run(APIS[name], corpus.root, folders[name], max_examples=20, seed=20261123, timeout=600), folders[name]

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(order, pool.map(fuzz, order), strict=True))


def test_check_exits_0_and_lists_every_nit_with_a_position() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mockserver", "check", "--specs", str(CORPUS)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    for api in APIS.values():
        assert f"\n{api.name} " in "\n" + result.stdout
    for line in result.stdout.split("Spec problems served anyway")[-1].split("Spec gaps")[0].splitlines()[1:]:
        if line.strip():
            assert line.strip().split(":")[1].isdigit(), line


def test_every_document_is_served(corpus: ServerThread) -> None:
    health = httpx.get(corpus.root + "/__admin/health", timeout=10).json()
    served = {entry["name"]: entry["operations"] for entry in health["apis"]}
    assert served == {name: len(api.operations) for name, api in APIS.items()}
    assert len(served) >= 8


@pytest.mark.parametrize("name", sorted(APIS))
def test_schemathesis_finds_nothing_but_spec_gaps(
    name: str, fuzzed: dict[str, tuple[subprocess.CompletedProcess[str], Path]]
) -> None:
    api = APIS[name]
    result, report = fuzzed[name]
    assert "Test cases:" in result.stdout, result.stdout + result.stderr
    found = unexplained(api, failures(report), CONTRADICTIONS.get(name))
    assert not found, "\n\n".join(f"{f.operation}\n{f.text}" for f in found)


def _responses(api: Api) -> list[tuple[str, str]]:
    return [(op.routing_id, status) for op in api.operations for status in op.responses]


@pytest.mark.parametrize("name", sorted(APIS))
def test_generated_bodies_validate_for_every_operation_and_response(name: str) -> None:
    api = APIS[name]
    mocked = MockedApi(api, Settings(quiet=True), AuthPolicy("off"), Journal(10))
    oracle = OpenAPI.from_dict(api.mounted_document, config=Config(spec_validator_cls=None))
    cases = _responses(api)

    # Every response of every operation per example; the largest document gets fewer seeds
    # (at least two) so the whole corpus stays within a bounded time.
    @settings(
        max_examples=max(2, min(6, 1500 // len(cases))),
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=False,
    )
    @given(seed=st.integers(0, 2**32))
    def every_response_validates(seed: int) -> None:
        mocked.streams.reseed(seed)
        for routing_id, status in cases:
            op = mocked.operations[routing_id]
            code = int(status) if status.isdigit() else (int(status[0]) * 100 if status[0].isdigit() else 400)
            choice = negotiator.choose(op, code)
            if choice.media_type is None or not (media.is_json(choice.media_type) or _text_schema(choice)):
                continue
            path = api.base_path + op.template.replace("{", "").replace("}", "")
            request = Request(op.method, path, "", {"host": "127.0.0.1"}, b"")
            if code < 400:
                response, _ = mocked.respond(op, choice, negotiator.Preferences(), None, request)
            else:
                response = mocked.error(op, code, Problem("validation", "Validation error"), None, request)
            assert response.status == code, (routing_id, status, response.body[:300])
            _validate(oracle, op.method, path, response.body, code, response.media_type or "", response.headers)

    every_response_validates()


def _text_schema(choice: negotiator.Choice) -> bool:
    """A text response openapi-core can judge: its schema is a string (it reads text as one)."""
    return media.is_text(choice.media_type or "") and (choice.schema or {}).get("type") == "string"


def _validate(
    oracle: OpenAPI, method: str, path: str, body: bytes, status: int, media_type: str, headers: list[tuple[str, str]]
) -> None:
    """openapi-core's full response validation (the path is matched with its template)."""
    request = MockRequest("http://127.0.0.1", method.lower(), path)
    response = MockResponse(data=body, status_code=status, content_type=media_type, headers=dict(headers))
    result = oracle.unmarshal_response(request, response)
    problems: list[Any] = [e for e in result.errors if type(e).__name__ not in ("PathNotFound", "OperationNotFound")]
    assert not problems, (method, path, status, body[:400], [repr(getattr(e, "__cause__", e)) for e in problems])


def test_the_corpus_readme_lists_every_document() -> None:
    readme = (CORPUS / "README.md").read_text()
    for api in APIS.values():
        assert api.source.relative_to(CORPUS).parts[0] in readme, api.name
