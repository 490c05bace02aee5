"""`--record DIR`: every exchange as one reviewable JSON file, the raw material of `drift` and
`learn`.

    DIR/<api>/0001-POST-create_memory-200.json

Names are stable: a sequence number per API (continuing after the files already there), the
method, the operation (its `operationId`, else its path) and the status, so a recording made
twice from the same client run lists the same way and diffs cleanly. Nothing time-dependent is
stored. Credentials are masked as in the journal (the scheme and last four characters stay, so
a reviewer can tell which credential was used). Bodies are kept as JSON where they are JSON,
else as text, else base64, up to `BODY_LIMIT` bytes each.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from .. import jsonio, media
from ..server.http import Request, Response
from ..spec import Operation

BODY_LIMIT = 1024 * 1024
FORMAT = 1
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")
_NUMBERED = re.compile(r"(\d+)-")
# Differ from run to run without saying anything about the API (the violations have their own
# field), so a recording made twice would differ in every file.
_VOLATILE = frozenset({"host", "content-length", "date", "x-mock-violations"})


class Recorder:
    """Writes exchanges under `folder`, one file each, safely beside other worker processes."""

    def __init__(self, folder: Path, masked: Callable[[str, str], str]) -> None:
        """`masked(name, value)` is the journal's masking of a header or query value."""
        self.folder = folder
        self._masked = masked
        self._next: dict[str, int] = {}

    def write(self, api: str, op: Operation | None, request: Request, response: Response) -> Path:
        """Store one exchange; the file's path."""
        folder = self.folder / api
        folder.mkdir(parents=True, exist_ok=True)
        name = (
            _UNSAFE.sub("-", str(op.spec.get("operationId") or op.template) if op else request.path).strip("-")
            or "root"
        )
        text = json.dumps(self.exchange(api, op, request, response), indent=2, ensure_ascii=False) + "\n"
        number = self._next.get(api) or _last_number(folder) + 1
        while True:
            path = folder / f"{number:04d}-{request.method}-{name[:60]}-{response.status}.json"
            try:
                with path.open("x", encoding="utf-8") as file:
                    file.write(text)
            except FileExistsError:  # another worker took the number
                number += 1
                continue
            self._next[api] = number + 1
            return path

    def exchange(self, api: str, op: Operation | None, request: Request, response: Response) -> dict[str, Any]:
        """The file's content: what was asked, what was answered, what was wrong with it."""
        answered = response.plain if response.plain is not None else response.body
        response_headers = (
            [("content-type", response.media_type)] if response.media_type and answered else []
        ) + response.headers
        return {
            "format": FORMAT,
            "api": api,
            "operation": op.routing_id if op else None,
            "source": "upstream" if response.upstream else "mock",
            "request": {
                "method": request.method,
                "path": request.raw_path or request.path,
                "query": [[k, self._masked(k, v)] for k, v in request.query],
                "headers": {k: self._masked(k, v) for k, v in request.headers.items() if k not in _VOLATILE},
                **body_fields(request.body, request.headers.get("content-type", "")),
            },
            "response": {
                "status": response.status,
                "headers": {k.lower(): v for k, v in response_headers if k.lower() not in _VOLATILE},
                **body_fields(answered, response.media_type or ""),
            },
            "violations": list(response.problems) if response.upstream else [],
        }


def body_fields(body: bytes, content_type: str) -> dict[str, Any]:
    """`{"json": value}`, `{"text": str}` or `{"base64": str}` (nothing for an empty body),
    with `"truncated": size` when only the first `BODY_LIMIT` bytes are kept."""
    if not body:
        return {}
    kept = body[:BODY_LIMIT]
    extra = {"truncated": len(body)} if len(body) > BODY_LIMIT else {}
    if media.is_json(content_type) and not extra:
        try:
            return {"json": jsonio.loads(kept)}
        except ValueError:
            pass
    try:
        return {"text": kept.decode("utf-8"), **extra}
    except UnicodeDecodeError:
        return {"base64": base64.b64encode(kept).decode(), **extra}


def body_bytes(part: dict[str, Any]) -> bytes:
    """The body a recorded request or response carried (the inverse of `body_fields`)."""
    if "json" in part:
        return jsonio.dumps(part["json"])
    if "text" in part:
        return str(part["text"]).encode("utf-8")
    if "base64" in part:
        return base64.b64decode(part["base64"])
    return b""


def read_recording(folder: Path) -> Iterator[tuple[Path, dict[str, Any]]]:
    """Every exchange file under `folder` (any depth), in name order."""
    for path in sorted(folder.rglob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and data.get("format") == FORMAT and isinstance(data.get("request"), dict):
            yield path, data


def _last_number(folder: Path) -> int:
    numbers = [int(m.group(1)) for p in folder.glob("*.json") if (m := _NUMBERED.match(p.name))]
    return max(numbers, default=0)
