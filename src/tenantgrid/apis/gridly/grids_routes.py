"""Grids: `GET/POST /v1/grids?dbId=`, `GET/PATCH/DELETE /v1/grids/{gridId}`. A grid answers its
columns and its default view's id (`defaultAccessViewId`); making one makes that default view.

A key scoped to some views may only read a grid that holds one of them, and sees only the columns
those views show; it lists, makes, renames and deletes no grid (403).
"""

from __future__ import annotations

from typing import Any

import asyncpg
import orjson
from starlette.requests import Request
from starlette.responses import Response

from tenantgrid.apis.gridly import failures, schemas
from tenantgrid.apis.gridly.context import Ctx, context, json_object
from tenantgrid.apis.gridly.file_store import take_grid_files
from tenantgrid.apis.gridly.grids_store import INDEXED_TYPES, columns_from_json, create_grid, sync_cell_index
from tenantgrid.apis.gridly.naming import required_name, required_query
from tenantgrid.apis.gridly.render import empty_response, json_response
from tenantgrid.apis.gridly.views_store import Column, column_of, grid_columns
from tenantgrid.http.endpoints import Endpoint, Operation

_STR = {"type": "string"}
GRID: dict[str, Any] = {
    "type": "object",
    "properties": {
        "id": _STR,
        "name": _STR,
        "databaseId": _STR,
        "defaultAccessViewId": _STR,
        "columns": schemas.array_of(schemas.COLUMN),
        "createdAt": _STR,
        "updatedAt": _STR,
    },
}
GRID_CREATE: dict[str, Any] = {
    "type": "object",
    "required": ["name"],
    "properties": {"name": _STR, "columns": schemas.array_of(schemas.COLUMN)},
}
GRID_UPDATE: dict[str, Any] = {"type": "object", "required": ["name"], "properties": {"name": _STR}}
_GRID_FIELDS = (
    "g.id, g.name, g.database_id, g.created_at, g.updated_at, "
    "(SELECT v.id FROM {s}.gridly_views v WHERE v.grid_id = g.id AND v.is_default) AS default_view"
)


def grid_json(row: Any, columns: list[Column]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "name": row["name"],
        "databaseId": row["database_id"],
        "defaultAccessViewId": row["default_view"],
        "columns": [c.as_json() for c in columns],
        "createdAt": _iso(row["created_at"]),
        "updatedAt": _iso(row["updated_at"]),
    }


def _iso(moment: Any) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


async def _grid_row(conn: Any, ctx: Ctx, grid_id: str) -> asyncpg.Record:
    row = await conn.fetchrow(
        f"SELECT {_GRID_FIELDS.format(s=ctx.s)} FROM {ctx.s}.gridly_grids g WHERE g.id = $1", grid_id
    )
    if row is None:
        raise failures.not_found("grid", grid_id)
    return row


async def _visible_columns(ctx: Ctx, grid_id: str, columns: list[Column]) -> list[Column]:
    """The grid's columns a scoped key's views show (404 when it sees no view of the grid)."""
    if ctx.caller.views is None:
        return columns
    rows = await ctx.fetch(
        f"SELECT columns FROM {ctx.s}.gridly_views WHERE grid_id = $1 AND id = ANY($2::text[])",
        grid_id,
        sorted(ctx.caller.views),
    )
    if not rows:
        raise failures.not_found("grid", grid_id)
    if any(r["columns"] is None for r in rows):
        return columns
    shown = {c for r in rows for c in r["columns"]}
    return [c for c in columns if c.id in shown]


async def _database_id(ctx: Ctx, request: Request) -> str:
    database_id = required_query(request.query_params, "dbId", "grid")
    if not await ctx.fetchval(
        f"SELECT EXISTS (SELECT FROM {ctx.s}.gridly_databases WHERE id = $1)", database_id
    ):
        raise failures.not_found("database", database_id, "dbId")
    return database_id


