"""The `name` of a project, database, grid or view as a request body gives it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tenantgrid.apis.gridly import failures
from tenantgrid.apis.gridly.grids_store import MAX_NAME


def required_name(body: Mapping[str, Any], resource: str) -> str:
    """`body["name"]`: non-blank text of at most MAX_NAME characters, else a 400 naming `name`."""
    name = body.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME:
        raise failures.bad_request(
            f"A {resource} needs a name: text of 1 to {MAX_NAME} characters.", "name", resource
        )
    return name


def required_query(params: Mapping[str, str], name: str, resource: str) -> str:
    """A query parameter that must be there (`?dbId=`): a 400 naming it otherwise."""
    value = params.get(name)
    if not value:
        raise failures.bad_request(f'The query parameter "{name}" is required.', name, resource)
    return value
