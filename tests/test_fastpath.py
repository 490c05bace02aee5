"""The jsonschema-rs accelerator accepts exactly what openapi-core's validator accepts.

Soundness is what matters (it may never accept an invalid value: that would serve a 200 to a
request the vendor rejects); equality is asserted too, because a schema it rejects wrongly
would only be slow, and a difference in either direction means it is judging a keyword it
should not be trusted with.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockserver.config import Settings
from mockserver.journal.memory import Journal
from mockserver.server.pipeline import MockedApi
from mockserver.spec import load_api
from mockserver.validator.request import Validators
from mockserver.validator.schema import SchemaCheck
from mockserver.validator.security import AuthPolicy

from conftest import SPECS

DATA = Path(__file__).parent / "data"
DOCUMENTS = sorted(SPECS.glob("*.yaml")) + [
    DATA / "petstore.yaml",
    DATA / "boundaries.yaml",
    DATA / "boundaries30.yaml",
]


def checks() -> list[tuple[str, SchemaCheck, MockedApi, Any]]:
    found = []
    for document in DOCUMENTS:
        api = load_api(document)
        mocked = MockedApi(api, Settings(quiet=True), AuthPolicy("off"), Journal(1))
        for label, check in Validators(api).schema_checks():
            found.append((f"{api.name} {label}", check, mocked, None))
    return found


ALL_CHECKS = checks()
CHECKS = [c for c in ALL_CHECKS if c[1]._accepts is not None]
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=60),
    st.sampled_from(
        [
            "3f2b8c1e-9d4a-4e6b-8a7c-1d2e3f4a5b6c",
            "2024-01-15T10:30:00Z",
            "2024-13-45T99:00:00Z",
            "a@b.co",
            "ok",
            "low",
            "",
        ]
    ),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(
            st.sampled_from(
                [
                    "memory",
                    "content",
                    "text",
                    "id",
                    "title",
                    "tags",
                    "score",
                    "ratio",
                    "parts",
                    "name",
                    "extra",
                    "user_id",
                    "detail",
                    "error",
                ]
            ),
            inner,
            max_size=6,
        ),
    ),
    max_leaves=12,
)


@pytest.mark.parametrize(("label", "check", "mocked", "_"), CHECKS, ids=[c[0] for c in CHECKS])
def test_accelerator_agrees_with_openapi_core(label: str, check: SchemaCheck, mocked: MockedApi, _: Any) -> None:
    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
    @given(value=values, seed=st.integers(0, 2**32), mutate=st.booleans())
    def agree(value: Any, seed: int, mutate: bool) -> None:
        if not mutate:
            mocked.streams.reseed(seed)
            value = mocked.faker.value(check._validator.schema)
        assert check._accepts(value) == check._validator.is_valid(value), value

    agree()


def test_every_vendor_schema_is_accelerated() -> None:
    vendors = {path.stem for path in SPECS.glob("*.yaml")}
    slow = [label for label, check, _m, _ in ALL_CHECKS if label.split()[0] in vendors and check._accepts is None]
    assert slow == []


def test_schemas_with_keywords_it_cannot_judge_stay_on_openapi_core() -> None:
    """Recursion (`$ref`), OpenAPI 3.0 `nullable` and the like: no accelerator at all."""
    slow = {label.split()[0] for label, check, _m, _ in ALL_CHECKS if check._accepts is None}
    assert slow == {"boundaries", "boundaries30", "petstore"}  # petstore: Pet.friends recurses
