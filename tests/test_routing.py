"""Routing per the OpenAPI rules: literal paths beat templates, 405 lists every allowed method,
`#fragment` path keys, HEAD, encoded slashes, YAML 1.2 numbers in the document."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mockserver.config import Settings
from mockserver.testing.thread import ServerThread

ROUTES = Path(__file__).parent / "data" / "routing"


@pytest.fixture(scope="module")
def routes() -> Iterator[httpx.Client]:
    with ServerThread(Settings(specs=ROUTES, quiet=True)) as running:
        with httpx.Client(base_url=running.url("routes"), timeout=10) as client:
            yield client


def test_a_literal_path_beats_a_template(routes: httpx.Client) -> None:
    processing = routes.get("/documents/processing")
    assert processing.status_code == 200
    assert "processing" in processing.json()
    one = routes.get("/documents/abc")
    assert one.status_code == 200 and "id" in one.json()


def test_a_literal_path_beats_a_template_for_delete(routes: httpx.Client) -> None:
    bulk = routes.delete("/documents/bulk")
    assert bulk.status_code == 200 and "deleted" in bulk.json()
    assert routes.delete("/documents/abc").status_code == 204


def test_the_most_specific_segment_wins_at_every_depth(routes: httpx.Client) -> None:
    history = routes.get("/memories/m-1/history/")
    assert history.status_code == 200 and "history" in history.json()
    entity = routes.get("/memories/user/u-1/")
    assert entity.status_code == 200 and "entity_type" in entity.json()


def test_the_matching_path_decides_even_when_a_template_declares_the_method(routes: httpx.Client) -> None:
    """GET is declared on /documents/{id} but not on /documents/bulk: the literal path is the
    resource, so GET there is a 405, not a fall-through to the template."""
    response = routes.get("/documents/bulk")
    assert response.status_code == 405
    assert {m.strip() for m in response.headers["allow"].split(",")} == {"PUT", "DELETE"}


def test_405_allow_lists_every_method_declared_on_the_path(routes: httpx.Client) -> None:
    response = routes.post("/documents/bulk")
    assert response.status_code == 405
    assert [m.strip() for m in response.headers["allow"].split(",")] == ["PUT", "DELETE"]
    on_template = routes.post("/documents/abc")
    assert [m.strip() for m in on_template.headers["allow"].split(",")] == ["GET", "DELETE"]
    on_fragments = routes.patch("/query")
    assert on_fragments.status_code == 405
    assert {m.strip() for m in on_fragments.headers["allow"].split(",")} == {"GET", "POST"}


def test_path_keys_with_a_fragment_are_served_on_the_path(routes: httpx.Client) -> None:
    assert routes.get("/query").json() == {"flavour": "sql"}
    created = routes.post("/query")
    assert created.status_code == 201 and created.json() == {"flavour": "graph"}


def test_a_path_key_with_a_query_is_chosen_by_the_request_query(routes: httpx.Client) -> None:
    """`/responses/{id}?beta=true` is a second GET on the path, for requests carrying beta=true."""
    assert routes.get("/responses/r1").json() == {"api": "stable"}
    assert routes.get("/responses/r1?other=1").json() == {"api": "stable"}
    beta = routes.get("/responses/r1?beta=true", headers={"OpenAI-Beta": "responses=v1"})
    assert beta.status_code == 200 and beta.json() == {"api": "beta"}
    assert routes.get("/responses/r1?beta=true", headers={"OpenAI-Beta": "nope"}).status_code == 422


def test_a_variable_inside_a_segment(routes: httpx.Client) -> None:
    assert routes.get("/files/readme.json").status_code == 200
    assert routes.get("/files/readme.txt").status_code == 404


def test_an_encoded_slash_stays_inside_its_path_parameter(routes: httpx.Client) -> None:
    assert routes.get("/documents/a%2Fb").status_code == 200
    assert routes.get("/documents/a/b").status_code == 404


def test_a_missing_or_extra_trailing_slash_is_forgiven(routes: httpx.Client) -> None:
    assert "history" in routes.get("/memories/m-1/history").json()
    assert "processing" in routes.get("/documents/processing/").json()


def test_head_answers_like_get_without_a_body(routes: httpx.Client) -> None:
    head = routes.head("/documents/processing")
    assert head.status_code == 200 and head.content == b""
    assert int(head.headers["content-length"]) > 0
    assert head.headers["content-type"] == "application/json"
    assert routes.get("/documents/processing").status_code == 200  # the connection is still usable


def test_yaml_1_2_numbers_are_numbers(routes: httpx.Client) -> None:
    """`minimum: 1e-08` is a number in YAML 1.2 (PyYAML's 1.1 reads a string)."""
    assert routes.get("/thresholds", params={"score": "0.5"}).status_code == 200
    assert routes.get("/thresholds", params={"score": "0"}).status_code == 400
    assert routes.get("/thresholds").json()["score"] >= 1e-08
