"""A client's requests to Agno AgentOS's memory API, for differential tests: valid and invalid
bodies, auth variants, query parameters, content types and CRUD sequences, sent in order to a
base URL (the real AgentOS, or the mock serving its document as `agno`).

Each step is (name, method, path, options); a path or body may name `{id}`, the memory the
first create made, or `{other}`, the second one's, and `{gone}`, a memory deleted on the way.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

TOKEN = "test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
UNKNOWN = "00000000-0000-4000-8000-000000000000"

Step = tuple[str, str, str, dict[str, Any]]

STEPS: list[Step] = [
    (
        "create",
        "POST",
        "/memories",
        {"json": {"memory": "Prefers window seats", "user_id": "u1", "topics": ["travel"]}},
    ),
    ("create another", "POST", "/memories", {"json": {"memory": "Vegetarian", "user_id": "u1"}}),
    (
        "create other user",
        "POST",
        "/memories",
        {"json": {"memory": "Early riser", "user_id": "u2", "topics": ["habits", "mornings"]}},
    ),
    ("create without user_id", "POST", "/memories", {"json": {"memory": "Likes jazz"}}),
    ("create with null user_id", "POST", "/memories", {"json": {"memory": "Likes jazz", "user_id": None}}),
    (
        "create with null topics",
        "POST",
        "/memories",
        {"json": {"memory": "Likes blues", "user_id": "u3", "topics": None}},
    ),
    (
        "create with extra field",
        "POST",
        "/memories",
        {"json": {"memory": "Reads sci-fi", "user_id": "u3", "mood": "happy"}},
    ),
    ("create empty memory", "POST", "/memories", {"json": {"memory": "", "user_id": "u1"}}),
    ("create memory not a string", "POST", "/memories", {"json": {"memory": 5, "user_id": "u1"}}),
    ("create without memory", "POST", "/memories", {"json": {"user_id": "u1"}}),
    ("create topics not a list", "POST", "/memories", {"json": {"memory": "x", "user_id": "u1", "topics": "travel"}}),
    ("create memory too long", "POST", "/memories", {"json": {"memory": "x" * 5001, "user_id": "u1"}}),
    (
        "create malformed JSON",
        "POST",
        "/memories",
        {"content": b'{"memory": "x",', "headers": {"Content-Type": "application/json"}},
    ),
    (
        "create as text/plain",
        "POST",
        "/memories",
        {"content": b"remember this", "headers": {"Content-Type": "text/plain"}},
    ),
    ("create with empty body", "POST", "/memories", {"content": b"", "headers": {"Content-Type": "application/json"}}),
    ("create with a JSON list", "POST", "/memories", {"json": [{"memory": "x", "user_id": "u1"}]}),
    ("create as form", "POST", "/memories", {"data": {"memory": "x", "user_id": "u1"}}),
    ("create without credentials", "POST", "/memories", {"json": {"memory": "x", "user_id": "u1"}, "auth": None}),
    (
        "create with a wrong token",
        "POST",
        "/memories",
        {"json": {"memory": "x", "user_id": "u1"}, "auth": {"Authorization": "Bearer wrong-token"}},
    ),
    (
        "create with basic auth",
        "POST",
        "/memories",
        {"json": {"memory": "x", "user_id": "u1"}, "auth": {"Authorization": "Basic dXNlcjpwYXNz"}},
    ),
    (
        "create with a bare scheme",
        "POST",
        "/memories",
        {"json": {"memory": "x", "user_id": "u1"}, "auth": {"Authorization": "Bearer"}},
    ),
    (
        "create in an unknown db",
        "POST",
        "/memories",
        {"json": {"memory": "x", "user_id": "u1"}, "params": {"db_id": "nope"}},
    ),
    (
        "create with table, no db",
        "POST",
        "/memories",
        {"json": {"memory": "x", "user_id": "u1"}, "params": {"table": "memories"}},
    ),
    ("list a user's", "GET", "/memories", {"params": {"user_id": "u1"}}),
    ("list all", "GET", "/memories", {}),
    ("list a page", "GET", "/memories", {"params": {"user_id": "u1", "limit": 1, "page": 1}}),
    ("list by topic", "GET", "/memories", {"params": {"topics": "habits"}}),
    ("list limit not a number", "GET", "/memories", {"params": {"limit": "many"}}),
    ("list limit zero", "GET", "/memories", {"params": {"limit": 0}}),
    ("list bad sort order", "GET", "/memories", {"params": {"sort_order": "sideways"}}),
    ("list without credentials", "GET", "/memories", {"auth": None}),
    ("list in an unknown db", "GET", "/memories", {"params": {"db_id": "nope"}}),
    ("read", "GET", "/memories/{id}", {"params": {"user_id": "u1"}}),
    ("read without user", "GET", "/memories/{id}", {}),
    ("read unknown", "GET", f"/memories/{UNKNOWN}", {}),
    ("read without credentials", "GET", "/memories/{id}", {"auth": None}),
    (
        "patch",
        "PATCH",
        "/memories/{id}",
        {"json": {"memory": "Prefers aisle seats", "user_id": "u1", "topics": ["travel"]}},
    ),
    ("patch memory not a string", "PATCH", "/memories/{id}", {"json": {"memory": 7, "user_id": "u1"}}),
    ("patch unknown", "PATCH", f"/memories/{UNKNOWN}", {"json": {"memory": "x", "user_id": "u1"}}),
    ("read after patch", "GET", "/memories/{id}", {"params": {"user_id": "u1"}}),
    ("topics", "GET", "/memory_topics", {}),
    ("topics of a user", "GET", "/memory_topics", {"params": {"user_id": "u2"}}),
    ("user stats", "GET", "/user_memory_stats", {}),
    ("delete", "DELETE", "/memories/{other}", {}),
    ("read after delete", "GET", "/memories/{other}", {}),
    ("delete again", "DELETE", "/memories/{other}", {}),
    ("delete without credentials", "DELETE", "/memories/{id}", {"auth": None}),
    ("list after delete", "GET", "/memories", {"params": {"user_id": "u1"}}),
    (
        "preflight from the vendor's console",
        "OPTIONS",
        "/memories",
        {"auth": None, "headers": {"Origin": "https://os.agno.com", "Access-Control-Request-Method": "POST"}},
    ),
    (
        "preflight from a local app",
        "OPTIONS",
        "/memories",
        {"auth": None, "headers": {"Origin": "http://localhost:3000", "Access-Control-Request-Method": "GET"}},
    ),
    (
        "preflight from elsewhere",
        "OPTIONS",
        "/memories",
        {"auth": None, "headers": {"Origin": "http://evil.example", "Access-Control-Request-Method": "POST"}},
    ),
    (
        "list from a local app",
        "GET",
        "/memories",
        {"params": {"user_id": "u2"}, "headers": {"Origin": "http://localhost:3000"}},
    ),
    (
        "list from elsewhere",
        "GET",
        "/memories",
        {"params": {"user_id": "u2"}, "headers": {"Origin": "http://evil.example"}},
    ),
]


def run(base: str, cors: list[tuple[str, str | None, str | None]] | None = None) -> list[tuple[str, int, Any]]:
    """Send every step to `base`; each step's name, status and body (JSON, text or None).
    `cors` collects, for the steps that send an `Origin`, the origin granted and whether
    credentials are allowed."""
    results: list[tuple[str, int, Any]] = []
    ids: dict[str, str] = {}
    with httpx.Client(timeout=15) as http:
        for name, method, path, options in STEPS:
            options = dict(options)
            headers = dict(options.pop("auth", AUTH) or {})
            headers.update(options.pop("headers", {}))
            url = base + path.format(**ids)
            response = http.request(method, url, headers=headers, **options)
            body = _body(response)
            if name in ("create", "create another") and response.status_code < 300 and isinstance(body, dict):
                ids["id" if name == "create" else "other"] = str(body.get("memory_id"))
            results.append((name, response.status_code, body))
            if cors is not None and "Origin" in headers:
                cors.append(
                    (
                        name,
                        response.headers.get("access-control-allow-origin"),
                        response.headers.get("access-control-allow-credentials"),
                    )
                )
    return results


def _body(response: httpx.Response) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return response.text


def shape(value: Any) -> Any:
    """Keys and JSON types, recursively. An array of objects is the set of its items' shapes
    (order and count are each server's own); an array of anything else is just `array`."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in sorted(value.items())}
    if isinstance(value, list):
        items = [shape(v) for v in value if isinstance(v, dict)]
        return sorted({json.dumps(i, sort_keys=True) for i in items}) if items else "array"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if value is None:
        return "null"
    return "string"


def record(vendor: str, specs: Path, folder: Path) -> None:
    """The battery sent to `vendor` through the validating proxy serving `specs` (AgentOS's
    document as `agno`), each exchange recorded in `folder`."""
    from mockserver.config import Settings
    from mockserver.testing.thread import ServerThread

    with ServerThread(
        Settings(specs=specs, quiet=True, data=None, upstreams={"agno": vendor}, record=folder)
    ) as server:
        run(server.url("agno"))