async def list_grids(request: Request) -> Response:
    ctx = await context(request)
    ctx.require_unscoped()
    database_id = await _database_id(ctx, request)
    rows = await ctx.fetch(
        f"SELECT {_GRID_FIELDS.format(s=ctx.s)}, "
        f"coalesce((SELECT json_agg(json_build_array(c.id, c.name, c.type, c.position, c.properties::text) "
        f"ORDER BY c.position, c.id) FROM {ctx.s}.gridly_columns c WHERE c.grid_id = g.id), '[]')::text AS cols "
        f"FROM {ctx.s}.gridly_grids g WHERE g.database_id = $1 ORDER BY g.created_at, g.id",
        database_id,
    )
    return json_response(
        request, [grid_json(r, [column_of(c) for c in orjson.loads(r["cols"])]) for r in rows]
    )


async def create(request: Request) -> Response:
    ctx = await context(request)
    ctx.require_unscoped()
    database_id = await _database_id(ctx, request)
    body = await json_object(request)
    name = required_name(body, "grid")
    columns = columns_from_json(body.get("columns"))
    async with ctx.transaction() as conn:
        made = await create_grid(conn, ctx.s, database_id, name, columns)
        row = await _grid_row(conn, ctx, made.id)
    return json_response(request, grid_json(row, list(made.columns)), 201)


async def get(request: Request) -> Response:
    ctx = await context(request)
    grid_id = request.path_params["gridId"]
    row = await _grid_row(ctx.pool, ctx, grid_id)
    columns = await _visible_columns(ctx, grid_id, await grid_columns(ctx.pool, ctx.s, grid_id))
    return json_response(request, grid_json(row, columns))


async def update(request: Request) -> Response:
    ctx = await context(request)
    ctx.require_unscoped()
    grid_id = request.path_params["gridId"]
    name = required_name(await json_object(request), "grid")
    async with ctx.transaction() as conn:
        await conn.execute(
            f"UPDATE {ctx.s}.gridly_grids SET name = $2, updated_at = now() WHERE id = $1", grid_id, name
        )
        row = await _grid_row(conn, ctx, grid_id)
        columns = await grid_columns(conn, ctx.s, grid_id)
    return json_response(request, grid_json(row, columns))


async def delete(request: Request) -> Response:
    """The grid and all it holds: views, columns, records, paths, dependencies and files (foreign
    keys; the files' bytes once that committed), then the cell indexes no other grid needs."""
    ctx = await context(request)
    ctx.require_unscoped()
    grid_id = request.path_params["gridId"]
    async with ctx.transaction() as conn:
        files = await take_grid_files(conn, ctx.s, grid_id)
        indexed = await conn.fetch(
            f"SELECT id FROM {ctx.s}.gridly_columns WHERE grid_id = $1 AND type = ANY($2::text[])",
            grid_id,
            sorted(INDEXED_TYPES),
        )
        if (
            await conn.fetchval(f"DELETE FROM {ctx.s}.gridly_grids WHERE id = $1 RETURNING id", grid_id)
            is None
        ):
            raise failures.not_found("grid", grid_id)
        for column in indexed:
            await sync_cell_index(conn, ctx.s, column["id"])
    await ctx.runtime.files.discard(ctx.schema, files)
    return empty_response(204)


ENDPOINTS = [
    Endpoint(
        "/grids",
        {
            "GET": Operation(
                list_grids,
                "List a database's grids",
                query=("dbId",),
                response={"type": "array", "items": GRID},
            ),
            "POST": Operation(
                create,
                "Create a grid (with its columns and its default view)",
                query=("dbId",),
                body=GRID_CREATE,
                response=GRID,
                status=201,
                errors=(409,),
            ),
        },
    ),
    Endpoint(
        "/grids/{gridId}",
        {
            "GET": Operation(get, "Retrieve a grid and its columns", response=GRID),
            "PATCH": Operation(update, "Rename a grid", body=GRID_UPDATE, response=GRID),
            "DELETE": Operation(delete, "Delete a grid and everything in it", status=204),
        },
    ),
]
