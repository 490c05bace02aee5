"""Created memories echo what was sent; only server-owned fields are invented, realistically,
and `--seed` makes every answer reproducible."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from faker.providers.lorem.en_US import Provider as Lorem

from mockserver.config import Settings
from mockserver.testing.thread import ServerThread

from conftest import PATHS, SPECS, TOKEN, valid_body

AUTH = {"Authorization": f"Bearer {TOKEN}"}


def create(client: httpx.Client, vendor: str, body: Any, **headers: str) -> dict[str, Any]:
    response = client.post(PATHS[vendor], json=body, headers={**AUTH, **headers})
    assert response.status_code < 300, response.text
    return response.json()


def near_now(stamp: str) -> bool:
    moment = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    return abs((dt.datetime.now(dt.UTC) - moment).total_seconds()) < 120


def test_mielto_create_reflects_the_request(client: httpx.Client) -> None:
    sent = valid_body("mielto")
    got = create(client, "mielto", sent)
    memory = got["memory"]
    assert {k: memory[k] for k in ("user_id", "memory", "topics", "metadata")} == {
        k: sent[k] for k in ("user_id", "memory", "topics", "metadata")
    }
    assert got["memory_id"] == memory["memory_id"]
    assert got["message"] == "Memory created successfully."
    assert memory["created_at"] == memory["updated_at"] and near_now(memory["created_at"])


def test_agno_create_reflects_the_request_and_follows_the_example_id_style(client: httpx.Client) -> None:
    sent = valid_body("agno")
    got = create(client, "agno", sent)
    assert {k: got[k] for k in sent} == sent
    assert re.fullmatch(r"mem-[a-z0-9]{12}", got["memory_id"])
    assert got["agent_id"] is None and got["team_id"] is None
    assert near_now(got["updated_at"])


def test_omi_create_reflects_the_request_with_server_fields(client: httpx.Client) -> None:
    sent = valid_body("omi")
    got = create(client, "omi", sent)
    assert got["content"] == sent["content"] and got["tags"] == sent["tags"]
    assert got["visibility"] == "private"
    uuid.UUID(got["id"])
    assert got["created_at"] == got["updated_at"] and near_now(got["created_at"])
    assert (got["edited"], got["reviewed"], got["scoring"]) == (False, False, None)


def test_omi_applies_the_request_defaults_the_client_omitted(client: httpx.Client) -> None:
    got = create(client, "omi", {"content": "Prefers tea to coffee"})
    assert got["visibility"] == "private" and got["tags"] == []


@pytest.mark.parametrize(
    ("content", "category"),
    [
        ("Got promoted at work; the manager wants weekly project updates", "work"),
        ("Allergic to peanuts and follows a vegetarian diet", "lifestyle"),
        ("Plays guitar and does pottery on weekends as a hobby", "hobbies"),
    ],
)
def test_omi_category_is_chosen_from_the_content_when_not_sent(
    client: httpx.Client, content: str, category: str
) -> None:
    assert create(client, "omi", {"content": content})["category"] == category


def test_omi_category_sent_is_kept(client: httpx.Client) -> None:
    assert create(client, "omi", {"content": "x", "category": "skills"})["category"] == "skills"


def test_memoram_create_reflects_the_request_without_content(client: httpx.Client) -> None:
    sent = valid_body("memoram")
    got = create(client, "memoram", sent)
    for field in ("user_id", "title", "tags", "importance", "confidence", "source"):
        assert got[field] == sent[field]
    assert "content" not in got and "memoryKey" not in got and "summary" not in got
    assert len(got["tag_ids"]) == len(sent["tags"])
    assert got["created_at"] == got["updated_at"]


def test_memoryplugin_create_answers_done_and_an_id(client: httpx.Client) -> None:
    got = create(client, "memoryplugin", valid_body("memoryplugin"))
    assert got["done"] == "ok"
    uuid.UUID(got["memoryId"])


def test_every_create_gets_a_fresh_id(client: httpx.Client) -> None:
    ids = {create(client, "agno", valid_body("agno"))["memory_id"] for _ in range(20)}
    assert len(ids) == 20


LOREM = set(Lorem.word_list)


def invented_strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from invented_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from invented_strings(item)


@pytest.mark.parametrize("vendor", PATHS)
def test_invented_text_is_never_lorem_ipsum_or_word_salad(client: httpx.Client, vendor: str) -> None:
    """`Prefer: code=200` with an unusable body makes the mock invent every field."""
    for _ in range(30):
        body = client.post(
            PATHS[vendor], json=[], headers={**AUTH, "Prefer": "code=" + ("201" if vendor == "memoram" else "200")}
        ).json()
        for text in invented_strings(body):
            words = re.findall(r"[a-z]+", text.lower())
            assert "lorem" not in words and "ipsum" not in words, text
            assert not (len(words) >= 3 and all(w in LOREM for w in words)), text


def test_invented_memories_have_matching_topics(client: httpx.Client) -> None:
    for _ in range(20):
        got = client.post(PATHS["agno"], json=[], headers={**AUTH, "Prefer": "code=200"}).json()
        assert got["memory"][0].isupper()
        assert got["topics"] is None or len(got["topics"]) >= 1


def run_requests(settings: Settings, plan: list[tuple[str, Any, dict[str, str]]]) -> list[bytes]:
    with ServerThread(settings) as server, httpx.Client(base_url=server.root) as http:
        return [http.post(PATHS[vendor], json=body, headers={**AUTH, **extra}).content for vendor, body, extra in plan]


def hundred_requests() -> list[tuple[str, Any, dict[str, str]]]:
    vendors = list(PATHS)
    plan: list[tuple[str, Any, dict[str, str]]] = []
    for i in range(100):
        vendor = vendors[i % len(vendors)]
        if i % 7 == 3:
            plan.append((vendor, {"broken": True}, {}))
        elif i % 5 == 4:
            plan.append((vendor, [], {"Prefer": "code=" + ("201" if vendor == "memoram" else "200")}))
        else:
            plan.append((vendor, valid_body(vendor), {}))
    return plan


def test_same_seed_same_requests_byte_identical_responses() -> None:
    plan = hundred_requests()
    first = run_requests(Settings(specs=SPECS, quiet=True, seed=7), plan)
    second = run_requests(Settings(specs=SPECS, quiet=True, seed=7), plan)
    assert first == second
    assert len(set(first)) > 50


def test_without_a_seed_answers_differ() -> None:
    plan = hundred_requests()[:20]
    assert run_requests(Settings(specs=SPECS, quiet=True), plan) != run_requests(
        Settings(specs=SPECS, quiet=True), plan
    )


def test_different_seeds_differ() -> None:
    plan = hundred_requests()[:20]
    assert run_requests(Settings(specs=SPECS, quiet=True, seed=7), plan) != run_requests(
        Settings(specs=SPECS, quiet=True, seed=8), plan
    )


def test_traffic_on_one_api_does_not_change_another_apis_answers() -> None:
    omi_only = [("omi", valid_body("omi"), {}) for _ in range(10)]
    mixed = [step for pair in zip(omi_only, [("agno", valid_body("agno"), {})] * 10, strict=True) for step in pair]
    alone = run_requests(Settings(specs=SPECS, quiet=True, seed=7), omi_only)
    interleaved = run_requests(Settings(specs=SPECS, quiet=True, seed=7), mixed)[::2]
    assert alone == interleaved


def test_seeded_clock_starts_at_a_fixed_instant() -> None:
    (body,) = run_requests(Settings(specs=SPECS, quiet=True, seed=1), [("omi", valid_body("omi"), {})])
    assert b'"created_at":"2025-03-01T09:' in body


def test_locale_picks_fakers_locale_for_invented_values() -> None:
    from faker.providers.address.de_DE import Provider as GermanAddresses

    from mockserver.mocker.hints import load_hints
    from mockserver.mocker.streams import Streams
    from mockserver.mocker.text import Inventor

    inventor = Inventor(load_hints(), Streams("x", 3, "de_DE"))
    story = inventor.story()
    cities = {inventor.string("city", {}, story) for _ in range(20)}
    assert cities <= set(GermanAddresses.cities)


def test_unhinted_and_camel_case_fields_get_values_of_their_kind() -> None:
    """Type and format first (`createdAt` is a date-time, `homepageUrl` and `next` are URLs),
    then examples and enums (`status: PENDING`), then domain lists (`model`), never a topic
    word; free text only where text belongs."""
    from pathlib import Path

    from mockserver.mocker.hints import load_hints

    models = set(load_hints().lists["models"])
    with ServerThread(Settings(specs=Path(__file__).parent / "data" / "defects", quiet=True)) as running:
        with httpx.Client(base_url=running.url("shapes"), headers={"Authorization": "Token test-token"}) as client:
            for _ in range(10):
                agent = client.get("/agents/a-1").json()
                dt.datetime.fromisoformat(agent["createdAt"].replace("Z", "+00:00"))
                assert agent["homepageUrl"].startswith(("http://", "https://"))
                assert agent["status"] == "PENDING" and agent["model"] in models
                page = client.get("/memories").json()
                assert page["next"] is None or page["next"].startswith(("http://", "https://"))
                item = page["items"][0]
                dt.datetime.fromisoformat(item["createdAt"].replace("Z", "+00:00"))
                assert len(item["content"].split()) >= 3


def test_a_seed_answers_as_it_did_in_earlier_versions() -> None:
    """A snapshot test that pins `--seed 7` keeps passing when the mock is upgraded: the first
    create of each API, byte for byte as an earlier version answered it (ids, tokens, text and
    the seeded clock)."""
    vendors = ("agno", "memoram", "memoryplugin", "mielto", "omi")
    answers = run_requests(Settings(specs=SPECS, quiet=True, seed=7), [(v, valid_body(v), {}) for v in vendors])
    expected = (Path(__file__).parent / "data" / "seed7-creates.jsonl").read_bytes().splitlines()
    assert answers == expected
