"""The keys of an object body (`POST/PUT/PATCH /rest/objects/...`) the server uses, type-checked.

Used: `type_id`, `fields`, `author_id`, `active`, `status`, `public_id`. Accepted and ignored, as the
server keeps them itself: `version`, `views`, `creation_time`, `last_edit_time`, `editor_id`, and
anything else a client sends.
"""

from __future__ import annotations

from typing import Any

from tenantgrid.apis.cmdb.field_values import parse_fields
from tenantgrid.apis.cmdb.invalid import invalid
from tenantgrid.apis.cmdb.type_definition import is_id

MAX_CLIENT_ID = 2**53 - 1
"""A public_id a client chooses: positive, and exact in JavaScript (the web app's numbers)."""


def parse_object_body(body: Any, *, creating: bool) -> dict[str, Any]:
    """Only the keys present (a PUT keeps the stored value of the others); POST needs type_id and fields."""
    if not isinstance(body, dict):
        raise invalid("the body must be a JSON object")
    if creating:
        for key in ("type_id", "fields"):
            if key not in body:
                raise invalid(f"'{key}' is required", key)
    values: dict[str, Any] = {}
    for key in ("type_id", "public_id"):
        if key in body:
            if not is_id(body[key]):
                raise invalid(f"'{key}' must be an integer id", key)
            values[key] = body[key]
    if creating and not 0 < values.get("public_id", 1) <= MAX_CLIENT_ID:
        raise invalid(f"'public_id' must be between 1 and {MAX_CLIENT_ID}", "public_id")
    if "author_id" in body:
        if body["author_id"] is not None and not is_id(body["author_id"]):
            raise invalid("'author_id' must be an integer id or null", "author_id")
        values["author_id"] = body["author_id"]
    if "active" in body:
        if not isinstance(body["active"], bool):
            raise invalid("'active' must be a boolean", "active")
        values["active"] = body["active"]
    if "status" in body:
        if body["status"] is not None and not isinstance(body["status"], bool):
            raise invalid("'status' must be a boolean or null", "status")
        values["status"] = body["status"]
    if "fields" in body:
        values["fields"] = parse_fields(body["fields"])
    return values
