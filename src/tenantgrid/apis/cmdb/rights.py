"""DATAGERRY 2.0's 62 rights and security levels, and the check every CMDB route makes.

A caller holding `base.framework.*` holds every right below it: a right is granted by its own name
or by any wildcard above it (`base.framework.object.view` <- `base.framework.object.*` <-
`base.framework.*` <- `base.*`). Levels are informational, as in DATAGERRY.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from tenantgrid.apis.cmdb import failures
from tenantgrid.apis.cmdb.invalid import invalid

LEVELS = {"CRITICAL": 100, "DANGER": 80, "SECURE": 50, "PROTECTED": 30, "PERMISSION": 10, "NOTSET": 0}


@dataclass(frozen=True, slots=True)
class Right:
    name: str
    level: int
    label: str
    description: str
    is_master: bool

    def as_json(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "name": self.name,
            "label": self.label,
            "description": self.description,
            "is_master": self.is_master,
        }


_TABLE = """
base.* | 0 | Base application right
base.system.* | 50 | System and settings
base.system.view | 50 | View system configurations and settings
base.system.edit | 50 | Edit system configurations and settings
base.system.reload | 50 | Reload system configurations
base.framework.* | 10 | Manage the core framework
base.framework.object.* | 10 | Manage objects from framework
base.framework.object.view | 10 | View objects
base.framework.object.add | 10 | Add objects
base.framework.object.edit | 30 | Edit objects
base.framework.object.delete | 50 | Delete objects
base.framework.object.activation | 50 | Activate/Deactivate objects
base.framework.type.* | 50 | Manage types from framework
base.framework.type.view | 30 | View types
base.framework.type.add | 30 | Add types
base.framework.type.edit | 50 | Edit types
base.framework.type.delete | 50 | Delete types
base.framework.type.activation | 50 | Activate/Deactivate types
base.framework.type.clean | 50 | Clean type fields
base.framework.category.* | 30 | Manage categories from framework
base.framework.category.view | 30 | View category
base.framework.category.add | 30 | Add category
base.framework.category.edit | 30 | Edit category
base.framework.category.delete | 50 | Delete category
base.framework.log.* | 30 | Manage framework logs
base.framework.log.view | 30 | View logs
base.framework.log.reload | 50 | Reload logs
base.framework.log.delete | 80 | Delete logs
base.export.* | 50 | Manage exports
base.export.object.* | 50 | Manage object exports
base.export.type.* | 50 | Manage type exports
base.import.* | 50 | Manage imports
base.import.object.* | 50 | Manage object imports
base.import.type.* | 50 | Manage type imports
base.user-management.* | 50 | UserModel management
base.user-management.user.* | 50 | Manage users
base.user-management.user.view | 50 | View user
base.user-management.user.add | 50 | Add user
base.user-management.user.edit | 50 | Edit user
base.user-management.user.delete | 50 | Delete user
base.user-management.group.* | 50 | Manage groups
base.user-management.group.view | 50 | View group
base.user-management.group.add | 80 | Add group
base.user-management.group.edit | 80 | Edit group
base.user-management.group.delete | 50 | Delete group
base.exportd.* | 50 | Manage exportd
base.exportd.job.* | 50 | Manage jobs
base.exportd.job.view | 50 | View job
base.exportd.job.add | 50 | Add job
base.exportd.job.edit | 50 | Edit job
base.exportd.job.delete | 50 | Delete job
base.exportd.job.run | 50 | Run job manual
base.exportd.log.* | 30 | Manage exportd logs
base.exportd.log.view | 30 | View exportd logs
base.exportd.log.reload | 50 | Reload exportd logs
base.exportd.log.delete | 80 | Delete exportd logs
base.docapi.* | 50 | Manage DocAPI
base.docapi.template.* | 50 | Manage DocAPI templates
base.docapi.template.view | 50 | View template
base.docapi.template.add | 50 | Add template
base.docapi.template.edit | 50 | Edit template
base.docapi.template.delete | 50 | Delete template
"""


def _right(line: str) -> Right:
    name, level, description = (part.strip() for part in line.split("|"))
    # DATAGERRY labels a right by its last two name parts (`object.view`); the root keeps its name.
    label = name if name == "base.*" else ".".join(name.split(".")[-2:])
    return Right(name, int(level), label, description, name.endswith(".*"))


RIGHTS: tuple[Right, ...] = tuple(_right(line) for line in _TABLE.strip().splitlines())
BY_NAME: dict[str, Right] = {r.name: r for r in RIGHTS}
ALL = frozenset({"base.*"})
"""What a tenant's secret key holds: everything."""


def granting(name: str) -> list[str]:
    """The names that grant `name`: itself and every wildcard above it."""
    parts = name.removesuffix(".*").split(".")
    names = [name]
    for end in range(len(parts) - 1, 0, -1):
        names.append(".".join(parts[:end]) + ".*")
    return names


def holds(rights: Iterable[str], name: str) -> bool:
    held = rights if isinstance(rights, frozenset | set) else frozenset(rights)
    return any(candidate in held for candidate in granting(name))


def require(rights: Iterable[str], name: str) -> None:
    """403 naming `name` unless `rights` grant it."""
    if not holds(rights, name):
        raise failures.missing_right(name)


def check_names(names: Any, key: str = "rights") -> list[str]:
    """A group's `rights` as sent: a list of known right names (a right object is taken by its name)."""
    if not isinstance(names, list):
        raise invalid(f"'{key}' must be a list of right names", key)
    checked: list[str] = []
    for item in names:
        name = item.get("name") if isinstance(item, dict) else item
        if not isinstance(name, str):
            raise invalid(f"'{key}' must be a list of right names", key)
        if name not in BY_NAME:
            raise invalid(f"unknown right: {name!r}", key)
        if name not in checked:
            checked.append(name)
    return checked


def expand(names: Iterable[str]) -> list[dict[str, Any]]:
    """Stored right names as DATAGERRY's right objects (a name no longer known is left out)."""
    return [BY_NAME[n].as_json() for n in names if n in BY_NAME]


def tree() -> list[dict[str, Any]]:
    """The rights nested by name: each master right (`x.*`) with the rights directly below it."""

    def children(master: Right) -> list[dict[str, Any]]:
        prefix = master.name.removesuffix("*")
        depth = prefix.count(".")
        nodes = []
        for right in RIGHTS:
            if right is master or not right.name.startswith(prefix):
                continue
            if right.name.removesuffix(".*").count(".") != depth:
                continue
            node = right.as_json()
            if right.is_master:
                node["children"] = children(right)
            nodes.append(node)
        return nodes

    root = BY_NAME["base.*"]
    return [{**root.as_json(), "children": children(root)}]
