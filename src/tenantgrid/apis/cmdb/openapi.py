"""OpenAPI paths for the CMDB API, made from the same `Endpoint` list the routes are mounted from,
so that every route is documented with its parameters, body, answer and credentials."""

from __future__ import annotations

import re
from typing import Any

from tenantgrid.apis.cmdb import schemas
from tenantgrid.apis.cmdb.routes import Endpoint, Operation, endpoints

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
_PARAMETER = re.compile(r"{(\w+)}")


def _query_parameter(name: str) -> dict[str, Any]:
    schema, description = QUERY_PARAMETERS.get(name, ({"type": "string"}, name))
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


def _path_parameter(endpoint: Endpoint, name: str) -> dict[str, Any]:
    kind = endpoint.path_types.get(name) or (
        "integer" if name == "public_id" or name.endswith("_id") else "string"
    )
    return {"name": name, "in": "path", "required": True, "schema": {"type": kind}}


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": schemas.ref(schemas.ERROR)}},
    }


def _operation(endpoint: Endpoint, operation: Operation, parameters: list[dict[str, Any]]) -> dict[str, Any]:
    success: dict[str, Any] = {"description": "OK"}
    if operation.response is not None:
        success["content"] = {"application/json": {"schema": operation.response}}
    responses: dict[str, Any] = {str(operation.status): success}
    responses["400"] = _error("Bad request: a malformed parameter, filter or body (the key is named)")
    if not operation.public:
        responses["401"] = _error("No valid credentials (WWW-Authenticate names the schemes)")
        responses["403"] = _error("A right is missing (named), or the credentials are another tenant's")
    responses["404"] = _error("Not found")
    if operation.body is not None:
        responses["413"] = _error("The body is too large")
    description = operation.description
    if operation.right:
        description = (
            description + "\n\n" if description else ""
        ) + f"Requires the right `{operation.right}`."
    spec: dict[str, Any] = {
        "tags": [endpoint.tag],
        "summary": operation.summary,
        "description": description,
        "parameters": [*parameters, *(_query_parameter(q) for q in operation.query)],
        "responses": responses,
    }
    if operation.body is not None:
        spec["requestBody"] = {"required": True, "content": {"application/json": {"schema": operation.body}}}
    spec["security"] = [{}, *SECURITY] if operation.public else SECURITY
    return spec


def endpoint_paths(endpoint: Endpoint) -> dict[str, dict[str, Any]]:
    names = _PARAMETER.findall(endpoint.path)
    parameters = [_path_parameter(endpoint, n) for n in names]
    item: dict[str, Any] = {}
    for method, operation in endpoint.operations.items():
        item[method.lower()] = _operation(endpoint, operation, parameters)
        if method == "GET":
            head = dict(item["get"])
            head["summary"] = operation.summary + " (headers only)"
            item["head"] = head
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
