"""YAML as OpenAPI documents mean it: YAML 1.2's core schema, JSON-compatible keys.

PyYAML implements YAML 1.1, which reads `1e-08` as a *string* (1.1 floats need a dot), `yes`
and `off` as booleans, `2024-01-01` as a date and `012` as octal. OpenAPI documents are written
for YAML 1.2 (the version OpenAPI 3.1 requires and every JSON-based tool assumes), so a document
saying `minimum: 1e-08` would otherwise reach the validators with a string where a number
belongs. This loader keeps libyaml's speed and swaps only the implicit scalar resolution for
the 1.2 core schema. Mapping keys are turned into the strings a JSON document would have
(`200:` → `"200"`), because every consumer downstream indexes documents with strings.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

try:
    _Base: type = yaml.CSafeLoader
except AttributeError:  # libyaml missing: the pure-Python loader gives the same result, slower
    _Base = yaml.SafeLoader

_BOOL = "tag:yaml.org,2002:bool"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_NULL = "tag:yaml.org,2002:null"
_YAML11_ONLY = {_BOOL, _INT, _FLOAT, "tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:value"}


class Yaml12Loader(_Base):  # type: ignore[misc]
    """libyaml's safe loader with YAML 1.2 core-schema scalars."""


Yaml12Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in _YAML11_ONLY]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
Yaml12Loader.add_implicit_resolver(_BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
Yaml12Loader.add_implicit_resolver(_INT, re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"), list("-+0123456789"))
Yaml12Loader.add_implicit_resolver(
    _FLOAT,
    re.compile(
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+.0123456789"),
)


def _construct_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    text = str(loader.construct_scalar(node))
    if text.startswith(("0o", "0x")):
        return int(text[2:], 8 if text[1] == "o" else 16)
    return int(text, 10)


def _construct_float(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> float:
    text = str(loader.construct_scalar(node)).lower()
    if text.endswith(".inf"):
        return float("-inf") if text.startswith("-") else float("inf")
    if text == ".nan":
        return float("nan")
    return float(text)


def _construct_bool(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> bool:
    return str(loader.construct_scalar(node)).lower() == "true"


Yaml12Loader.add_constructor(_INT, _construct_int)
Yaml12Loader.add_constructor(_FLOAT, _construct_float)
Yaml12Loader.add_constructor(_BOOL, _construct_bool)


def load(text: str) -> Any:
    """Parse YAML 1.2 text into JSON-shaped data (string keys everywhere)."""
    return json_keys(yaml.load(text, Loader=Yaml12Loader))


def json_keys(value: Any) -> Any:
    """`value` with every mapping key as the string JSON would carry (`200` → `"200"`,
    `true` → `"true"`, `null` → `"null"`). Shared (aliased) nodes stay shared, and a
    self-referencing structure does not loop."""
    seen: dict[int, Any] = {}

    def convert(node: Any) -> Any:
        if isinstance(node, dict):
            if id(node) in seen:
                return seen[id(node)]
            result: dict[str, Any] = {}
            seen[id(node)] = result
            for key, item in node.items():
                result[_key(key)] = convert(item)
            return result
        if isinstance(node, list):
            if id(node) in seen:
                return seen[id(node)]
            items: list[Any] = []
            seen[id(node)] = items
            items.extend(convert(item) for item in node)
            return items
        return node

    return convert(value)


def _key(key: Any) -> str:
    if isinstance(key, str):
        return key
    if isinstance(key, bool):
        return "true" if key else "false"
    if key is None:
        return "null"
    return str(key)
