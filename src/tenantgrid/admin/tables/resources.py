"""Which of the catalog's tables the panel shows, grouped by the API that owns them, and which of
their columns a form may set.

The catalog is the only source of names: a resource or column the panel works with is one looked
up here, so nothing from a request reaches SQL as an identifier.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from tenantgrid.catalog.model import Catalog, Column, Resource

HIDDEN = frozenset({"users"})
"""The tenant's people have their own page (/admin/users), which never shows password hashes."""
READ_ONLY = {
    "gridly_files": "File metadata is written by Gridly's file routes, which also store the bytes.",
}
"""Resources listed but not written from the panel, with the reason shown on their page."""
GROUPS = (("cmdb_", "CMDB"), ("gridly_", "Gridly"), ("gainfully_", "Gainfully"))
DEFAULT_GROUP = "PostgREST"


@dataclass(frozen=True, slots=True)
class Group:
    api: str
    resources: tuple[Resource, ...]


def _raw_bytes(resource: Resource) -> bool:
    """A table holding raw bytes (file chunks) is storage, not data a person edits."""
    return any(isinstance(c.type, sa.LargeBinary) for c in resource.columns.values())


def panel_resource(catalog: Catalog, name: str) -> Resource | None:
    """The resource named `name` if the panel shows it, else None (a 404 for the caller)."""
    resource = catalog.resources.get(name)
    if resource is None or resource.name in HIDDEN or _raw_bytes(resource):
        return None
    return resource


def api_of(resource: Resource) -> str:
    return next((api for prefix, api in GROUPS if resource.name.startswith(prefix)), DEFAULT_GROUP)


def grouped(catalog: Catalog) -> list[Group]:
    """Every panel resource, grouped by API (PostgREST first), names sorted within a group."""
    names = sorted(n for n in catalog.resources if panel_resource(catalog, n) is not None)
    order = [DEFAULT_GROUP, *(api for _, api in GROUPS)]
    groups = []
    for api in order:
        members = tuple(catalog.resources[n] for n in names if api_of(catalog.resources[n]) == api)
        if members:
            groups.append(Group(api, members))
    return groups


def read_only_reason(resource: Resource) -> str | None:
    if not resource.primary_key:
        return "This table has no primary key, so a row cannot be named for editing."
    return READ_ONLY.get(resource.name)


def settable(resource: Resource, column: Column, *, creating: bool) -> bool:
    """Whether a form sets this column: never a generated one or one Postgres always numbers itself;
    a primary key only when the row is created (editing keeps the row's identity)."""
    if column.generated:
        return False
    identity = resource.table.c[column.name].identity
    if identity is not None and identity.always:
        return False
    return creating or not column.primary_key
