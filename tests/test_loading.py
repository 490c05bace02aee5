"""Loading real documents: YAML 1.2, nits served (and listed with positions), `--strict`,
external `$ref` files, fragments beside the root, remote references, odd keys."""

from __future__ import annotations

import json
import math
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from openapi_core import OpenAPI

from mockserver.config import Settings
from mockserver.spec import load_directory
from mockserver.spec.yaml12 import load as load_yaml
from mockserver.testing.thread import ServerThread

from conftest import assert_valid_response

DATA = Path(__file__).parent / "data"


def cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mockserver", *args], capture_output=True, text=True, timeout=timeout)


def test_check_lists_every_nit_with_its_position() -> None:
    result = cli("check", "--specs", str(DATA / "nits"))
    assert result.returncode == 0, result.stderr
    assert 'lenient.yaml:2:1: /info: "version" is a required property' in result.stdout
    assert (
        "lenient.yaml:17:13: /paths/~1items/get/responses/200/content/application~1json: 'description'" in result.stdout
    )
    assert (
        "lenient.yaml:12:13: /paths/~1items/get/parameters/0/schema/default: default True is not of type 'string'"
        in result.stdout
    )


def test_a_schema_the_meta_schema_rejects_is_placed_where_it_is(tmp_path: Path) -> None:
    """openapi-spec-validator reports such errors relative to the schema (`/required`)."""
    (tmp_path / "x.yaml").write_text(
        "openapi: 3.1.0\n"
        "info: {title: x, version: '1'}\n"
        "paths:\n"
        "  /things:\n"
        "    get:\n"
        "      responses:\n"
        "        '200':\n"
        "          description: ok\n"
        "          content:\n"
        "            application/json:\n"
        "              schema:\n"
        "                type: object\n"
        "                required: [a, a]\n"
        "                properties: {a: {type: string}}\n"
    )
    result = cli("check", "--specs", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert (
        "x.yaml:13:17: /paths/~1things/get/responses/200/content/application~1json/schema/required: ['a', 'a'] has non-unique elements"
        in result.stdout
    ), result.stdout


@pytest.mark.parametrize("command", ["check", "serve"])
def test_strict_refuses_a_document_with_nits(command: str) -> None:
    result = cli(command, "--strict", "--specs", str(DATA / "nits"), *(["--port", "0"] if command == "serve" else []))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    first, *listed = result.stderr.strip().splitlines()
    assert "3 problems found and --strict refuses them" in first
    assert len(listed) == 3 and all("lenient.yaml:" in line for line in listed)


def test_serve_warns_in_one_line_and_serves_the_document() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "mockserver", "serve", "--port", "0", "--quiet", "--specs", str(DATA / "nits")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        banner = process.stdout.readline() if process.stdout else ""
        port = re.search(r":(\d+) ", banner)
        assert port, banner
        response = httpx.get(f"http://127.0.0.1:{port.group(1)}/lenient/items", timeout=10)
        assert response.status_code == 200 and isinstance(response.json(), list)
        warning = process.stderr.readline() if process.stderr else ""  # written once validation ends
    finally:
        process.terminate()
        _out, err = process.communicate(timeout=10)
    assert "mockserver: warning:" in warning and "3 spec problems served anyway" in warning, warning + err
    assert "warning" not in err, err


def test_a_document_split_over_files_is_served() -> None:
    (api,) = load_directory(DATA / "multifile")
    assert api.name == "notes" and api.nits == ()
    oracle = OpenAPI.from_dict(api.mounted_document)
    with ServerThread(Settings(specs=DATA / "multifile", quiet=True)) as running:
        base = running.url("notes")
        listed = httpx.get(base + "/notes")
        assert listed.status_code == 200
        assert_valid_response(oracle, listed.request, listed)
        created = httpx.post(base + "/notes", json={"text": "Buy oat milk", "weight": 0.5})
        assert created.status_code == 201, created.text
        assert_valid_response(oracle, created.request, created)
        assert created.json()["text"] == "Buy oat milk"
        rejected = httpx.post(base + "/notes", json={"text": "x", "weight": 0})
        assert rejected.status_code == 422 and isinstance(rejected.json()["detail"], str)


def test_a_referenced_fragment_beside_the_root_is_not_an_api(tmp_path: Path) -> None:
    (tmp_path / "shared.yaml").write_text("Thing:\n  type: object\n  properties:\n    n: {type: integer}\n")
    (tmp_path / "root.yaml").write_text(
        "openapi: 3.1.0\ninfo: {title: r, version: '1'}\npaths:\n  /things:\n    get:\n      responses:\n"
        "        '200':\n          description: ok\n          content:\n            application/json:\n"
        "              schema: {$ref: 'shared.yaml#/Thing'}\n"
    )
    result = cli("check", "--specs", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert [row.split()[0] for row in result.stdout.splitlines()[2:3]] == ["root"]


def test_a_missing_referenced_file_is_refused_with_its_position(tmp_path: Path) -> None:
    (tmp_path / "root.yaml").write_text(
        "openapi: 3.1.0\ninfo: {title: r, version: '1'}\ncomponents:\n  schemas:\n    A: {$ref: './nope.yaml'}\npaths: {}\n"
    )
    result = cli("check", "--specs", str(tmp_path))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        f"mockserver: {tmp_path / 'root.yaml'}:5:16: unresolvable $ref './nope.yaml': nope.yaml not found"
    ]


def test_a_remote_reference_is_never_fetched(tmp_path: Path) -> None:
    (tmp_path / "remote.yaml").write_text(
        "openapi: 3.1.0\ninfo: {title: r, version: '1'}\npaths:\n  /things:\n    get:\n      responses:\n"
        "        '200':\n          description: ok\n          content:\n            application/json:\n"
        "              schema: {$ref: 'https://schemas.example.invalid/thing.json'}\n"
    )
    started = time.monotonic()
    (api,) = load_directory(tmp_path)
    assert time.monotonic() - started < 10
    assert any("remote references are not fetched" in nit.message for nit in api.nits)
    with ServerThread(Settings(specs=tmp_path, quiet=True)) as running:
        assert httpx.get(running.url("remote") + "/things").status_code == 200


def test_integer_keys_and_yaml_1_1_words_load_as_json_would(tmp_path: Path) -> None:
    shutil.copy(DATA / "routing" / "routes.yaml", tmp_path / "routes.yaml")
    (tmp_path / "pets.yaml").write_text(
        "openapi: 3.0.3\ninfo: {title: p, version: '1'}\npaths:\n  /pets:\n    get:\n      responses:\n"
        "        200:\n          description: ok\n          content:\n            application/json:\n"
        "              schema:\n                oneOf: [{$ref: '#/components/schemas/A'}, {$ref: '#/components/schemas/B'}]\n"
        "                discriminator: {propertyName: kind, mapping: {1: '#/components/schemas/A', 2: '#/components/schemas/B'}}\n"
        "components:\n  schemas:\n    A: {type: object, required: [kind], properties: {kind: {type: string, enum: ['1']}, answer: {type: string, enum: [yes, no]}}}\n"
        "    B: {type: object, required: [kind], properties: {kind: {type: string, enum: ['2']}}}\n"
    )
    result = cli("check", "--specs", str(tmp_path))
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    pets = next(api for api in load_directory(tmp_path) if api.name == "pets")
    schemas = pets.document["components"]["schemas"]
    assert schemas["A"]["properties"]["answer"]["enum"] == ["yes", "no"]
    assert "200" in pets.operations[0].responses


def test_a_boolean_exclusive_minimum_in_31_is_read_as_30_meant_it(tmp_path: Path) -> None:
    """`minimum: 0, exclusiveMinimum: true` (3.0) in a 3.1 document means "greater than 0"; JSON
    Schema alone would read `true` as 1 and refuse 0.5."""
    (tmp_path / "jobs.yaml").write_text(
        "openapi: 3.1.0\ninfo: {title: j, version: '1'}\npaths:\n  /jobs:\n    post:\n"
        "      requestBody:\n        required: true\n        content:\n          application/json:\n"
        "            schema: {type: object, properties: {rate: {type: number, minimum: 0, exclusiveMinimum: true},"
        " cap: {type: number, maximum: 10, exclusiveMaximum: false}}}\n"
        "      responses:\n        '201': {description: created}\n        '422': {description: invalid}\n"
    )
    result = cli("check", "--specs", str(tmp_path))
    assert (
        result.returncode == 0 and "is OpenAPI 3.0; read as 3.0 meant it here and in 1 other schemas" in result.stdout
    ), result.stdout
    with ServerThread(Settings(specs=tmp_path, quiet=True)) as running:
        url = running.url("jobs") + "/jobs"
        assert httpx.post(url, json={"rate": 0.5, "cap": 10}).status_code == 201
        assert httpx.post(url, json={"rate": 0}).status_code == 422
        assert httpx.post(url, json={"cap": 10.5}).status_code == 422


@given(st.floats(allow_nan=False, allow_infinity=False, width=64))
def test_yaml_numbers_in_exponent_form_are_numbers(number: float) -> None:
    for text in (f"{number:e}", f"{number:E}", repr(number)):
        loaded = load_yaml(f"value: {text}")["value"]
        assert isinstance(loaded, float) and math.isclose(loaded, float(text), rel_tol=0, abs_tol=0), text


@given(st.integers(min_value=-(10**30), max_value=10**30))
def test_yaml_integers_and_integer_keys(number: int) -> None:
    assert load_yaml(f"{number}: {number}") == {str(number): number}
    assert json.loads(json.dumps(load_yaml(f"{number}: [{number}]"))) == {str(number): [number]}
