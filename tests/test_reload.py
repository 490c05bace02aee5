"""Hot reload (`serve --watch`): edits, additions and removals of documents are served without a
restart or a dropped connection; a broken edit keeps the previous version and names its line;
the journal and the state of unchanged APIs survive. Driven through the real CLI."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from conftest import SPECS, TOKEN, ended, free_port, valid_body

AUTH = {"Authorization": f"Bearer {TOKEN}"}
STATE = Path(__file__).parent / "data" / "state" / "shapes.yaml"


class Served:
    """A `mockserver serve --watch` process over a folder of copies, with its stderr kept."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.root = f"http://127.0.0.1:{self.port}"
        self.log: list[str] = []
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "mockserver",
                "serve",
                "--specs",
                str(folder),
                "--port",
                str(self.port),
                "--watch",
                "--quiet",
                "--seed",
                "3",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        threading.Thread(target=self._read, daemon=True).start()
        assert self.process.stdout is not None
        banner = self.process.stdout.readline()
        assert banner.startswith("mockserver ready"), banner + "".join(self.log)

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.log.append(line)

    def stop(self) -> None:
        ended(self.process, 10)


def eventually(check: Callable[[], bool], what: str, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"not seen within {timeout} s: {what}"
        time.sleep(0.05)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    for name in ("agno", "mielto"):
        shutil.copy(SPECS / f"{name}.yaml", tmp_path / f"{name}.yaml")
    shutil.copy(STATE, tmp_path / "shapes.yaml")
    server = Served(tmp_path)
    yield server
    server.stop()


def title(server: Served, api: str) -> str | None:
    answer = httpx.get(f"{server.root}/{api}/openapi.json")
    return answer.json()["info"]["title"] if answer.status_code == 200 else None


def edit(file: Path, old: str, new: str) -> None:
    text = file.read_text()
    assert old in text
    file.write_text(text.replace(old, new, 1))


class KeptAlive:
    """One HTTP/1.1 connection, used for several requests: fails if the server drops it."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buffer = b""

    def get(self, path: str) -> tuple[int, bytes]:
        self.sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        while b"\r\n\r\n" not in self.buffer:
            self.buffer += self._recv()
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        length = int(
            next(line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length"))
        )
        while len(self.buffer) < length:
            self.buffer += self._recv()
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        return int(head.split(b" ")[1]), body

    def _recv(self) -> bytes:
        data = self.sock.recv(65536)
        assert data, "the server closed the connection"
        return data

    def __enter__(self) -> KeptAlive:
        return self

    def __exit__(self, *_: object) -> None:
        self.sock.close()


def test_an_edit_is_served_on_the_same_connection_and_unchanged_apis_keep_their_state(served: Served) -> None:
    with KeptAlive(served.port) as connection:
        note = httpx.post(f"{served.root}/shapes/agents/a1/notes", json={"text": "kept"}, headers=AUTH).json()
        created = httpx.post(f"{served.root}/mielto/api/v1/memories", json=valid_body("mielto"), headers=AUTH)
        assert created.status_code == 200
        assert connection.get("/agno/openapi.json")[0] == 200

        edit(served.folder / "agno.yaml", "title: Agno AgentOS", "title: Agno AgentOS (edited)")
        eventually(lambda: title(served, "agno") == "Agno AgentOS (edited)", "the edited title")

        status, body = connection.get("/agno/openapi.json")
        assert status == 200 and b"Agno AgentOS (edited)" in body
        assert any("reloaded" in line and "changed agno" in line for line in served.log), served.log
        read = httpx.get(f"{served.root}/shapes/agents/a1/notes/{note['id']}", headers=AUTH)
        assert read.status_code == 200 and read.json()["text"] == "kept"
        journal = httpx.get(f"{served.root}/__admin/requests", params={"api": "mielto"}).json()["requests"]
        assert [entry["status"] for entry in journal] == [200]
        assert [r["api"] for r in httpx.get(f"{served.root}/__admin/records").json()["records"]] == ["shapes", "mielto"]


def test_a_changed_schema_changes_the_verdict(served: Served) -> None:
    """Not only the docs: requests are validated against the new version."""
    path = f"{served.root}/agno/memories"
    assert httpx.post(path, json={"memory": "x" * 4999}, headers=AUTH).status_code == 200
    edit(served.folder / "agno.yaml", "maxLength: 5000", "maxLength: 10")
    eventually(
        lambda: httpx.post(path, json={"memory": "x" * 4999}, headers=AUTH).status_code == 422,
        "the new maxLength enforced",
    )


def test_a_broken_edit_keeps_the_previous_version_and_names_the_line(served: Served) -> None:
    file = served.folder / "agno.yaml"
    good = file.read_text()
    lines = good.splitlines()
    file.write_text("\n".join(lines[:5] + ["  broken: [unclosed"] + lines[5:]) + "\n")
    eventually(
        lambda: any("still serving the previous version of agno" in line for line in served.log),
        "the broken-edit message",
    )
    problem = next(line for line in served.log if "invalid YAML" in line)
    assert f"{file}:7:" in problem or f"{file}:6:" in problem, problem
    assert title(served, "agno") == "Agno AgentOS"
    assert httpx.post(f"{served.root}/agno/memories", json=valid_body("agno"), headers=AUTH).status_code == 200

    file.write_text(good.replace("title: Agno AgentOS", "title: Agno fixed"))
    eventually(lambda: title(served, "agno") == "Agno fixed", "the fixed document served")


def test_documents_added_and_removed_are_served_and_dropped(served: Served) -> None:
    shutil.copy(SPECS / "omi.yaml", served.folder / "omi.yaml")
    eventually(
        lambda: (
            httpx.post(f"{served.root}/omi/v1/dev/user/memories", json=valid_body("omi"), headers=AUTH).status_code
            == 200
        ),
        "omi served",
    )
    (served.folder / "mielto.yaml").unlink()
    eventually(
        lambda: (
            httpx.post(f"{served.root}/mielto/api/v1/memories", json=valid_body("mielto"), headers=AUTH).status_code
            == 404
        ),
        "mielto gone",
    )
    names = [api["name"] for api in httpx.get(f"{served.root}/__admin/health").json()["apis"]]
    assert names == ["agno", "omi", "shapes"]
