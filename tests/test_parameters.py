"""Parameters as OpenAPI serialises them, judged as openapi-core judges them.

Every style and `explode` combination is served over real HTTP. Where openapi-core's full
request path is itself right, a hypothesis differential test holds our verdicts and blamed
parameters equal to its `unmarshal_request`; where it is not (FastAPI's `anyOf`-with-null arrays,
label and matrix path parameters, spaceDelimited), the expected results are spelled out here.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlencode

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest
from werkzeug.datastructures import ImmutableMultiDict

from mockserver.config import Settings
from mockserver.spec import load_directory
from mockserver.testing.thread import ServerThread

PARAMS = Path(__file__).parent / "data" / "params"


@pytest.fixture(scope="module")
def served() -> Iterator[httpx.Client]:
    with ServerThread(Settings(specs=PARAMS, quiet=True)) as running:
        with httpx.Client(base_url=running.url("params"), timeout=10) as client:
            yield client


def blamed(response: httpx.Response) -> set[str]:
    assert response.status_code == 422, response.text
    return {str(item["loc"][1]) for item in response.json()["detail"]}


@pytest.mark.parametrize(
    "query",
    [
        "limit=3",
        "limit=100",
        "exact=true",
        "exact=false",
        "tags=a",
        "tags=a&tags=b",
        "ids=1,2,3",
        "scores=1.5|2",
        "words=red%20green",
        "words=red+green+blue",
        "filter[min]=3&filter[kind]=note",
        "where=%7B%22field%22%3A%22x%22%7D",
        "tags=",
    ],
)
def test_valid_query_parameters_are_accepted(served: httpx.Client, query: str) -> None:
    response = served.get("/search?" + query)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("query", "culprit"),
    [
        ("limit=0", "limit"),
        ("limit=abc", "limit"),
        ("limit=", "limit"),
        ("limit=3.5", "limit"),
        ("exact=maybe", "exact"),
        ("ids=1,x", "ids"),
        ("scores=1|x", "scores"),
        ("words=a%20b%20c%20d", "words"),
        ("filter[min]=x", "filter"),
        ("filter[kind]=opinion", "filter"),
        ("where=%7B%7D", "where"),
        ("where=nope", "where"),
    ],
)
def test_invalid_query_parameters_are_blamed(served: httpx.Client, query: str, culprit: str) -> None:
    assert blamed(served.get("/search?" + query)) == {culprit}


def test_header_and_cookie_parameters(served: httpx.Client) -> None:
    assert served.get("/search", headers={"X-Trace": "1,2"}).status_code == 200
    assert blamed(served.get("/search", headers={"X-Trace": "1,two"})) == {"X-Trace"}
    assert served.get("/search", headers={"Cookie": "session=abcd"}).status_code == 200
    assert blamed(served.get("/search", headers={"Cookie": "session=ab"})) == {"session"}


def test_label_and_matrix_path_parameters(served: httpx.Client) -> None:
    assert served.get("/label/.1,2,3").status_code == 200
    assert blamed(served.get("/label/.1,x")) == {"ids"}
    assert served.get("/matrix/;id=5").status_code == 200
    assert blamed(served.get("/matrix/;id=five")) == {"id"}


def test_31_type_lists_are_cast_as_their_one_non_null_type(served: httpx.Client) -> None:
    """`type: [number, 'null']` (also what a 3.1 `nullable` reads as); openapi-core's caster
    fails on a type list, so this is spelled out rather than compared with it."""
    for query in ("depth=0", "depth=1.5", "range[max]=3", "depth=2&range[max]=-4"):
        assert served.get("/nullable?" + query).status_code == 200, query
    assert blamed(served.get("/nullable?depth=x")) == {"depth"}
    assert blamed(served.get("/nullable?depth=-1")) == {"depth"}
    assert blamed(served.get("/nullable?range[max]=1.5")) == {"range"}


def test_an_integer_path_parameter(served: httpx.Client) -> None:
    assert served.get("/items/7").status_code == 200
    assert blamed(served.get("/items/0")) == {"item_id"}
    assert blamed(served.get("/items/seven")) == {"item_id"}


# The differential test: styles whose openapi-core full-path handling is itself correct.
ORACLE_PARAMS = {
    "ids": st.lists(
        st.one_of(st.integers(-5, 10**6).map(str), st.sampled_from(["x", "", "1.5", " 2", "1_000", "٣"])),
        min_size=1,
        max_size=4,
    ).map(",".join),
    "scores": st.lists(
        st.one_of(st.floats(allow_nan=False, allow_infinity=False).map(repr), st.sampled_from(["x", "1e3", "-0", ""])),
        min_size=1,
        max_size=3,
    ).map("|".join),
    "filter[min]": st.one_of(st.integers(-100, 100).map(str), st.sampled_from(["x", "", "+4", "0x1"])),
    "filter[kind]": st.sampled_from(["note", "fact", "opinion", ""]),
    "session": st.text(alphabet="abcxyz0", min_size=0, max_size=5),
}


@pytest.fixture(scope="module")
def oracle() -> OpenAPI:
    (api,) = load_directory(PARAMS)
    return OpenAPI.from_dict(api.mounted_document)


def oracle_blames(openapi: OpenAPI, query: dict[str, str], cookie: str | None) -> set[str]:
    headers = {"Cookie": f"session={cookie}"} if cookie is not None else {}
    request = MockRequest(
        "http://127.0.0.1",
        "get",
        "/params/search",
        args=ImmutableMultiDict(query),
        headers=headers,
        cookies={"session": cookie} if cookie is not None else {},
    )
    result = openapi.unmarshal_request(request)
    names = set()
    for error in result.errors:
        for inner in [error, *getattr(error, "errors", ())]:
            name = getattr(inner, "name", None)
            if name:
                names.add(name)
    return names


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(chosen=st.fixed_dictionaries({}, optional=ORACLE_PARAMS))
def test_parameter_verdicts_equal_openapi_core(served: httpx.Client, oracle: OpenAPI, chosen: dict[str, str]) -> None:
    cookie = chosen.pop("session", None)
    query = {
        k: v for k, v in chosen.items() if v != ""
    }  # openapi-core rejects every empty value; FastAPI and we judge it
    expected = oracle_blames(oracle, query, cookie)
    response = served.get(
        "/search?" + urlencode(query, quote_via=quote),
        headers={"Cookie": f"session={cookie}"} if cookie is not None else {},
    )
    if not expected:
        assert response.status_code == 200, (query, cookie, response.text)
    else:
        assert blamed(response) == expected, (query, cookie)
