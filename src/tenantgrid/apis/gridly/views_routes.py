"""`GET /v1/views/{viewId}`: the view and its columns; `include=records` adds a page of its records
(the records list's parameters apply, and its headers)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from tenantgrid.apis.gridly import schemas
from tenantgrid.apis.gridly.context import context
from tenantgrid.apis.gridly.records_read import list_records
from tenantgrid.apis.gridly.records_routes import LIST_HEADERS
from tenantgrid.apis.gridly.render import json_response
from tenantgrid.apis.gridly.views_store import View
from tenantgrid.http.endpoints import Endpoint, Operation


def view_json(view: View) -> dict[str, Any]:
    return {
        "id": view.id,
        "name": view.name,
        "gridId": view.grid_id,
        "isDefault": view.is_default,
        "columns": [c.as_json() for c in view.columns],
    }


async def get(request: Request) -> Response:
    ctx = await context(request)
    view = await ctx.view(request.path_params["viewId"])
    body = view_json(view)
    includes = {i.strip() for i in request.query_params.get("include", "").split(",")}
    headers: dict[str, str] = {}
    if "records" in includes:
        page = await list_records(ctx, view, request.query_params)
        body["records"] = page.records
        headers = page.headers(request)
    return json_response(request, body, headers=headers)


ENDPOINTS = [
    Endpoint(
        "/views/{viewId}",
        {
            "GET": Operation(
                get,
                "Retrieve a view (with include=records, a page of its records too)",
                query=("include", "columnIds", "page", "query", "sort"),
                response=schemas.ref(schemas.VIEW),
                response_headers=LIST_HEADERS,
            )
        },
    )
]
