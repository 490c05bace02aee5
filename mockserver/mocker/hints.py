"""The vendor-neutral knowledge of how a real server fills fields, read from `fixtures/`.

Field-name heuristics, synonyms, identifier and timestamp names, success messages, memory
templates and the category classifier are data (`fixtures/fields.yaml`, `fixtures/memories.yaml`)
so a new spec gets sensible values, and a new vendor quirk needs no code.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from ..config import FIXTURES


@dataclass(frozen=True)
class Template:
    text: str
    topics: tuple[str, ...]


@dataclass(frozen=True)
class Hints:
    synonyms: Mapping[str, tuple[str, ...]]
    ids: frozenset[str]
    timestamps: frozenset[str]
    messages: Mapping[str, str]
    message_fields: frozenset[str]
    text: Mapping[str, str]
    sources: tuple[str, ...]
    classify: Mapping[str, tuple[str, ...]]
    templates: tuple[Template, ...]
    lists: Mapping[str, tuple[str, ...]]
    shapes: tuple[tuple[re.Pattern[str], str], ...] = ()
    success_flags: frozenset[str] = frozenset()

    def echo_keys(self, name: str) -> tuple[str, ...]:
        """Request fields whose value a response field called `name` carries, in order."""
        return (name, *self.synonyms.get(name, ()))


@lru_cache(maxsize=4)
def load_hints(folder: Path = FIXTURES) -> Hints:
    fields: dict[str, Any] = _read(folder / "fields.yaml")
    memories: dict[str, Any] = _read(folder / "memories.yaml")
    return Hints(
        synonyms={k: tuple(v or ()) for k, v in (fields.get("synonyms") or {}).items()},
        ids=frozenset(fields.get("ids") or ()),
        timestamps=frozenset(fields.get("timestamps") or ()),
        messages=dict(fields.get("messages") or {}),
        message_fields=frozenset(fields.get("message_fields") or ()),
        text=dict(fields.get("text") or {}),
        sources=tuple(fields.get("sources") or ("api",)),
        classify={k: tuple(v or ()) for k, v in (fields.get("classify") or {}).items()},
        templates=tuple(Template(str(t["text"]), tuple(t.get("topics") or ())) for t in memories.get("templates") or ())
        or (Template("Prefers window seats on long-haul flights", ("travel", "preferences")),),
        lists={
            **{k: tuple(v) for k, v in (fields.get("lists") or {}).items()},
            **{k: tuple(v) for k, v in (memories.get("lists") or {}).items()},
        },
        shapes=tuple((re.compile(str(rule["match"])), str(rule["format"])) for rule in fields.get("shapes") or ()),
        success_flags=frozenset(fields.get("success_flags") or ()),
    )


def _read(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}
