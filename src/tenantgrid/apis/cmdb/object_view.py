"""The rendered object (`GET /rest/objects/{id}`, lists with `view=render`): the object with its
type's field definitions, sections, summaries, summary line and external links filled in.

Inputs are documents as the API shows them (datetimes already `{"$date": ms}`); user names come
from a mapping the caller loads once per request.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from tenantgrid.apis.cmdb.field_values import is_empty
from tenantgrid.apis.cmdb.type_definition import OBJECT_ID

DEFAULT_ACL = {"activated": False, "groups": {"includes": {}}}
PLACEHOLDER = "{}"


def render_object(
    obj: Mapping[str, Any],
    type_: Mapping[str, Any],
    user_names: Mapping[int, str],
    now: Mapping[str, int],
) -> dict[str, Any]:
    render_meta = type_.get("render_meta") or {}
    values = {f["name"]: f.get("value") for f in obj.get("fields") or []}
    definitions = type_.get("fields") or []
    fields = [{**d, "value": values.get(d["name"])} for d in definitions]
    by_name = {f["name"]: f for f in fields}
    summaries = [by_name[n] for n in (render_meta.get("summary") or {}).get("fields") or [] if n in by_name]
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
