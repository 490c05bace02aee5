"""Media types on both sides: declared spellings with parameters and suffixes, form and multipart
bodies validated, text and XML answered as text and XML, `Accept` honoured, declared response
headers sent, and HTTP framing that keeps a keep-alive connection usable."""

from __future__ import annotations

import http.client
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree

import httpx
import pytest
from openapi_core import Config, OpenAPI

from mockserver.config import Settings
from mockserver.spec import load_directory
from mockserver.testing.thread import ServerThread

from conftest import assert_valid_response

DEFECTS = Path(__file__).parent / "data" / "defects"
AUTH = {"Authorization": "Token test-token"}


@pytest.fixture(scope="module")
def running() -> Iterator[ServerThread]:
    with ServerThread(Settings(specs=DEFECTS, quiet=True)) as server:
        yield server


@pytest.fixture(scope="module")
def shapes(running: ServerThread) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=running.url("shapes"), headers=AUTH, timeout=10) as client:
        yield client


@pytest.fixture(scope="module")
def oracle() -> OpenAPI:
    api = next(a for a in load_directory(DEFECTS) if a.name == "shapes")
    return OpenAPI.from_dict(
        api.mounted_document, config=Config(spec_validator_cls=None)
    )  # it has nits, as real documents do


def test_a_media_type_declared_with_a_charset_accepts_json(shapes: httpx.Client, oracle: OpenAPI) -> None:
    created = shapes.post("/notes", json={"text": "Prefers tea"})
    assert created.status_code == 201, created.text
    assert created.json()["text"] == "Prefers tea"
    assert_valid_response(oracle, created.request, created)
    assert shapes.post("/notes", json={"text": ""}).status_code == 422


def test_declared_response_headers_are_sent_and_valid(shapes: httpx.Client) -> None:
    created = shapes.post("/notes", json={"text": "Prefers tea"})
    location = created.headers["location"]
    assert location.startswith("http://") and location.endswith("/shapes/notes/" + created.json()["id"])
    assert 0 <= int(created.headers["x-ratelimit-remaining"]) <= 100


def test_a_structured_suffix_media_type_is_parsed_and_validated(shapes: httpx.Client) -> None:
    patch = {"content-type": "application/merge-patch+json"}
    note = "/notes/" + str(shapes.post("/notes", json={"text": "Prefers tea"}).json()["id"])
    assert shapes.patch(note, content=b'{"text": "short"}', headers=patch).status_code == 200
    too_long = shapes.patch(note, content=b'{"text": "far too long for ten"}', headers=patch)
    assert too_long.status_code == 422 and "text" in too_long.json()["detail"]
    assert shapes.patch(note, content=b'{"text": "x"}', headers={"content-type": "text/plain"}).status_code == 422


def test_multipart_uploads_are_validated_part_by_part(shapes: httpx.Client) -> None:
    ok = shapes.post(
        "/upload", files={"file": ("notes.txt", b"\x00\xffbinary")}, data={"title": "Trip notes", "pages": "3"}
    )
    assert ok.status_code == 201, ok.text
    assert ok.json()["title"] == "Trip notes" and ok.json()["pages"] == 3
    missing = shapes.post("/upload", files={"file": ("notes.txt", b"x")}, data={"pages": "2"})
    assert missing.status_code == 422 and "body.title: Field required" in missing.json()["detail"]
    no_file = shapes.post("/upload", files={"other": ("a", b"x")}, data={"title": "Trip notes"})
    assert no_file.status_code == 422 and "body.file: Field required" in no_file.json()["detail"]
    bad_number = shapes.post("/upload", files={"file": ("n.txt", b"x")}, data={"title": "Trip", "pages": "three"})
    assert bad_number.status_code == 422 and "body.pages" in bad_number.json()["detail"]


def test_urlencoded_forms_are_cast_and_validated(shapes: httpx.Client) -> None:
    ok = shapes.post("/form", data={"name": "Ann", "age": "41"})
    assert ok.status_code == 200 and ok.json() == {"name": "Ann", "age": 41}
    bad = shapes.post("/form", data={"age": "old"})
    assert bad.status_code == 422
    assert "body.age" in bad.json()["detail"] and "body.name: Field required" in bad.json()["detail"]


def test_text_plain_is_answered_as_text(shapes: httpx.Client) -> None:
    response = shapes.get("/text")
    assert response.headers["content-type"].startswith("text/plain")
    assert len(response.text) >= 5 and not response.text.startswith('"')


def test_xml_is_answered_as_xml_following_the_xml_objects(shapes: httpx.Client) -> None:
    response = shapes.get("/xml")
    assert response.headers["content-type"] == "application/xml"
    root = ElementTree.fromstring(response.content)
    assert root.tag == "note" and root.get("id", "").isdigit()
    assert root.find("tags") is not None and all(tag.tag == "tag" for tag in root.find("tags") or [])


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, "application/json"),
        ("*/*", "application/json"),
        ("application/xml", "application/xml"),
        ("application/json;q=0.5, application/xml", "application/xml"),
        ("text/*, application/*;q=0.2", "application/json"),
    ],
)
def test_accept_chooses_among_the_declared_media_types(shapes: httpx.Client, accept: str | None, expected: str) -> None:
    response = shapes.get("/both", headers={"Accept": accept} if accept else {})
    assert response.status_code == 200 and response.headers["content-type"] == expected


def test_an_unacceptable_accept_is_a_406(shapes: httpx.Client) -> None:
    response = shapes.get("/both", headers={"Accept": "text/html"})
    assert response.status_code == 406 and "application/xml" in response.json()["detail"]


def test_a_204_never_carries_a_body_even_when_the_document_declares_one(running: ServerThread) -> None:
    """Two requests on one keep-alive connection: a body after the 204 would be read as the
    start of the second response."""
    connection = http.client.HTTPConnection("127.0.0.1", running.port, timeout=10)
    headers = {"Authorization": "Token test-token"}
    created = httpx.post(
        running.url("shapes") + "/notes", json={"text": "Short-lived"}, headers=headers, timeout=10
    ).json()
    connection.request("DELETE", f"/shapes/notes/{created['id']}", headers=headers)
    deleted = connection.getresponse()
    assert deleted.status == 204 and deleted.read() == b""
    assert deleted.getheader("content-length") is None and deleted.getheader("content-type") is None
    connection.request("GET", "/shapes/text", headers=headers)
    following = connection.getresponse()
    assert following.status == 200 and len(following.read()) >= 5
    connection.close()


def test_head_on_a_keep_alive_connection(running: ServerThread) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", running.port, timeout=10)
    headers = {"Authorization": "Token test-token"}
    connection.request("HEAD", "/shapes/agents/a-1", headers=headers)
    head = connection.getresponse()
    assert head.status == 200 and head.read() == b"" and int(head.getheader("content-length") or 0) > 0
    connection.request("GET", "/shapes/agents/a-1", headers=headers)
    assert connection.getresponse().status == 200
    connection.close()
