"""`--workers N`: several processes on one port share one journal and one set of records."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from conftest import PATHS, SPECS, TOKEN, VENDORS, ended, serving, valid_body

AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def two_workers() -> Iterator[str]:
    process, root = serving("--specs", str(SPECS), "--workers", "2", "--quiet")
    yield root
    ended(process, 20)


def test_admin_sees_every_workers_traffic(two_workers: str) -> None:
    with httpx.Client(base_url=two_workers) as http:
        http.post("/__admin/reset")
        for _ in range(4):
            for vendor in VENDORS:
                assert http.post(PATHS[vendor], json=valid_body(vendor), headers=AUTH).status_code < 300
        for _ in range(6):  # whichever worker answers, it sees all 20
            assert len(http.get("/__admin/requests").json()["requests"]) == 20
            assert len(http.get("/__admin/records").json()["records"]) == 20
        (entry,) = http.get("/__admin/requests", params={"api": "omi", "limit": 1}).json()["requests"]
        assert entry["headers"]["authorization"] == "Bearer ******oken"
        assert entry["body"] == valid_body("omi")


def test_reset_reaches_every_worker(two_workers: str) -> None:
    with httpx.Client(base_url=two_workers) as http:
        http.post(PATHS["agno"], json=valid_body("agno"), headers=AUTH)
        assert http.post("/__admin/reset").status_code == 204
        for _ in range(4):
            assert http.get("/__admin/requests").json()["requests"] == []
            assert http.get("/__admin/records").json()["records"] == []


def test_two_worker_processes_share_one_journal_database(two_workers: str) -> None:
    """The supervisor's children are the workers; each has the same SQLite journal open."""
    port = two_workers.rsplit(":", 1)[1]
    parents = [p for p in Path("/proc").iterdir() if p.name.isdigit() and f"--port\x00{port}\x00" in _cmdline(p)]
    (parent,) = parents
    children = [int(c) for task in (parent / "task").iterdir() for c in (task / "children").read_text().split()]
    workers = [c for c in children if "spawn_main" in _cmdline(Path(f"/proc/{c}"))]
    assert len(workers) == 2
    databases = set()
    for pid in workers:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            target = os.readlink(fd) if fd.is_symlink() else ""
            if target.endswith("journal.sqlite3"):
                databases.add((pid, target))
    assert {pid for pid, _ in databases} == set(workers)
    assert len({target for _, target in databases}) == 1


def _cmdline(process: Path) -> str:
    try:
        return (process / "cmdline").read_text()
    except OSError:
        return ""
