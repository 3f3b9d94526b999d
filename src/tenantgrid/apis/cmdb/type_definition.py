"""A type's definition (what `POST/PUT /rest/types/` carry), checked and turned into its stored columns.

Keys the server uses must have the right JSON type (else a 400 naming the key); keys real clients
send that we only keep (`status`, `clean_db`, `access`, `category_id`, `multi_data_sections`, ...)
go to the `extra` column untouched; server-managed keys (`public_id`, `version`, times, `editor_id`)
are ignored here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from tenantgrid.apis.cmdb.invalid import invalid

FIELD_TYPES = frozenset(
    {"text", "password", "textarea", "number", "date", "checkbox", "radio", "select", "ref", "location"}
)
WITH_OPTIONS = frozenset({"radio", "select"})
KEBAB = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
MAX_NAME = 255
ACL_PERMISSIONS = frozenset({"CREATE", "READ", "UPDATE", "DELETE"})
OBJECT_ID = "object_id"
"""The pseudo-field an external link may name: the object's own public_id."""
STORED_ONLY = frozenset({"status", "clean_db", "access", "category_id", "multi_data_sections", "views"})
"""Keys the real clients send that the server keeps in `extra` and never interprets."""


def check_name(value: Any, key: str = "name") -> str:
    """A kebab-case name (`my-type-2`), as types and categories need."""
    if not isinstance(value, str):
        raise invalid(f"'{key}' must be a string", key)
    if not value or len(value) > MAX_NAME or KEBAB.fullmatch(value) is None:
        raise invalid(
            f"'{key}' must be kebab-case (lower-case letters, digits and single dashes): {value!r}", key
        )
    return value


def optional_text(body: Mapping[str, Any], key: str) -> str | None:
    value = body.get(key)
    if value is not None and not isinstance(value, str):
        raise invalid(f"'{key}' must be a string or null", key)
    return value


def optional_bool(body: Mapping[str, Any], key: str, default: bool) -> bool:
    value = body.get(key, default)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise invalid(f"'{key}' must be a boolean", key)
    return value


def optional_id(body: Mapping[str, Any], key: str) -> int | None:
    value = body.get(key)
    if value is not None and not is_id(value):
        raise invalid(f"'{key}' must be an integer or null", key)
    return value


def is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**63


def validate_type(body: Any) -> dict[str, Any]:
    """The stored columns of a type from its full document (for a PUT: the stored one updated with the body).

    Returns name, label, description, active, author_id, fields, render_meta, acl, extra.
    """
    if not isinstance(body, dict):
        raise invalid("the body must be a JSON object")
    if "name" not in body:
        raise invalid("'name' is required", "name")
    name = check_name(body["name"])
    fields = validate_fields(body.get("fields", []))
    names = [f["name"] for f in fields]
    label = optional_text(body, "label")
    extra = {k: body[k] for k in sorted(STORED_ONLY) if k in body}
    return {
        "name": name,
        "label": label if label is not None else name,
        "description": optional_text(body, "description"),
        "active": optional_bool(body, "active", True),
        "author_id": optional_id(body, "author_id"),
        "fields": fields,
        "render_meta": validate_render_meta(body.get("render_meta"), set(names)),
        "acl": validate_acl(body.get("acl")),
        "extra": extra,
    }


def validate_fields(value: Any) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise invalid("'fields' must be a list of field definitions", "fields")
    seen: set[str] = set()
    for index, field in enumerate(value):
        where = f"fields[{index}]"
        if not isinstance(field, dict):
            raise invalid(f"'{where}' must be an object", where)
        name = field.get("name")
        if not isinstance(name, str) or not name:
            raise invalid(f"'{where}.name' must be a non-empty string", f"{where}.name")
        if name in seen:
            raise invalid(f"field name '{name}' is used twice", name)
        seen.add(name)
        _check_field(field, name)
    return value


