"""Initial data: objects a collection holds before any request, and objects added by tools.

`<data>/<api>/*.json` files are read at start-up and again on `/__admin/reset`. A file holds
either a list of objects for the collection named like the file (`memories.json` →
`/memories`), or `{"path": "/agents/a1/memories", "records": [...]}` for any collection,
nested ones included (the path's parameter values are the scope). `POST /__admin/records/<api>`
adds objects the same way at run time.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .. import jsonio
from ..spec.resources import ResourceMap
from .store import Store, key, text


class SeedError(ValueError):
    """A data file or an added record that cannot be stored; the message says which and why."""


def add(
    api: str, resources: ResourceMap, store: Store, path: str, records: Iterable[Any], new_id: Any
) -> list[dict[str, Any]]:
    """Store `records` in the collection at `path` (a template or a concrete path); `new_id()`
    makes an id for a record that has none. Returns what was stored."""
    resource = resources.collection_at(path)
    if resource is None or resource.singleton:
        known = ", ".join(r.path for r in resources.resources if not r.singleton) or "none"
        raise SeedError(f"{path} is not a collection of {api} (collections: {known})")
    template = [p for p in resource.path.split("/") if p]
    parts = [p for p in path.split("/") if p]
    scope = [value for name, value in zip(template, parts, strict=False) if name.startswith("{")]
    if len(scope) != len(resource.scope) or any(v.startswith("{") for v in scope):
        raise SeedError(
            f"{path}: give the scope's values ({', '.join(resource.scope)}) in the path, e.g. {_example(resource.path)}"
        )
    stored = []
    for record in records:
        if not isinstance(record, dict):
            raise SeedError(f"{path}: a record must be a JSON object, not {type(record).__name__}")
        item = dict(record)
        if resource.id_field is not None and item.get(resource.id_field) is None:
            item[resource.id_field] = new_id()
        item_id = item.get(resource.id_field) if resource.id_field is not None else new_id()
        store.put(key(api, resource.path, scope), text(item_id), item)
        stored.append(item)
    return stored


def load(api: str, resources: ResourceMap, store: Store, folder: Path | None, new_id: Any) -> int:
    """Seed `api`'s collections from `folder/<api>/*.json`; the number of objects stored."""
    if folder is None or not (folder / api).is_dir():
        return 0
    count = 0
    for file in sorted((folder / api).glob("*.json")):
        try:
            content = jsonio.loads(file.read_bytes())
        except ValueError as exc:
            raise SeedError(f"{file}: not JSON ({exc})") from None
        if (
            isinstance(content, dict)
            and isinstance(content.get("records"), list)
            and isinstance(content.get("path"), str)
        ):
            path, records = content["path"], content["records"]
        elif isinstance(content, list):
            path, records = _path_named(resources, file.stem), content
        else:
            raise SeedError(f'{file}: expected a list of objects or {{"path": ..., "records": [...]}}')
        try:
            count += len(add(api, resources, store, path, records, new_id))
        except SeedError as exc:
            raise SeedError(f"{file}: {exc}") from None
    return count


def _path_named(resources: ResourceMap, stem: str) -> str:
    for resource in resources.resources:
        if not resource.singleton and not resource.scope and resource.path.rstrip("/").rpartition("/")[2] == stem:
            return resource.path
    return "/" + stem


def _example(template: str) -> str:
    return "/".join("1" if p.startswith("{") else p for p in template.split("/"))
