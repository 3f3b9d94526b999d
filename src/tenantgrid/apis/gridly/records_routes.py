"""`/v1/views/{viewId}/records`: list (query, sort, page, columnIds), add, update, delete; and
`PATCH /v1/views/{viewId}/records/{recordId}`."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from tenantgrid.apis.gridly import failures, schemas
from tenantgrid.apis.gridly.context import context, json_array, json_body, json_object
from tenantgrid.apis.gridly.records_read import list_records
from tenantgrid.apis.gridly.records_write import create_records, delete_records, update_records
from tenantgrid.apis.gridly.render import empty_response, json_response
from tenantgrid.http.endpoints import Endpoint, Operation

LIST_HEADERS = {
    "X-Total-Count": "How many records match, before paging (on every page)",
    "Link": '`<absolute url>; rel="next"` when more records follow',
}


async def list_(request: Request) -> Response:
    ctx = await context(request)
    view = await ctx.view(request.path_params["viewId"])
    page = await list_records(ctx, view, request.query_params)
    return json_response(request, page.records, headers=page.headers(request))


async def add(request: Request) -> Response:
    ctx = await context(request)
    view = await ctx.view(request.path_params["viewId"])
    records = await create_records(ctx, view, await json_array(request))
    return json_response(request, records)


async def update(request: Request) -> Response:
    ctx = await context(request)
    view = await ctx.view(request.path_params["viewId"])
    records = await update_records(ctx, view, await json_array(request))
    return json_response(request, records)


async def delete(request: Request) -> Response:
    ctx = await context(request)
    view = await ctx.view(request.path_params["viewId"])
    await delete_records(ctx, view, await json_object(request))
    return empty_response(204)


async def update_one(request: Request) -> Response:
    ctx = await context(request)
    view = await ctx.view(request.path_params["viewId"])
    record_id = request.path_params["recordId"]
    body = await json_body(request)
    if isinstance(body, list) and len(body) == 1:
        body = body[0]
    if not isinstance(body, dict):
        raise failures.bad_request("The request body must be a record object.", "body")
    if "id" in body and body["id"] != record_id:
        raise failures.bad_request("The body's id differs from the record id of the URL.", "id")
    path = request.query_params.get("path")
    records = await update_records(ctx, view, [{**body, "id": record_id}], path_filter=path)
    return json_response(request, records[0])


ENDPOINTS = [
    Endpoint(
        "/views/{viewId}/records",
        {
            "GET": Operation(
                list_,
                "List a view's records",
                query=("columnIds", "page", "query", "sort", "afterRecordId", "beforeRecordId"),
                response=schemas.array_of(schemas.RECORD),
                response_headers=LIST_HEADERS,
            ),
            "POST": Operation(
                add,
                "Add records",
                body={"type": "array", "items": schemas.ref(schemas.RECORD_WRITE)},
                response=schemas.array_of(schemas.RECORD),
                errors=(409, 413),
            ),
            "PATCH": Operation(
                update,
                "Update records (cells left out stay as they are)",
                body={"type": "array", "items": schemas.ref(schemas.RECORD_WRITE)},
                response=schemas.array_of(schemas.RECORD),
                errors=(413,),
            ),
            "DELETE": Operation(
                delete,
                "Delete records by ids or identifiers",
                body=schemas.ref(schemas.RECORD_DELETE),
                status=204,
                errors=(413,),
            ),
        },
    ),
    Endpoint(
        "/views/{viewId}/records/{recordId}",
        {
            "PATCH": Operation(
                update_one,
                "Update one record",
                query=("path",),
                body=schemas.ref(schemas.RECORD_WRITE),
                response=schemas.ref(schemas.RECORD),
                errors=(413,),
            ),
        },
    ),
]
