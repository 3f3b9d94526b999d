"""Paths (folders) of a view's grid: `POST /v1/views/{viewId}/paths {parentPath, paths}` (-> `{paths}`),
`PUT /v1/views/{viewId}/paths/{path} {newName}` (-> `{path}`), `DELETE /v1/views/{viewId}/paths
{paths}` (204) and `GET /v1/views/{viewId}/paths/tree?rootPath=` (-> `[{name, parentPath}]`).

A path is `/`-separated folder names (`Level 1/Level 2`). A folder exists while a record lies in it or
below it, or once it was made here (`gridly_paths`, which keeps every level of a made folder).
Renaming a folder moves everything below it; deleting one deletes its sub-folders and the records in
them. `{path}` may hold `/` (sent as is or as `%2F`); a top-level folder named `tree` can only be
renamed through a parent path, as `GET .../paths/tree` is the tree.
"""

from __future__ import annotations

from typing import Any

import asyncpg
from starlette.requests import Request
from starlette.responses import Response

from tenantgrid.apis.gridly import failures
from tenantgrid.apis.gridly.context import context, json_object
from tenantgrid.apis.gridly.file_store import take_record_files
from tenantgrid.apis.gridly.render import empty_response, json_response
from tenantgrid.http.endpoints import Endpoint, Operation

MAX_PATH = 1000
_STR = {"type": "string"}
_PATHS = {"type": "array", "items": _STR}
_UNDER = "(path = $2 OR left(path, length($2) + 1) = $2 || '/')"
"""A path and everything below it, without LIKE (a folder's name may hold `%` or `_`)."""


def clean_path(value: Any, field: str) -> str:
    """`a/b/c` from what a client sends (outer slashes dropped); 400 naming `field` for an empty
    folder name, a control character or more than MAX_PATH characters."""
    if not isinstance(value, str):
        raise failures.bad_request("A path is text: folder names joined by '/'.", field, "path")
    path = value.strip("/")
    if (
        len(path) > MAX_PATH
        or any(not part.strip() for part in path.split("/"))
        or any(ord(ch) < 32 or ord(ch) == 127 for ch in path)
    ):
        raise failures.bad_request(f'"{value[:200]}" is no path: folder names joined by "/".', field, "path")
    return path


def ancestors(path: str) -> list[str]:
    """`a`, `a/b`, `a/b/c` for `a/b/c`."""
    parts = path.split("/")
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


async def _exists(conn: Any, s: str, grid_id: str, path: str) -> bool:
    return bool(
        await conn.fetchval(
            f"SELECT EXISTS (SELECT FROM {s}.gridly_paths WHERE grid_id = $1 AND {_UNDER}) "
            f"OR EXISTS (SELECT FROM {s}.gridly_records WHERE grid_id = $1 AND {_UNDER})",
            grid_id,
            path,
        )
    )


async def _remember(conn: asyncpg.Connection, s: str, grid_id: str, paths: list[str]) -> None:
    levels = sorted({level for path in paths for level in ancestors(path)})
    await conn.execute(
        f"INSERT INTO {s}.gridly_paths (grid_id, path) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING",
        grid_id,
        levels,
    )


async def create(request: Request) -> Response:
    ctx = await context(request)
    view = await ctx.view(request.path_params["viewId"])
    body = await json_object(request)
    parent = body.get("parentPath") or ""
    parent = clean_path(parent, "parentPath") if parent not in ("", "/") else ""
    names = body.get("paths")
    if not isinstance(names, list) or not names:
        raise failures.bad_request("paths is a non-empty list of folder names.", "paths", "path")
    made = []
    for index, name in enumerate(names):
        path = clean_path(name, f"paths[{index}]")
        made.append(f"{parent}/{path}" if parent else path)
    async with ctx.transaction() as conn:
        await _remember(conn, ctx.s, view.grid_id, made)
    return json_response(request, {"paths": list(dict.fromkeys(made))}, 201)


