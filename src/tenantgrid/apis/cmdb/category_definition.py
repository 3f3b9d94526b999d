"""A category's document (what `POST/PUT /rest/categories/` carry) checked into its stored columns.
Whether `parent` and `types` exist, and whether the parent makes a cycle, the route asks the database."""

from __future__ import annotations

from typing import Any

from tenantgrid.apis.cmdb.invalid import invalid
from tenantgrid.apis.cmdb.type_definition import check_name, is_id, optional_text


def validate_category(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise invalid("the body must be a JSON object")
    if "name" not in body:
        raise invalid("'name' is required", "name")
    name = check_name(body["name"])
    label = optional_text(body, "label")
    parent = body.get("parent")
    if parent is not None and not is_id(parent):
        raise invalid("'parent' must be a category id or null", "parent")
    types = body.get("types")
    if types is None:
        types = []
    if not isinstance(types, list) or not all(is_id(t) for t in types):
        raise invalid("'types' must be a list of type ids", "types")
    if len(set(types)) != len(types):
        raise invalid("'types' names a type twice", "types")
    meta = body.get("meta")
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise invalid("'meta' must be an object", "meta")
    icon = meta.get("icon", "")
    if icon is not None and not isinstance(icon, str):
        raise invalid("'meta.icon' must be a string", "meta.icon")
    order = meta.get("order")
    if order is not None and (not isinstance(order, int) or isinstance(order, bool) or abs(order) >= 2**53):
        raise invalid("'meta.order' must be an integer or null", "meta.order")
    return {
        "name": name,
        "label": label if label is not None else name,
        "parent": parent,
        "types": types,
        "meta": {**meta, "icon": icon or "", "order": order},
    }
