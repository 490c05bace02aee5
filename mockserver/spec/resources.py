"""The resource map: which operations create, list, read, change and delete the same things.

Derived from the paths alone, once per document, with no vendor knowledge:

- a **collection** is a path whose last segment is a literal (`/memories`,
  `/agents/{agent_id}/memories`) that can be filled: `POST` on it, or `PUT` on its item path.
  Its `GET` lists; the path parameters before it scope it (a nested collection per agent);
- its **item** is the collection path plus one trailing parameter (`/memories/{memory_id}`):
  `GET` reads, `PUT` replaces (creating when absent), `PATCH` merges, `DELETE` removes;
  a `DELETE` on the collection itself removes the ids its body lists (`memory_ids`), or, with
  no body declared, everything in the collection;
- a **singleton** is a literal path with `GET` and `PUT` or `PATCH` and no item beneath it
  (`/users/me/settings`): one stored object per scope;
- everything else is an **action** (`/memories/search`, `/optimize`): answered statelessly.

Path keys that carry a query (`/x?beta=true`) are variants of an operation, not resources, and
stay actions. The created object's id field is the item parameter's name when the read or
create response has such a property, else the first response property that names an id.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .model import Api, Operation

CREATE, LIST, READ, REPLACE, MERGE, DELETE = "create", "list", "read", "replace", "merge", "delete"
DELETE_MANY = "delete-many"  # DELETE on the collection: the ids in its body, or all of it
SINGLETON_READ, SINGLETON_WRITE, SINGLETON_DELETE = "singleton-read", "singleton-write", "singleton-delete"


@dataclass(frozen=True)
class Resource:
    """A collection (with its item path) or a singleton, and the operations that touch it."""

    path: str  # the collection (or singleton) template, e.g. /agents/{agent_id}/memories
    item_path: str | None  # the item template, e.g. /agents/{agent_id}/memories/{memory_id}
    id_param: str | None  # the item template's last parameter
    id_field: str | None  # the property of a stored object that holds its id
    scope: tuple[str, ...]  # the parameters of `path`: one collection per combination of values
    singleton: bool = False
    roles: Mapping[str, str] = field(default_factory=dict)  # routing id → role

    @property
    def name(self) -> str:
        return self.path


@dataclass(frozen=True)
class ResourceMap:
    """Every resource of one API, and for each stateful operation its role and resource."""

    resources: tuple[Resource, ...]
    actions: tuple[str, ...]  # routing ids of stateless operations

    def role(self, routing_id: str) -> tuple[str, Resource] | None:
        for resource in self.resources:
            role = resource.roles.get(routing_id)
            if role is not None:
                return role, resource
        return None

    def roles(self) -> dict[str, tuple[str, Resource]]:
        """routing id → (role, resource), for the pipeline's one lookup per request."""
        return {rid: (role, resource) for resource in self.resources for rid, role in resource.roles.items()}

    def collection_at(self, path: str) -> Resource | None:
        """The collection a concrete path (`/agents/a1/memories`) or template names."""
        parts = _parts(path)
        for resource in self.resources:
            template = _parts(resource.path)
            if len(template) == len(parts) and all(
                t == p or _is_param(t) for t, p in zip(template, parts, strict=True)
            ):
                return resource
        return None

    def describe(self, api: Api) -> list[str]:
        """Lines for `mockserver check`: one per resource, then the actions."""
        by_id = api.by_routing_id()
        lines = []
        for resource in self.resources:
            ops = ", ".join(
                f"{by_id[rid].method} {by_id[rid].template} ({role})" for rid, role in resource.roles.items()
            )
            kind = "singleton" if resource.singleton else "collection"
            scope = f", scoped by {', '.join(resource.scope)}" if resource.scope else ""
            key = (
                f", id field {resource.id_field}"
                if resource.id_field
                else (", id from the path" if resource.id_param else "")
            )
            lines.append(f"{kind} {resource.path}{scope}{key}: {ops}")
        if self.actions:
            lines.append(
                "actions (stateless): "
                + ", ".join(f"{by_id[rid].method} {by_id[rid].template}" for rid in self.actions)
            )
        return lines


