"""OpenAPI paths for the Gainfully API, made from the same `Endpoint` list its routes are mounted
from; every operation is tagged `Gainfully` and secured by the tenant's secret key."""

from __future__ import annotations

from typing import Any

from tenantgrid.apis.gainfully import schemas
from tenantgrid.apis.gainfully.routes import PREFIX, endpoints
from tenantgrid.http import openapi_tags
from tenantgrid.http.endpoints import OpenApiStyle, Operation, path_item

SECURITY = [{"gainfullyKey": []}, {"gainfullyApiKey": []}]


def _error_statuses(operation: Operation) -> dict[int, str]:
    statuses = {
        400: "A bad parameter or body: `field` names it",
        401: "No key, or not a valid secret key",
        404: "No such object",
        429: "Over the key's rate limit (Retry-After says when to try again)",
    }
    for status in operation.errors:
        statuses[status] = {413: "The body is too large", 415: "The body is not JSON"}.get(status, "Error")
    return statuses


STYLE = OpenApiStyle(
    tag=openapi_tags.GAINFULLY,
    security=SECURITY,
    error_schema=schemas.ref(schemas.ERROR),
    query_parameters=schemas.QUERY_PARAMETERS,
    error_statuses=_error_statuses,
    path_type=lambda name: "integer",
)


def add_gainfully(spec: dict[str, Any]) -> dict[str, Any]:
    paths = spec.setdefault("paths", {})
    components = spec.setdefault("components", {})
    components.setdefault("schemas", {}).update(schemas.COMPONENTS)
    security = components.setdefault("securitySchemes", {})
    security["gainfullyKey"] = {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": "The tenant's secret key as the whole header value (`Authorization: tg_sk_...`); "
        "`Authorization: ApiKey <key>` works too",
    }
    security["gainfullyApiKey"] = {
        "type": "apiKey",
        "in": "header",
        "name": "Api-Key",
        "description": "The tenant's secret key",
    }
    for endpoint in endpoints():
        paths[PREFIX + endpoint.path] = path_item(endpoint, STYLE)
    return spec