def _check_field(field: dict[str, Any], name: str) -> None:
    kind = field.get("type")
    if kind not in FIELD_TYPES:
        raise invalid(
            f"field '{name}': 'type' must be one of {', '.join(sorted(FIELD_TYPES))}: {kind!r}", name
        )
    for key in ("label", "description", "placeholder", "helperText"):
        if field.get(key) is not None and not isinstance(field[key], str):
            raise invalid(f"field '{name}': '{key}' must be a string", name)
    if field.get("required") is not None and not isinstance(field["required"], bool):
        raise invalid(f"field '{name}': 'required' must be a boolean", name)
    regex = field.get("regex")
    # Postgres judges the pattern itself (`field_patterns.check_definitions`).
    if regex not in (None, "") and (not isinstance(regex, str) or "\x00" in regex):
        raise invalid(f"field '{name}': 'regex' must be a string without NUL characters", name)
    options = field.get("options")
    options_ok = options is None or (
        isinstance(options, list)
        and all(isinstance(o, dict) and isinstance(o.get("name"), str) for o in options)
    )
    if not options_ok:
        raise invalid(f"field '{name}': 'options' must be a list of {{name, label}} objects", name)
    ref_types = field.get("ref_types")
    if ref_types is not None and not (
        is_id(ref_types) or (isinstance(ref_types, list) and all(is_id(t) for t in ref_types))
    ):
        raise invalid(f"field '{name}': 'ref_types' must be a list of type ids", name)


def ref_types_of(field: Mapping[str, Any]) -> tuple[int, ...]:
    """The type ids a ref field may point to (empty: any type). Older clients send one id, not a list."""
    value = field.get("ref_types")
    if value is None:
        return ()
    return (value,) if isinstance(value, int) else tuple(value)


def validate_render_meta(value: Any, names: set[str]) -> dict[str, Any]:
    if value is None:
        value = {}
    if not isinstance(value, dict):
        raise invalid("'render_meta' must be an object", "render_meta")
    icon = value.get("icon", "")
    if icon is not None and not isinstance(icon, str):
        raise invalid("'render_meta.icon' must be a string", "render_meta.icon")
    sections = _list(value, "sections")
    for index, section in enumerate(sections):
        where = f"render_meta.sections[{index}]"
        if not isinstance(section, dict):
            raise invalid(f"'{where}' must be an object", where)
        if not isinstance(section.get("name", ""), str) or not isinstance(
            section.get("type", "section"), str
        ):
            raise invalid(f"'{where}': 'name' and 'type' must be strings", where)
        for entry in _list(section, "fields", where):
            field = entry.get("name") if isinstance(entry, dict) else entry
            if not isinstance(field, str) or field not in names:
                raise invalid(f"'{where}' names a field the type does not have: {field!r}", where)
    externals = _list(value, "externals")
    for index, external in enumerate(externals):
        where = f"render_meta.externals[{index}]"
        if not isinstance(external, dict) or not isinstance(external.get("href"), str):
            raise invalid(f"'{where}' must be an object with a string 'href'", where)
        for field in _list(external, "fields", where):
            if field != OBJECT_ID and (not isinstance(field, str) or field not in names):
                raise invalid(f"'{where}' names a field the type does not have: {field!r}", where)
    summary = value.get("summary") or {}
    if not isinstance(summary, dict):
        raise invalid("'render_meta.summary' must be an object", "render_meta.summary")
    for field in _list(summary, "fields", "render_meta.summary"):
        if not isinstance(field, str) or field not in names:
            raise invalid(
                f"'render_meta.summary' names a field the type does not have: {field!r}",
                "render_meta.summary",
            )
    return {
        **value,
        "icon": icon or "",
        "sections": sections,
        "externals": externals,
        "summary": {**summary, "fields": _list(summary, "fields", "render_meta.summary")},
    }


def _list(container: Mapping[str, Any], key: str, where: str = "render_meta") -> list[Any]:
    value = container.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise invalid(f"'{where}.{key}' must be a list", f"{where}.{key}")
    return value


def validate_acl(value: Any) -> dict[str, Any] | None:
    """`{activated, groups: {includes: {"<group id>": ["CREATE", "READ", ...]}}}`; enforced by `acl.py`."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise invalid("'acl' must be an object or null", "acl")
    if not isinstance(value.get("activated", False), bool):
        raise invalid("'acl.activated' must be a boolean", "acl.activated")
    groups = value.get("groups", {})
    includes = groups.get("includes", {}) if isinstance(groups, dict) else None
    if not isinstance(includes, dict):
        raise invalid("'acl.groups.includes' must be an object of group id -> permissions", "acl.groups")
    for group, permissions in includes.items():
        if not group.isascii() or not group.isdigit():
            raise invalid(f"'acl.groups.includes' keys must be group ids: {group!r}", "acl.groups")
        if not isinstance(permissions, list) or not all(p in ACL_PERMISSIONS for p in permissions):
            raise invalid(
                f"'acl.groups.includes.{group}' must be a list of CREATE, READ, UPDATE, DELETE", "acl.groups"
            )
    return value