def resource_map(
    api: Api, id_names: Iterable[str], response_schema: Callable[[Operation], Mapping[str, Any] | None]
) -> ResourceMap:
    """Derive `api`'s resources. `id_names` are the field names that hold ids (fixtures'
    hints); `response_schema` gives an operation's success JSON schema, flattened."""
    id_names = frozenset(id_names)
    by_path: dict[str, dict[str, Operation]] = {}
    for op in api.operations:
        if not op.query:
            by_path.setdefault(op.template.rstrip("/") or "/", {})[op.method] = op
    resources: list[Resource] = []
    claimed: set[str] = set()
    for path, ops in sorted(by_path.items()):
        parts = _parts(path)
        if not parts or _is_param(parts[-1]):
            continue
        items = [p for p in by_path if _parts(p)[:-1] == parts and _is_param(_parts(p)[-1])]
        item_path = items[0] if items else None
        item_ops = {method: op for item in items for method, op in by_path[item].items()}
        roles: dict[str, str] = {}
        creatable = "POST" in ops or "PUT" in item_ops
        if creatable and ("GET" in ops or item_ops) and not _is_action_name(parts[-1]):
            if "POST" in ops:
                roles[ops["POST"].routing_id] = CREATE
            if "GET" in ops:
                roles[ops["GET"].routing_id] = LIST
            if "DELETE" in ops:
                roles[ops["DELETE"].routing_id] = DELETE_MANY
            for method, role in (("GET", READ), ("PUT", REPLACE), ("PATCH", MERGE), ("DELETE", DELETE)):
                if method in item_ops:
                    roles[item_ops[method].routing_id] = role
            id_param = _param_name(_parts(item_path)[-1]) if item_path else None
            schemas = [
                response_schema(op)
                for op in (item_ops.get("GET"), ops.get("POST"), item_ops.get("PUT"))
                if op is not None
            ]
            resources.append(
                Resource(path, item_path, id_param, _id_field(schemas, id_param, id_names), _scope(parts), roles=roles)
            )
        elif "GET" in ops and ("PUT" in ops or "PATCH" in ops) and not items and "POST" not in ops:
            roles[ops["GET"].routing_id] = SINGLETON_READ
            for method in ("PUT", "PATCH"):
                if method in ops:
                    roles[ops[method].routing_id] = SINGLETON_WRITE
            if "DELETE" in ops:
                roles[ops["DELETE"].routing_id] = SINGLETON_DELETE
            resources.append(Resource(path, None, None, None, _scope(parts), singleton=True, roles=roles))
        claimed.update(roles)
    actions = tuple(op.routing_id for op in api.operations if op.routing_id not in claimed)
    return ResourceMap(tuple(resources), actions)


def _id_field(schemas: list[Mapping[str, Any] | None], id_param: str | None, id_names: frozenset[str]) -> str | None:
    names: list[str] = []
    for schema in schemas:
        properties = schema.get("properties") if isinstance(schema, Mapping) else None
        if isinstance(properties, Mapping):
            names += [n for n in properties if n not in names]
    if id_param is not None and id_param in names:
        return id_param
    return next((n for n in names if n in id_names), None)


_ACTION_WORDS = frozenset(
    {
        "search",
        "query",
        "batch",
        "bulk",
        "import",
        "export",
        "count",
        "stats",
        "upload",
        "optimize",
        "login",
        "logout",
        "token",
        "refresh",
        "validate",
        "verify",
    }
)


def _is_action_name(segment: str) -> bool:
    """`/memories/search` names something to do, not a kind of thing to store."""
    return segment.lower().replace("-", "_").split("_")[0] in _ACTION_WORDS or segment.startswith(":") or ":" in segment


def _scope(parts: list[str]) -> tuple[str, ...]:
    return tuple(_param_name(p) for p in parts if _is_param(p))


def _parts(path: str) -> list[str]:
    return [p for p in path.split("/") if p]


def _is_param(part: str) -> bool:
    return part.startswith("{") and part.endswith("}")


def _param_name(part: str) -> str:
    return part[1:-1]
