"""A type's `acl`: which groups may CREATE, READ, UPDATE and DELETE objects of that type.

`{"activated": true, "groups": {"includes": {"<group id>": ["READ", ...]}}}`: when activated, a
group not listed, or listed without the permission, may not. Not activated (or no acl): the rights
alone decide. It binds users signed in with Bearer or Basic; a secret API key holds every right
(`Caller.acl_group` is None). Lists leave out the objects the caller may not READ; a single object
it may not read or write is a 403 naming the permission, the type and the group.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from tenantgrid.apis.cmdb import failures
from tenantgrid.apis.cmdb.auth import Caller
from tenantgrid.query.ast import Cond, Node, Not, Op, Path

CREATE, READ, UPDATE, DELETE = "CREATE", "READ", "UPDATE", "DELETE"


def permits(acl: Mapping[str, Any] | None, group_id: int | None, permission: str) -> bool:
    if group_id is None or not isinstance(acl, Mapping) or acl.get("activated") is not True:
        return True
    groups = acl.get("groups")
    includes = groups.get("includes") if isinstance(groups, Mapping) else None
    granted = includes.get(str(group_id)) if isinstance(includes, Mapping) else None
    return isinstance(granted, list) and permission in granted


def require(caller: Caller, types: Iterable[Mapping[str, Any]], permission: str) -> None:
    """403 unless the caller's group holds `permission` on every one of `types`."""
    for type_ in types:
        if not permits(type_.get("acl"), caller.acl_group, permission):
            raise failures.forbidden(
                f"Missing ACL permission {permission} on objects of type {type_.get('public_id')}",
                f"The acl of type {type_.get('public_id')} does not grant {permission} "
                f"to group {caller.acl_group}",
            )


def hidden_types(caller: Caller, types: Iterable[Mapping[str, Any]]) -> list[int]:
    """The ids of the types whose objects the caller may not READ."""
    return sorted(t["public_id"] for t in types if not permits(t.get("acl"), caller.acl_group, READ))


def readable_where(hidden: list[int]) -> Node | None:
    """The list condition that leaves out objects of hidden types (None: nothing is hidden)."""
    if not hidden:
        return None
    return Not(Cond(Path("type_id"), Op.IN, tuple(hidden)))
