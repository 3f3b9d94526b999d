"""The rendered object (`GET /rest/objects/{id}`, lists with `view=render`): the object with its
type's field definitions, sections, summaries, summary line and external links filled in, and each
`ref` field's `reference` (the summaries of the object it points at).

Inputs are documents as the API shows them (datetimes already `{"$date": ms}`); user names come
from a mapping the caller loads once per request.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tenantgrid.apis.cmdb.field_values import is_empty
from tenantgrid.apis.cmdb.type_definition import OBJECT_ID, is_id

DEFAULT_ACL = {"activated": False, "groups": {"includes": {}}}
PLACEHOLDER = "{}"
REF = "ref"


@dataclass(frozen=True, slots=True)
class RenderContext:
    """What rendering needs beside the objects, loaded in one statement (`FrameworkStore`)."""

    types: dict[int, dict[str, Any]]
    users: dict[int, str]
    references: dict[int, dict[str, Any]]
    """Objects that ref fields point at, by public_id (their types are in `types`)."""

    def without_types(self, hidden: set[int]) -> RenderContext:
        """Referenced objects of hidden types (the caller may not READ them) left out."""
        if not hidden:
            return self
        refs = {k: v for k, v in self.references.items() if v["type_id"] not in hidden}
        return RenderContext(self.types, self.users, refs)


def render_object(
    obj: Mapping[str, Any],
    type_: Mapping[str, Any],
    user_names: Mapping[int, str],
    now: Mapping[str, int],
    references: Mapping[int, Mapping[str, Any]] | None = None,
    types: Mapping[int, Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """`references` (objects ref fields point at) and `types` (theirs): each ref field gets a
    `reference` with the referenced object's summaries; None where there is nothing to show (an
    empty value, an object that is gone or that the caller may not read)."""
    render_meta = type_.get("render_meta") or {}
    values = {f["name"]: f.get("value") for f in obj.get("fields") or []}
    fields = filled_fields(obj, type_)
    if references is not None:
        for field in fields:
            if field.get("type") == REF:
                field["reference"] = reference(field["value"], references, types or {})
    summaries = summary_fields(fields, type_)
    return {
        "current_render_time": now,
        "object_information": {
            "object_id": obj["public_id"],
            "creation_time": obj.get("creation_time"),
            "last_edit_time": obj.get("last_edit_time"),
            "author_id": obj.get("author_id"),
            "author_name": user_names.get(obj.get("author_id")),  # type: ignore[arg-type]
            "editor_id": obj.get("editor_id"),
            "editor_name": user_names.get(obj.get("editor_id")),  # type: ignore[arg-type]
            "active": obj.get("active"),
            "version": obj.get("version"),
        },
        "type_information": {
            "type_id": type_["public_id"],
            "type_name": type_.get("name"),
            "type_label": type_.get("label"),
            "creation_time": type_.get("creation_time"),
            "author_id": type_.get("author_id"),
            "author_name": user_names.get(type_.get("author_id")),  # type: ignore[arg-type]
            "icon": render_meta.get("icon") or "",
            "active": type_.get("active"),
            "version": type_.get("version"),
            "acl": type_.get("acl") or DEFAULT_ACL,
        },
        "fields": fields,
        "sections": render_meta.get("sections") or [],
        "summaries": summaries,
        "summary_line": summary_line(summaries, type_, obj["public_id"]),
        "externals": externals(render_meta.get("externals") or [], values, obj["public_id"]),
    }


def filled_fields(obj: Mapping[str, Any], type_: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The type's field definitions, each with the object's value."""
    values = {f["name"]: f.get("value") for f in obj.get("fields") or []}
    return [{**d, "value": values.get(d["name"])} for d in type_.get("fields") or []]


def summary_fields(fields: list[dict[str, Any]], type_: Mapping[str, Any]) -> list[dict[str, Any]]:
    by_name = {f["name"]: f for f in fields}
    names = ((type_.get("render_meta") or {}).get("summary") or {}).get("fields") or []
    return [by_name[n] for n in names if n in by_name]


def reference(
    value: Any, references: Mapping[int, Mapping[str, Any]], types: Mapping[int, Mapping[str, Any]]
) -> dict[str, Any] | None:
    """What a ref field shows of the object it points at: its type, its summary fields with their
    values, and its summary line (DATAGERRY's rendered `reference`)."""
    target = references.get(value) if is_id(value) else None
    type_ = types.get(target["type_id"]) if target is not None else None
    if target is None or type_ is None:
        return None
    summaries = [
        {k: f.get(k) for k in ("type", "name", "label", "value")}
        for f in summary_fields(filled_fields(target, type_), type_)
    ]
    return {
        "type_id": type_["public_id"],
        "type_name": type_.get("name"),
        "type_label": type_.get("label"),
        "icon": (type_.get("render_meta") or {}).get("icon") or "",
        "object_id": target["public_id"],
        "summaries": summaries,
        "line": summary_line(summaries, type_, target["public_id"]),
    }


def summary_line(summaries: list[Mapping[str, Any]], type_: Mapping[str, Any], object_id: int) -> str:
    """The summary values joined by " | " (empty ones left out); without any, "<type label> #<id>"."""
    parts = [_text(s["value"]) for s in summaries if not is_empty(s.get("value"))]
    if parts:
        return " | ".join(parts)
    return f"{type_.get('label') or type_.get('name')} #{object_id}"


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict) and isinstance(value.get("$date"), int):
        try:
            return datetime.fromtimestamp(value["$date"] / 1000, UTC).isoformat()
        except (OverflowError, OSError, ValueError):
            return str(value["$date"])
    return str(value)


def externals(
    definitions: list[Mapping[str, Any]], values: Mapping[str, Any], object_id: int
) -> list[dict[str, Any]]:
    """Each external link with its `{}` placeholders filled, in order, by the values of its `fields`
    (`object_id` is the object's id). A link with a missing value is left out."""
    out = []
    for external in definitions:
        names = external.get("fields") or []
        filled = [object_id if n == OBJECT_ID else values.get(n) for n in names]
        if any(is_empty(v) for v in filled):
            continue
        href = str(external.get("href") or "")
        for value in filled:
            if PLACEHOLDER not in href:
                break
            href = href.replace(PLACEHOLDER, _text(value), 1)
        out.append({**external, "href": href, "fields": names})
    return out
