"""A view's columns: `POST /v1/views/{viewId}/columns` (201; `name` and `type` required, the id the
client's or generated), `GET /v1/views/{viewId}/columns`, and `GET/PATCH/DELETE
/v1/views/{viewId}/columns/{columnId}` (DELETE 204).

Columns belong to the grid: one added through any view also shows in the default view (and in the
view it was added through); one deleted loses its cells, files, dependencies and index everywhere.
A column the view does not show is a 404 through that view. Changing a column's type (or its
selection options) converts its stored cells to the new type, clearing those that cannot be.
A key scoped to some views reads its views' columns but changes none (403): columns are the grid's.
"""

from __future__ import annotations

from typing import Any

import asyncpg
import orjson
from starlette.requests import Request
from starlette.responses import Response

from tenantgrid.apis.gridly import failures, schemas
from tenantgrid.apis.gridly.cells import EMPTY, normalise
from tenantgrid.apis.gridly.context import Ctx, context, json_object
from tenantgrid.apis.gridly.file_store import take_column_files
from tenantgrid.apis.gridly.grids_store import (
    COLUMN_TYPES,
    MAX_NAME,
    PROPERTIES,
    add_column,
    column_from_json,
    drop_column,
    sync_cell_index,
)
from tenantgrid.apis.gridly.render import empty_response, json_response
from tenantgrid.apis.gridly.views_store import Column, View
from tenantgrid.errors import ApiError
from tenantgrid.http.endpoints import Endpoint, Operation

COLUMN_CREATE: dict[str, Any] = {**schemas.COMPONENTS[schemas.COLUMN], "required": ["name", "type"]}
COLUMN_UPDATE: dict[str, Any] = schemas.ref(schemas.COLUMN)


async def _writable_view(ctx: Ctx) -> View:
    """The view (404 first: a key must not learn of views it cannot see), then 403 for a scoped key."""
    view = await ctx.view(ctx.request.path_params["viewId"])
    ctx.require_unscoped()
    return view


def _shown(view: View, column_id: str) -> Column:
    column = view.column(column_id)
    if column is None:
        raise failures.not_found("column", column_id)
    return column


async def create(request: Request) -> Response:
    ctx = await context(request)
    view = await _writable_view(ctx)
    body = await json_object(request)
    for key in ("name", "type"):
        if key not in body:
            raise failures.bad_request(f'A column needs a "{key}".', key, "column")
    column = column_from_json(body)
    async with ctx.transaction() as conn:
        made = await add_column(conn, ctx.s, view.grid_id, column, view.id)
    return json_response(request, made.as_json(), 201)


async def list_columns(request: Request) -> Response:
    ctx = await context(request)
    view = await ctx.view(request.path_params["viewId"])
    return json_response(request, [c.as_json() for c in view.columns])


async def get(request: Request) -> Response:
    ctx = await context(request)
    view = await ctx.view(request.path_params["viewId"])
    return json_response(request, _shown(view, request.path_params["columnId"]).as_json())


def _patched(column: Column, body: dict[str, Any]) -> Column:
    if "id" in body and body["id"] != column.id:
        raise failures.bad_request("A column's id cannot change.", "id", "column")
    name = body.get("name", column.name)
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME:
        raise failures.bad_request("A column needs a name (text).", "name", "column")
    kind = body.get("type", column.type)
    if kind not in COLUMN_TYPES:
        raise failures.bad_request(f"A column's type is one of: {', '.join(COLUMN_TYPES)}.", "type", "column")
    if (kind == "files") != (column.type == "files"):
        raise failures.bad_request("A column cannot become or stop being a files column.", "type", "column")
    properties = dict(column.properties)
    for key in PROPERTIES:
        if key in body:
            if body[key] is None:
                properties.pop(key, None)
            else:
                properties[key] = body[key]
    # The same checks as on creation, on the whole column as it would become.
    column_from_json({"id": column.id, "name": name, "type": kind, **properties})
    return Column(column.id, name, kind, column.position, properties)


def _as_text(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return orjson.dumps(value).decode()
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return ", ".join(value)
    return value


def converted(column: Column, value: Any) -> Any:
    """A stored value as it fits `column` now, or EMPTY when it cannot."""
    for candidate in (value, _as_text(value)):
        try:
            return normalise(column, candidate)
        except ApiError:
            continue
    return EMPTY


async def _convert_cells(conn: asyncpg.Connection, s: str, grid_id: str, column: Column) -> None:
    rows = await conn.fetch(
        f"SELECT id, (cells -> $2)::text AS value FROM {s}.gridly_records WHERE grid_id = $1 AND cells ? $2",
        grid_id,
        column.id,
    )
    changes: list[tuple[str, str | None]] = []
    for row in rows:
        value = orjson.loads(row["value"])
        new = converted(column, value)
        if new is EMPTY:
            changes.append((row["id"], None))
        elif new != value or type(new) is not type(value):
            changes.append((row["id"], orjson.dumps(new).decode()))
    if changes:
        await conn.executemany(
            f"UPDATE {s}.gridly_records SET cells = CASE WHEN $3::jsonb IS NULL THEN cells - $2 "
            "ELSE jsonb_set(cells, ARRAY[$2], $3::jsonb) END, last_modified_time = now() "
            "WHERE grid_id = $1 AND id = $4",
            [(grid_id, column.id, value, record_id) for record_id, value in changes],
        )


async def update(request: Request) -> Response:
    ctx = await context(request)
    view = await _writable_view(ctx)
    column = _shown(view, request.path_params["columnId"])
    new = _patched(column, await json_object(request))
    async with ctx.transaction() as conn:
        await conn.execute(
            f"UPDATE {ctx.s}.gridly_columns SET name = $3, type = $4, properties = $5::jsonb "
            "WHERE grid_id = $1 AND id = $2",
            view.grid_id,
            column.id,
            new.name,
            new.type,
            orjson.dumps(new.properties).decode(),
        )
        if new.type != column.type or new.properties.get("selectionOptions") != column.properties.get(
            "selectionOptions"
        ):
            await _convert_cells(conn, ctx.s, view.grid_id, new)
        if new.type != column.type:
            await sync_cell_index(conn, ctx.s, column.id)
    return json_response(request, new.as_json())


async def delete(request: Request) -> Response:
    ctx = await context(request)
    view = await _writable_view(ctx)
    column = _shown(view, request.path_params["columnId"])
    async with ctx.transaction() as conn:
        files = await take_column_files(conn, ctx.s, view.grid_id, column.id)
        await drop_column(conn, ctx.s, view.grid_id, column.id)
    await ctx.runtime.files.discard(ctx.schema, files)
    return empty_response(204)


ENDPOINTS = [
    Endpoint(
        "/views/{viewId}/columns",
        {
            "GET": Operation(
                list_columns, "List a view's columns", response=schemas.array_of(schemas.COLUMN)
            ),
            "POST": Operation(
                create,
                "Add a column to the view's grid (shown in this view and the default view)",
                body=COLUMN_CREATE,
                response=schemas.ref(schemas.COLUMN),
                status=201,
                errors=(409,),
            ),
        },
    ),
    Endpoint(
        "/views/{viewId}/columns/{columnId}",
        {
            "GET": Operation(get, "Retrieve a column of the view", response=schemas.ref(schemas.COLUMN)),
            "PATCH": Operation(
                update,
                "Change a column's name, type or properties (cells are converted to a new type)",
                body=COLUMN_UPDATE,
                response=schemas.ref(schemas.COLUMN),
            ),
            "DELETE": Operation(
                delete, "Delete a column with its cells, files, dependencies and index", status=204
            ),
        },
    ),
]
