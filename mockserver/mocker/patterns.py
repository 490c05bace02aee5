"""Strings that match a schema's `pattern`, from rstr's regex-to-string generator.

rstr walks Python's own parse of the regular expression, so what it produces matches as
openapi-core's validators (Python `re`, search semantics) will check it. It is driven by the
API's seeded random stream, and its unbounded repeats (`*`, `+`) are kept short: a generated id
should look like an id, not a paragraph.
"""

from __future__ import annotations

import random
import re
from functools import lru_cache
from typing import Any

from rstr.xeger import Xeger

_REPEAT_SPAN = 8
_ATTEMPTS = 12


class _ShortXeger(Xeger):
    """rstr's generator with open-ended repeats capped at a few more than their minimum."""

    def _handle_repeat(self, start_range: int, end_range: int, value: Any) -> str:
        return super()._handle_repeat(start_range, min(end_range, start_range + _REPEAT_SPAN), value)


@lru_cache(maxsize=2048)
def compiled(pattern: str) -> re.Pattern[str] | None:
    """`pattern` compiled by Python's `re` (None for ECMA-only syntax such as `\\p{L}`)."""
    try:
        return re.compile(pattern)
    except (re.error, RecursionError, OverflowError):
        return None


def matching(pattern: str, rng: random.Random, low: int = 0, high: int | None = None) -> str | None:
    """A string of `low` to `high` characters that `pattern` finds a match in, or None when a
    few attempts produce none (lookarounds rstr cannot honour, contradictory lengths)."""
    regex = compiled(pattern)
    if regex is None:
        return None
    generator = _ShortXeger(rng)
    for _ in range(_ATTEMPTS):
        try:
            candidate = generator.xeger(pattern)
        except Exception:  # rstr raises whatever its walk hits on exotic syntax
            return None
        if len(candidate) < low and not _anchored_end(pattern):
            candidate += generator.xeger(pattern) * (low // max(len(candidate), 1) + 1)
        if regex.search(candidate) and len(candidate) >= low and (high is None or len(candidate) <= high):
            return candidate
    return None


def _anchored_end(pattern: str) -> bool:
    return pattern.endswith("$") and not pattern.endswith("\\$")
