"""Media types: parsing `Content-Type`, matching it to what a document declares, and choosing a
response media type from `Accept` (RFC 9110 §12.5.1).

Documents declare media types in every spelling: `application/json; charset=utf-8`, structured
suffixes (`application/merge-patch+json`), wildcards (`application/*`, `*/*`). Requests carry
parameters and odd case. Everything is compared by its essence (`type/subtype`, lower-case,
without parameters), the most specific declaration winning.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache

JSON = "application/json"


@lru_cache(maxsize=1024)
def parse(value: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """`("type/subtype", ((param, value), …))` from a media type or `Content-Type` value."""
    essence, *params = value.split(";")
    pairs = []
    for param in params:
        name, sep, param_value = param.partition("=")
        if sep:
            pairs.append((name.strip().lower(), param_value.strip().strip('"')))
    return essence.strip().lower(), tuple(pairs)


def essence(value: str) -> str:
    """`type/subtype` in lower case, without parameters."""
    return parse(value)[0]


def parameters(value: str) -> dict[str, str]:
    return dict(parse(value)[1])


@lru_cache(maxsize=1024)
def is_json(value: str) -> bool:
    """JSON or a JSON-based type (`+json` suffix); `application/x-ndjson` is not JSON."""
    kind = essence(value)
    subtype = kind.partition("/")[2]
    return subtype == "json" or subtype.endswith("+json") or kind == "*/*"


@lru_cache(maxsize=1024)
def is_xml(value: str) -> bool:
    subtype = essence(value).partition("/")[2]
    return subtype == "xml" or subtype.endswith("+xml")


def is_text(value: str) -> bool:
    return essence(value).startswith("text/") and not is_xml(value)


def is_form(value: str) -> bool:
    kind = essence(value)
    return kind == "application/x-www-form-urlencoded" or kind.startswith("multipart/")


def _covers(declared: str, actual: str) -> int | None:
    """How specifically `declared` covers `actual` (both essences): 3 exact, 2 a suffix wildcard
    (`application/*+json`), 1 a type wildcard (`application/*`), 0 `*/*`; None if it does not."""
    if declared == actual:
        return 3
    d_type, _, d_sub = declared.partition("/")
    a_type, _, a_sub = actual.partition("/")
    if declared == "*/*":
        return 0
    if d_type != a_type:
        return None
    if d_sub == "*":
        return 1
    if d_sub.startswith("*+") and a_sub.endswith(d_sub[1:]):
        return 2
    return None


def match(content_type: str, declared: Iterable[str]) -> str | None:
    """The declared media type (as the document spells it) that best covers `content_type`; a
    request without a Content-Type matches nothing."""
    actual = essence(content_type)
    if not actual:
        return None
    best, best_rank = None, -1
    for candidate in declared:
        rank = _covers(essence(candidate), actual)
        if rank is not None and rank > best_rank:
            best, best_rank = candidate, rank
    return best


def accepted(accept: str | None, available: Sequence[str]) -> str | None:
    """The available media type the client prefers (q-values, then specificity, then the
    document's order, JSON first among equals); None when `Accept` rules out every one. No
    `Accept` (or an unparseable one) accepts anything."""
    if not available:
        return None
    ranges = _ranges(accept or "")
    if not ranges:
        return _json_first(available)
    best, best_key = None, None
    for index, candidate in enumerate(available):
        kind = essence(candidate)
        quality, specificity = 0.0, -1
        for media_range, q in ranges:
            rank = _covers(media_range, kind) if "*" in media_range else (3 if media_range == kind else None)
            if rank is not None and rank > specificity:
                quality, specificity = q, rank
        if quality <= 0:
            continue
        key = (quality, 0 if is_json(candidate) and specificity < 3 else -1, -index)
        if best_key is None or key > best_key:
            best, best_key = candidate, key
    return best


def _json_first(available: Sequence[str]) -> str:
    return next((m for m in available if is_json(m)), available[0])


@lru_cache(maxsize=256)
def _ranges(accept: str) -> tuple[tuple[str, float], ...]:
    found = []
    for part in accept.split(","):
        kind, params = parse(part)
        if "/" not in kind:
            if kind == "*":
                kind = "*/*"
            else:
                continue
        quality = 1.0
        for name, value in params:
            if name == "q":
                try:
                    quality = max(0.0, min(1.0, float(value)))
                except ValueError:
                    quality = 1.0
        found.append((kind, quality))
    return tuple(found)
