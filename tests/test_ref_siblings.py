"""Keywords beside a `$ref` keep their meaning (OpenAPI 3.1), through resolution and serving."""

from __future__ import annotations

import httpx

from conftest import PATHS, TOKEN


def test_omi_category_default_beside_its_ref_is_served(client: httpx.Client) -> None:
    """DeveloperMemory.category is `{$ref: MemoryCategory, default: interesting}`: content that
    suggests no category gets the declared default, not an omitted field."""
    body = client.post(
        PATHS["omi"], json={"content": "Browser check: prefers dark mode"}, headers={"Authorization": f"Bearer {TOKEN}"}
    ).json()
    assert body["category"] == "interesting"
