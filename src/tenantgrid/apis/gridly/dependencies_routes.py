"""`/v1/views/{viewId}/dependencies`: a target column depends on a source column (both of the view's
grid); when a source cell changes, the target cell of the same record becomes
`dependencyStatus: "outOfDate"` until it is written (`records_write.apply_cells`)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from tenantgrid.apis.gridly import failures, ids, schemas
from tenantgrid.apis.gridly.context import context, json_object
from tenantgrid.apis.gridly.render import empty_response, json_response
from tenantgrid.http.endpoints import Endpoint, Operation

FIELDS = "id, source_column_id, target_column_id"


def _json(row: Any) -> dict[str, str]:
    return {"id": row[0], "sourceColumnId": row[1], "targetColumnId": row[2]}


async def list_(request: Request) -> Response:
    ctx = await context(request)
    view = await ctx.view(request.path_params["viewId"])
    rows = await ctx.fetch(
        f"SELECT {FIELDS} FROM {ctx.s}.gridly_dependencies WHERE grid_id = $1 ORDER BY created_at, id",
        view.grid_id,
    )
    return json_response(request, [_json(r) for r in rows])


async def create(request: Request) -> Response:
    ctx = await context(request)
    view = await ctx.view(request.path_params["viewId"])
    body = await json_object(request)
    chosen: dict[str, str] = {}
    for key in ("sourceColumnId", "targetColumnId"):
        value = body.get(key)
        if not isinstance(value, str) or view.column(value) is None:
            raise failures.bad_request(f"{key} must name a column of this view.", key, "dependency")
        chosen[key] = value
    if chosen["sourceColumnId"] == chosen["targetColumnId"]:
        raise failures.bad_request("A column cannot depend on itself.", "targetColumnId", "dependency")
    row = await ctx.fetchrow(
        f"INSERT INTO {ctx.s}.gridly_dependencies (id, grid_id, source_column_id, target_column_id) "
        f"VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING {FIELDS}",
        ids.new_id(),
        view.grid_id,
        chosen["sourceColumnId"],
        chosen["targetColumnId"],
    )
    if row is None:
        raise failures.conflict("This dependency exists already.", "targetColumnId", "dependency")
    return json_response(request, _json(row), 201)


async def delete(request: Request) -> Response:
    ctx = await context(request)
    view = await ctx.view(request.path_params["viewId"])
    body = await json_object(request)
    chosen = body.get("ids")
    if not isinstance(chosen, list) or not all(isinstance(i, str) for i in chosen):
        raise failures.bad_request("ids must be a list of dependency ids.", "ids", "dependency")
    await ctx.fetch(
        f"DELETE FROM {ctx.s}.gridly_dependencies WHERE grid_id = $1 AND id = ANY($2::text[])",
        view.grid_id,
        chosen,
    )
    return empty_response(204)


ENDPOINTS = [
    Endpoint(
        "/views/{viewId}/dependencies",
        {
            "GET": Operation(
                list_,
                "List the dependencies of the view's grid",
                response=schemas.array_of(schemas.DEPENDENCY),
            ),
            "POST": Operation(
                create,
                "Make a column depend on another",
                body=schemas.ref(schemas.DEPENDENCY_WRITE),
                response=schemas.ref(schemas.DEPENDENCY),
                status=201,
                errors=(409, 413),
            ),
            "DELETE": Operation(
                delete, "Delete dependencies by ids", body=schemas.ref(schemas.IDS), status=204, errors=(413,)
            ),
        },
    )
]
