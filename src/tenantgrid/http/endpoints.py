"""Routes declared as data, shared by the APIs that are not PostgREST's (the CMDB, Gridly).

A route module declares `ENDPOINTS: list[Endpoint]`: a path and its operations by method, each with
what `/openapi.json` says about it. `dispatch` makes the one Starlette handler of a path: it picks
the operation by method, answers HEAD with the GET (the API's renderer drops the body), OPTIONS with
the methods, and any other method with the API's 405. `path_item` makes the path's OpenAPI entry from
the same declaration, so a route and its documentation cannot drift apart. Each API supplies its own
error wrapper, 405, security schemes and error schema (`OpenApiStyle`).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

Handler = Callable[[Request], Awaitable[Response]]
JSON = "application/json"
ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
_PARAMETER = re.compile(r"{(\w+)(?::\w+)?}")
"""A path parameter, with or without Starlette's converter (`{path:path}` may span `/`)."""


def openapi_path(path: str) -> str:
    """The OpenAPI template of a route path: `{path:path}` is `{path}` there."""
    return _PARAMETER.sub(r"{\1}", path)


@dataclass(frozen=True, slots=True)
class Operation:
    """One method of a path: its handler, and what the OpenAPI document says of it."""

    handler: Handler
    summary: str
    right: str | None = None
    """The right the handler requires (documentation only: the handler checks it)."""
    query: tuple[str, ...] = ()
    """Query parameters, by name in the API's `OpenApiStyle.query_parameters`."""
    body: dict[str, Any] | None = None
    """Schema of the request body, if any."""
    response: dict[str, Any] | None = None
    """Schema of the success body."""
    status: int = 200
    public: bool = False
    """No credentials needed."""
    description: str = ""
    body_media: str = JSON
    """The body's media type (`multipart/form-data` for uploads)."""
    body_required: bool = True
    response_media: str = JSON
    """The success body's media type (`text/csv`, `application/octet-stream`, ...)."""
    response_headers: Mapping[str, str] = field(default_factory=dict)
    """Headers of the success answer: name -> description (e.g. `X-Total-Count`)."""
    errors: tuple[int, ...] = ()
    """Error statuses this operation may answer beyond the API's usual ones (409, 413, ...)."""


@dataclass(frozen=True, slots=True)
class Endpoint:
    path: str
    """With path parameters: `/users/{public_id}`; for the CMDB relative to /rest."""
    operations: Mapping[str, Operation]
    path_types: Mapping[str, str] = field(default_factory=dict)
    """OpenAPI types of the path parameters (default: the API's `OpenApiStyle.path_type`)."""


def dispatch(
    endpoint: Endpoint,
    *,
    wrap: Callable[[Handler], Handler],
    method_not_allowed: Callable[[str, list[str]], Exception],
    options: Callable[[Request, list[str]], Response],
) -> Handler:
    """The one handler of `endpoint`'s path, wrapped by the API's error renderer `wrap`."""
    methods = dict(endpoint.operations)
    if "GET" in methods and "HEAD" not in methods:
        methods["HEAD"] = methods["GET"]
    allowed = sorted({*methods, "OPTIONS"})

    async def handler(request: Request) -> Response:
        operation = methods.get(request.method)
        if operation is not None:
            return await operation.handler(request)
        if request.method == "OPTIONS":
            return options(request, allowed)
        raise method_not_allowed(request.method, allowed)

    return wrap(handler)


# -- OpenAPI ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OpenApiStyle:
    """What differs between the APIs' documents."""

    tag: str
    """The API's one OpenAPI tag (`tenantgrid.http.openapi_tags`): /docs groups operations by API."""
    security: list[dict[str, list[str]]]
    error_schema: dict[str, Any]
    query_parameters: Mapping[str, tuple[dict[str, Any], str]]
    """name -> (schema, description); a name not listed is a plain string."""
    error_statuses: Callable[[Operation], dict[int, str]]
    """The error answers of an operation: status -> description."""
    path_type: Callable[[str], str] = lambda name: "string"


def path_parameters(endpoint: Endpoint, style: OpenApiStyle) -> list[dict[str, Any]]:
    return [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": endpoint.path_types.get(name) or style.path_type(name)},
        }
        for name in _PARAMETER.findall(endpoint.path)
    ]


def query_parameter(name: str, style: OpenApiStyle) -> dict[str, Any]:
    schema, description = style.query_parameters.get(name, ({"type": "string"}, name))
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


def operation_spec(
    operation: Operation, parameters: list[dict[str, Any]], style: OpenApiStyle
) -> dict[str, Any]:
    success: dict[str, Any] = {"description": "OK"}
    if operation.response is not None:
        success["content"] = {operation.response_media: {"schema": operation.response}}
    if operation.response_headers:
        success["headers"] = {
            name: {"description": text, "schema": {"type": "string"}}
            for name, text in operation.response_headers.items()
        }
    responses: dict[str, Any] = {str(operation.status): success}
    for status, text in sorted(style.error_statuses(operation).items()):
        responses[str(status)] = {
            "description": text,
            "content": {JSON: {"schema": style.error_schema}},
        }
    description = operation.description
    if operation.right:
        description = (
            description + "\n\n" if description else ""
        ) + f"Requires the right `{operation.right}`."
    spec: dict[str, Any] = {
        "tags": [style.tag],
        "summary": operation.summary,
        "description": description,
        "parameters": [*parameters, *(query_parameter(q, style) for q in operation.query)],
        "responses": responses,
    }
    if operation.body is not None:
        spec["requestBody"] = {
            "required": operation.body_required,
            "content": {operation.body_media: {"schema": operation.body}},
        }
    spec["security"] = [{}, *style.security] if operation.public else style.security
    return spec


def path_item(endpoint: Endpoint, style: OpenApiStyle) -> dict[str, Any]:
    """The OpenAPI path item of `endpoint`; a GET is documented with its HEAD."""
    parameters = path_parameters(endpoint, style)
    item: dict[str, Any] = {}
    for method, operation in endpoint.operations.items():
        item[method.lower()] = operation_spec(operation, parameters, style)
        if method == "GET":
            head = dict(item["get"])
            head["summary"] = operation.summary + " (headers only)"
            item["head"] = head
    return item