async def rename(request: Request) -> Response:
    ctx = await context(request)
    view = await ctx.view(request.path_params["viewId"])
    old = clean_path(request.path_params["path"], "path")
    body = await json_object(request)
    new_name = body.get("newName")
    if not isinstance(new_name, str) or "/" in new_name:
        raise failures.bad_request("newName is a folder name (text without '/').", "newName", "path")
    parent = old.rpartition("/")[0]
    new = clean_path(f"{parent}/{new_name}" if parent else new_name, "newName")
    async with ctx.transaction() as conn:
        if not await _exists(conn, ctx.s, view.grid_id, old):
            raise failures.not_found("path", old, "path")
        if new != old:
            if await _exists(conn, ctx.s, view.grid_id, new):
                raise failures.conflict(f'Path "{new[:200]}" already exists.', "newName", "path")
            for table in ("gridly_paths", "gridly_records"):
                await conn.execute(
                    f"UPDATE {ctx.s}.{table} SET path = $3 || substr(path, length($2) + 1) "
                    f"WHERE grid_id = $1 AND {_UNDER}",
                    view.grid_id,
                    old,
                    new,
                )
            await _remember(conn, ctx.s, view.grid_id, [new])
    return json_response(request, {"path": new})


async def delete(request: Request) -> Response:
    ctx = await context(request)
    view = await ctx.view(request.path_params["viewId"])
    body = await json_object(request)
    given = body.get("paths")
    if not isinstance(given, list) or not given:
        raise failures.bad_request("paths is a non-empty list of paths.", "paths", "path")
    paths = [clean_path(p, f"paths[{i}]") for i, p in enumerate(given)]
    files: list[str] = []
    async with ctx.transaction() as conn:
        for path in paths:
            if not await _exists(conn, ctx.s, view.grid_id, path):
                raise failures.not_found("path", path, "paths")
        for path in paths:
            records = await conn.fetch(
                f"SELECT id FROM {ctx.s}.gridly_records WHERE grid_id = $1 AND {_UNDER}", view.grid_id, path
            )
            files += await take_record_files(conn, ctx.s, view.grid_id, [r[0] for r in records])
            for table in ("gridly_paths", "gridly_records"):
                await conn.execute(
                    f"DELETE FROM {ctx.s}.{table} WHERE grid_id = $1 AND {_UNDER}", view.grid_id, path
                )
    await ctx.runtime.files.discard(ctx.schema, files)  # files go with their records
    return empty_response(204)


async def tree(request: Request) -> Response:
    ctx = await context(request)
    view = await ctx.view(request.path_params["viewId"])
    root_text = request.query_params.get("rootPath") or ""
    root = clean_path(root_text, "rootPath") if root_text not in ("", "/") else ""
    if root and not await _exists(ctx.pool, ctx.s, view.grid_id, root):
        raise failures.not_found("path", root, "rootPath")
    rows = await ctx.fetch(
        f"SELECT path FROM {ctx.s}.gridly_paths WHERE grid_id = $1 "
        f"UNION SELECT DISTINCT path FROM {ctx.s}.gridly_records WHERE grid_id = $1 AND path <> ''",
        view.grid_id,
    )
    folders = {level for row in rows for level in ancestors(row["path"])}
    below = sorted(f for f in folders if not root or f.startswith(root + "/"))
    return json_response(
        request, [{"name": f.rpartition("/")[2], "parentPath": f.rpartition("/")[0]} for f in below]
    )


ENDPOINTS = [
    Endpoint(
        "/views/{viewId}/paths/tree",
        {
            "GET": Operation(
                tree,
                "Every folder below rootPath (all of them without it), as name and parent path",
                query=("rootPath",),
                response={
                    "type": "array",
                    "items": {"type": "object", "properties": {"name": _STR, "parentPath": _STR}},
                },
            )
        },
    ),
    Endpoint(
        "/views/{viewId}/paths",
        {
            "POST": Operation(
                create,
                "Create folders (and the levels above them) under parentPath",
                body={
                    "type": "object",
                    "required": ["paths"],
                    "properties": {"parentPath": _STR, "paths": _PATHS},
                },
                response={"type": "object", "properties": {"paths": _PATHS}},
                status=201,
            ),
            "DELETE": Operation(
                delete,
                "Delete folders, their sub-folders and the records in them",
                body={"type": "object", "required": ["paths"], "properties": {"paths": _PATHS}},
                status=204,
            ),
        },
    ),
    Endpoint(
        "/views/{viewId}/paths/{path:path}",
        {
            "PUT": Operation(
                rename,
                "Rename a folder (its last name); everything below it moves along",
                body={"type": "object", "required": ["newName"], "properties": {"newName": _STR}},
                response={"type": "object", "properties": {"path": _STR}},
                errors=(409,),
            )
        },
    ),
]
