"""OpenAPI paths for the CMDB API, made from the same `Endpoint` list the routes are mounted from,
so that every route is documented with its parameters, body, answer and credentials."""

from __future__ import annotations

from typing import Any

from tenantgrid.apis.cmdb import schemas
from tenantgrid.apis.cmdb.routes import endpoints
from tenantgrid.http import openapi_tags
from tenantgrid.http.endpoints import Endpoint, OpenApiStyle, Operation, path_item, path_parameters

SECURITY = [{"cmdbApiKey": []}, {"cmdbBearer": []}, {"cmdbBasic": []}, {"apikey": [], "cmdbBasic": []}]
QUERY_PARAMETERS: dict[str, tuple[dict[str, Any], str]] = {
    "filter": ({"type": "string"}, 'A MongoDB filter as JSON, or a list of {"$match": ...} stages'),
    "sort": ({"type": "string"}, "The key to sort by (default public_id; rights: name)"),
    "order": ({"type": "integer", "enum": [1, -1]}, "1 ascending (default), -1 descending"),
    "page": ({"type": "integer", "minimum": 1}, "The page (default 1)"),
    "limit": ({"type": "integer", "minimum": 0}, "Page size (default 10; 0: all)"),
    "projection": ({"type": "string"}, 'A MongoDB projection as JSON: {"name": 1}'),
    "view": ({"type": "string"}, "The response's view"),
    "action": ({"type": "string", "enum": ["MOVE", "DELETE"]}, "What happens to the group's users"),
    "group_id": ({"type": "integer"}, "With action=MOVE: the group that takes the users"),
}


def _path_type(name: str) -> str:
    return "integer" if name == "public_id" or name.endswith("_id") else "string"


def _error_statuses(operation: Operation) -> dict[int, str]:
    statuses = {400: "Bad request: a malformed parameter, filter or body (the key is named)"}
    if not operation.public:
        statuses[401] = "No valid credentials (WWW-Authenticate names the schemes)"
        statuses[403] = "A right is missing (named), or the credentials are another tenant's"
    statuses[404] = "Not found"
    if operation.body is not None:
        statuses[413] = "The body is too large"
    return statuses


STYLE = OpenApiStyle(
    tag=openapi_tags.CMDB,
    security=SECURITY,
    error_schema=schemas.ref(schemas.ERROR),
    query_parameters=QUERY_PARAMETERS,
    error_statuses=_error_statuses,
    path_type=_path_type,
)


def endpoint_paths(endpoint: Endpoint) -> dict[str, dict[str, Any]]:
    item = path_item(endpoint, STYLE)
    parameters = path_parameters(endpoint, STYLE)
    tenant_parameters = [
        {
            "name": "schema",
            "in": "path",
            "required": True,
            "schema": {"type": "string"},
            "description": "The tenant's schema",
        },
        *parameters,
    ]
    tenant_item = {
        method: {**spec, "parameters": [*tenant_parameters, *spec["parameters"][len(parameters) :]]}
        for method, spec in item.items()
    }
    return {f"/rest{endpoint.path}": item, f"/tenants/{{schema}}/rest{endpoint.path}": tenant_item}


def add_cmdb(spec: dict[str, Any]) -> dict[str, Any]:
    paths = spec.setdefault("paths", {})
    components = spec.setdefault("components", {})
    components.setdefault("schemas", {}).update(schemas.COMPONENTS)
    security = components.setdefault("securitySchemes", {})
    security["cmdbApiKey"] = {
        "type": "apiKey",
        "in": "header",
        "name": "Api-Key",
        "description": "A tenant's secret key (every right); also accepted as apikey or Authorization: ApiKey <key>",
    }
    security["cmdbBearer"] = {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "The token of POST /rest/auth/login (or /auth/v1/token)",
    }
    security["cmdbBasic"] = {
        "type": "http",
        "scheme": "basic",
        "description": "user_name:password; name the tenant by /tenants/{schema}/rest/ or an API key",
    }
    security.setdefault("apikey", {"type": "apiKey", "in": "header", "name": "apikey"})
    for endpoint in endpoints():
        paths.update(endpoint_paths(endpoint))
    return spec
