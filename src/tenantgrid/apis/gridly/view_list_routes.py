"""A grid's views: `GET /v1/views?gridId=` (the default view first, then the others in the order they
were made) and `POST /v1/views {name, gridId, columns}`. A view made here shows the columns it names,
in that order (all the grid's columns at that moment when `columns` is left out); only the default
view also shows columns added later. A key scoped to some views lists only those, and makes none."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from tenantgrid.apis.gridly import failures, ids, schemas
from tenantgrid.apis.gridly.context import context, json_object
from tenantgrid.apis.gridly.naming import required_name, required_query
from tenantgrid.apis.gridly.render import json_response
from tenantgrid.apis.gridly.views_routes import view_json
from tenantgrid.apis.gridly.views_store import grid_columns, load_view
from tenantgrid.http.endpoints import Endpoint, Operation

_STR = {"type": "string"}
VIEW_CREATE: dict[str, Any] = {
    "type": "object",
    "required": ["name", "gridId"],
    "properties": {
        "name": _STR,
        "gridId": _STR,
        "columns": {
            "type": "array",
            "description": "The column ids the view shows, in order (or objects with an `id`)",
            "items": {"oneOf": [_STR, {"type": "object", "properties": {"id": _STR}}]},
        },
    },
}


async def list_views(request: Request) -> Response:
    ctx = await context(request)
    grid_id = required_query(request.query_params, "gridId", "view")
    rows = await ctx.fetch(
        f"SELECT id FROM {ctx.s}.gridly_views WHERE grid_id = $1 "
        "ORDER BY is_default DESC, position, created_at, id",
        grid_id,
    )
    visible = [r["id"] for r in rows if ctx.caller.sees_view(r["id"])]
    if not visible:  # no such grid, or none of its views for this key
        raise failures.not_found("grid", grid_id, "gridId")
    views = []
    for view_id in visible:
        view = await load_view(ctx.pool, ctx.s, view_id)
        if view is not None:
            views.append(view_json(view))
    return json_response(request, views)


def _column_ids(value: Any) -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, list):
        raise failures.bad_request("columns is a list of column ids.", "columns", "view")
    chosen: list[str] = []
    for index, item in enumerate(value):
        column_id = item.get("id") if isinstance(item, dict) else item
        if not isinstance(column_id, str):
            raise failures.bad_request("A view's column is a column id.", f"columns[{index}]", "view")
        if column_id not in chosen:
            chosen.append(column_id)
    return chosen


async def create(request: Request) -> Response:
    ctx = await context(request)
    ctx.require_unscoped()
    body = await json_object(request)
    name = required_name(body, "view")
    grid_id = body.get("gridId")
    if not isinstance(grid_id, str) or not grid_id:
        raise failures.bad_request("A view needs the gridId of its grid.", "gridId", "view")
    chosen = _column_ids(body.get("columns"))
    async with ctx.transaction() as conn:
        if not await conn.fetchval(
            f"SELECT EXISTS (SELECT FROM {ctx.s}.gridly_grids WHERE id = $1)", grid_id
        ):
            raise failures.not_found("grid", grid_id, "gridId")
        existing = [c.id for c in await grid_columns(conn, ctx.s, grid_id)]
        if chosen is None:
            chosen = existing
        for index, column_id in enumerate(chosen):
            if column_id not in existing:
                raise failures.bad_request(
                    f'Column "{column_id[:200]}" is not a column of grid "{grid_id}".',
                    f"columns[{index}]",
                    "view",
                )
        view_id = ids.new_id()
        await conn.execute(
            f"INSERT INTO {ctx.s}.gridly_views (id, grid_id, name, is_default, columns, position) "
            f"SELECT $1, $2, $3, false, $4::text[], coalesce(max(position) + 1, 1) "
            f"FROM {ctx.s}.gridly_views WHERE grid_id = $2",
            view_id,
            grid_id,
            name,
            chosen,
        )
        view = await load_view(conn, ctx.s, view_id)
    assert view is not None
    return json_response(request, view_json(view), 201)


ENDPOINTS = [
    Endpoint(
        "/views",
        {
            "GET": Operation(
                list_views,
                "List a grid's views (the default view first)",
                query=("gridId",),
                response=schemas.array_of(schemas.VIEW),
            ),
            "POST": Operation(
                create,
                "Create a view of a grid",
                body=VIEW_CREATE,
                response=schemas.ref(schemas.VIEW),
                status=201,
            ),
        },
    )
]
