"""OpenAPI paths for the Gridly API, made from the same `Endpoint` list the routes are mounted from."""

from __future__ import annotations

from typing import Any

from tenantgrid.apis.gridly import schemas
from tenantgrid.apis.gridly.routes import PREFIX, endpoints
from tenantgrid.http import openapi_tags
from tenantgrid.http.endpoints import OpenApiStyle, Operation, openapi_path, path_item

SCHEME = "gridlyApiKey"
QUERY_PARAMETERS: dict[str, tuple[dict[str, Any], str]] = {
    "page": ({"type": "string"}, 'JSON: {"offset": n, "limit": m} (limit 100 by default, at most 1000)'),
    "query": ({"type": "string"}, 'JSON: {"<columnId>": {"<operator>": value}, ...} (AND)'),
    "sort": ({"type": "string"}, 'JSON: {"<columnId>": "asc"|"desc", ...} (in order)'),
    "columnIds": ({"type": "string"}, "Comma-separated column ids: only these cells, in this order"),
    "afterRecordId": ({"type": "string"}, "Only records after this one (in the grid's order)"),
    "beforeRecordId": ({"type": "string"}, "Only records before this one (in the grid's order)"),
    "include": ({"type": "string", "enum": ["records"]}, "records: add a page of the view's records"),
    "path": ({"type": "string"}, "The record's path (folder): it must be there"),
    "projectId": ({"type": "string"}, "The project's id"),
    "dbId": ({"type": "string"}, "The database's id"),
    "gridId": ({"type": "string"}, "The grid's id"),
    "rootPath": ({"type": "string"}, "The folder whose sub-folders to list (all folders without it)"),
}


def _error_statuses(operation: Operation) -> dict[int, str]:
    statuses = {
        400: "Bad request: a malformed parameter, body or cell value (the field names it)",
        401: "No valid API key",
        403: "The API key may not do this",
        404: "No such view, grid, column, record or file",
        405: "Method not allowed",
    }
    for status in operation.errors:
        statuses[status] = {409: "Conflict: the id is taken", 413: "The body is too large"}.get(
            status, "Error"
        )
    return statuses


STYLE = OpenApiStyle(
    tag=openapi_tags.GRIDLY,
    security=[{SCHEME: []}],
    error_schema=schemas.ref(schemas.ERROR),
    query_parameters=QUERY_PARAMETERS,
    error_statuses=_error_statuses,
)


def add_gridly(spec: dict[str, Any]) -> dict[str, Any]:
    paths = spec.setdefault("paths", {})
    components = spec.setdefault("components", {})
    components.setdefault("schemas", {}).update(schemas.COMPONENTS)
    components.setdefault("securitySchemes", {})[SCHEME] = {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": "`ApiKey <a tenant's secret key>` (also accepted: the key alone in Api-Key or apikey)",
    }
    for endpoint in endpoints():
        paths[PREFIX + openapi_path(endpoint.path)] = path_item(endpoint, STYLE)
    return spec
