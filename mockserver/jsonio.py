"""JSON in and out: orjson's speed, the standard library's exactness where they differ.

orjson reads an integer beyond 64 bits as a float and refuses a lone surrogate escape (`"\\ud800"`),
and cannot write either; Python's own `json` module, which FastAPI-style vendors and Python test
tools use, reads and writes both exactly. A body that looks like it needs it (a run of 20 digits)
or that orjson refuses is read again by `json`; a value orjson cannot write is written by `json`.
Every other body takes the fast path.
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

_LONG_INTEGER = re.compile(rb"\d{20}")


class JSONError(ValueError):
    """Not JSON; `position` is the byte (or character) offset where reading stopped."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.position = position


def clone(value: Any) -> Any:
    """A copy of a JSON value (dicts, lists and immutable scalars): what `copy.deepcopy` would
    give for the values a request body or a document holds, at a fraction of its cost."""
    kind = type(value)
    if kind is list:
        return [clone(item) for item in value]
    if kind is dict:
        return {key: clone(item) for key, item in value.items()}
    return value


def loads(data: bytes) -> Any:
    """The value of a JSON document, integers exact."""
    if len(data) >= 20 and _LONG_INTEGER.search(data):
        return _exact(data)
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        if b"\\u" in data:
            return _exact(data)
        raise JSONError(exc.msg, exc.pos) from None


def dumps(value: Any) -> bytes:
    """Compact UTF-8 JSON (no spaces), as typical APIs write it."""
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)
    except (TypeError, orjson.JSONEncodeError):
        return json.dumps(value, separators=(",", ":"), default=str).encode()


def _exact(data: bytes) -> Any:
    try:
        return json.loads(data.decode("utf-8"), parse_constant=_no_constants, parse_float=_finite)
    except UnicodeDecodeError as exc:
        raise JSONError("invalid UTF-8", exc.start) from None
    except json.JSONDecodeError as exc:
        raise JSONError(exc.msg, exc.pos) from None


def _finite(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise json.JSONDecodeError("number is infinity when parsed as double", text, 0)
    return value


def _no_constants(name: str) -> Any:
    raise json.JSONDecodeError(f"{name} is not JSON", name, 0)
