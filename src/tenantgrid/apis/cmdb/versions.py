"""An object's version on update: one changed field value is a patch, more than half a minor
release, all of them a major one (DATAGERRY's rule). Nothing changed: the version stays. A type's
version follows the same rule over its field definitions (`next_type_version`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

INITIAL = "1.0.0"


def changed_names(before: Iterable[Mapping[str, Any]], after: Iterable[Mapping[str, Any]]) -> tuple[int, int]:
    """(changed, total) over the union of field names; a field added or removed counts as changed."""
    old = {f["name"]: f.get("value") for f in before}
    new = {f["name"]: f.get("value") for f in after}
    names = old.keys() | new.keys()
    changed = sum(1 for n in names if n not in old or n not in new or not same_json(old[n], new[n]))
    return changed, len(names)


def same(a: Any, b: Any) -> bool:
    """JSON equality that keeps types apart (True is not 1, 1 is 1.0 as JSON numbers)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return bool(a == b)


def next_version(
    version: str | None, before: Iterable[Mapping[str, Any]], after: Iterable[Mapping[str, Any]]
) -> str:
    changed, total = changed_names(before, after)
    major, minor, patch = parse(version)
    if changed == 0:
        return f"{major}.{minor}.{patch}"
    if changed == 1 or changed * 2 <= total:
        return f"{major}.{minor}.{patch + 1}"
    if changed < total:
        return f"{major}.{minor + 1}.0"
    return f"{major + 1}.0.0"


def parse(version: str | None) -> tuple[int, int, int]:
    """`major.minor.patch`; anything else (a client's odd value) counts as the initial version."""
    parts = (version or "").split(".")
    if len(parts) == 3 and all(p.isascii() and p.isdigit() and len(p) < 10 for p in parts):
        return int(parts[0]), int(parts[1]), int(parts[2])
    return 1, 0, 0


DEFINITION_KEYS = ("name", "label", "description", "active", "render_meta", "acl", "extra")
"""The parts of a type, besides its fields, whose change is a (patch) change of the type."""


def next_type_version(version: str | None, before: Mapping[str, Any], after: Mapping[str, Any]) -> str:
    """A type's version on update: its field definitions count as an object's field values do (by
    name: one changed definition a patch, more than half minor, all major); when no field changed but
    anything else did (label, render_meta, acl, ...), a patch. Nothing changed: the version stays."""
    as_values = [
        [{"name": f["name"], "value": f} for f in side.get("fields") or []] for side in (before, after)
    ]
    bumped = next_version(version, as_values[0], as_values[1])
    if bumped != _text(parse(version)) or all(
        same_json(before.get(k), after.get(k)) for k in DEFINITION_KEYS
    ):
        return bumped
    major, minor, patch = parse(version)
    return f"{major}.{minor}.{patch + 1}"


def same_json(a: Any, b: Any) -> bool:
    """Deep JSON equality that keeps booleans apart from numbers."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_json(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_json(x, y) for x, y in zip(a, b, strict=True))
    return same(a, b)


def _text(parts: tuple[int, int, int]) -> str:
    return ".".join(map(str, parts))
