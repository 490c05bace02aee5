"""Recorded traffic with the real vendor, read back for `drift` and `learn`: from a `--record`
folder or from a running mock's journal, each exchange as the plain `Request` the pipeline
knows plus the vendor's answer.

Only proxied exchanges count (what the mock itself answered says nothing about the vendor).
Credentials arrive masked (`Bearer ******oken`): enough to tell that one was sent and how.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx

from .. import jsonio, media
from ..server.http import Request
from .recording import body_bytes, read_recording


class SourceError(Exception):
    """The recording or journal cannot be read; the message says which and why."""


@dataclass(frozen=True)
class Exchange:
    """One request to the vendor and its answer (header names lower-case, body decoded)."""

    api: str
    request: Request
    status: int
    headers: Mapping[str, str]
    body: bytes
    source: str  # where it came from: a file name or a journal entry id

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    def json(self) -> Any:
        """The answer's JSON value, or None when it is not JSON."""
        if not self.body or not media.is_json(self.content_type):
            return None
        try:
            return jsonio.loads(self.body)
        except ValueError:
            return None

    def sent_json(self) -> Any:
        """The request's JSON value, or None when it had none."""
        if not self.request.body or not media.is_json(self.request.content_type):
            return None
        try:
            return jsonio.loads(self.request.body)
        except ValueError:
            return None


def from_recording(folder: Path) -> list[Exchange]:
    """The proxied exchanges of a `--record` folder, in file-name order."""
    if not folder.is_dir():
        raise SourceError(f"{folder}: no such recording folder")
    return [_recorded(path, data) for path, data in read_recording(folder) if data.get("source") == "upstream"]


def from_journal(root: str, admin_token: str | None = None) -> list[Exchange]:
    """The proxied exchanges in a running mock's journal (`root` is its URL)."""
    headers = {"Authorization": f"Bearer {admin_token}"} if admin_token else {}
    url = root.rstrip("/") + "/__admin/requests"
    try:
        answer = httpx.get(url, headers=headers, timeout=30, trust_env=False)
    except httpx.HTTPError as exc:
        raise SourceError(f"{url}: {exc}") from None
    if answer.status_code != 200:
        raise SourceError(f"{url}: answered {answer.status_code} {answer.text[:200]}")
    entries = answer.json().get("requests", [])
    return [_journaled(entry) for entry in entries if entry.get("upstream")]


def _recorded(path: Path, data: Mapping[str, Any]) -> Exchange:
    asked, answered = data["request"], data.get("response") or {}
    query = urlencode([(str(k), str(v)) for k, v in asked.get("query") or []])
    request = _request(asked["method"], asked["path"], query, asked.get("headers") or {}, body_bytes(asked))
    headers = {str(k).lower(): str(v) for k, v in (answered.get("headers") or {}).items()}
    return Exchange(
        str(data.get("api")), request, int(answered.get("status", 0)), headers, body_bytes(answered), path.name
    )


def _journaled(entry: Mapping[str, Any]) -> Exchange:
    headers = {str(k).lower(): str(v) for k, v in (entry.get("headers") or {}).items()}
    answer_headers = {str(k).lower(): str(v) for k, v in (entry.get("response_headers") or {}).items()}
    query = urlencode([(str(k), str(v)) for k, v in entry.get("query") or []])
    request = _request(
        entry["method"], entry["path"], query, headers, _bytes(entry.get("body"), headers.get("content-type", ""))
    )
    answered = _bytes(entry.get("response"), answer_headers.get("content-type", ""))
    return Exchange(
        str(entry.get("api")), request, int(entry["status"]), answer_headers, answered, f"journal {entry.get('id')}"
    )


def _request(method: str, path: str, query: str, headers: Mapping[str, Any], body: bytes) -> Request:
    raw = urlsplit(path).path or "/"
    return Request(
        str(method).upper(), raw, query, {str(k).lower(): str(v) for k, v in headers.items()}, body, raw_path=raw
    )


def _bytes(value: Any, content_type: str) -> bytes:
    """A journal body back to bytes: JSON as JSON when the media type says so, else text."""
    if value is None:
        return b""
    if isinstance(value, str) and not media.is_json(content_type):
        return value.encode("utf-8")
    return jsonio.dumps(value)
