"""Projects and databases: `GET /v1/projects`, `GET /v1/databases?projectId=` (Gridly's), and our
extensions `POST /v1/projects` and `POST /v1/databases?projectId=` to make more. Every tenant starts
with one project holding one database (the tenant migration). A key scoped to some views sees none
of them (403)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from tenantgrid.apis.gridly import failures, ids
from tenantgrid.apis.gridly.context import context, json_object
from tenantgrid.apis.gridly.naming import required_name, required_query
from tenantgrid.apis.gridly.render import json_response
from tenantgrid.http.endpoints import Endpoint, Operation

_STR = {"type": "string"}
PROJECT: dict[str, Any] = {"type": "object", "properties": {"id": _STR, "name": _STR}}
DATABASE: dict[str, Any] = {"type": "object", "properties": {"id": _STR, "name": _STR, "projectId": _STR}}
NAME_BODY: dict[str, Any] = {"type": "object", "required": ["name"], "properties": {"name": _STR}}


def _project(row: Any) -> dict[str, Any]:
    return {"id": row["id"], "name": row["name"]}


def _database(row: Any) -> dict[str, Any]:
    return {"id": row["id"], "name": row["name"], "projectId": row["project_id"]}


async def list_projects(request: Request) -> Response:
    ctx = await context(request)
    ctx.require_unscoped()
    rows = await ctx.fetch(f"SELECT id, name FROM {ctx.s}.gridly_projects ORDER BY created_at, id")
    return json_response(request, [_project(r) for r in rows])


async def create_project(request: Request) -> Response:
    ctx = await context(request)
    ctx.require_unscoped()
    name = required_name(await json_object(request), "project")
    row = await ctx.fetchrow(
        f"INSERT INTO {ctx.s}.gridly_projects (id, name) VALUES ($1, $2) RETURNING id, name",
        ids.new_id(),
        name,
    )
    return json_response(request, _project(row), 201)


async def _project_id(ctx: Any, request: Request) -> str:
    project_id = required_query(request.query_params, "projectId", "database")
    if not await ctx.fetchval(
        f"SELECT EXISTS (SELECT FROM {ctx.s}.gridly_projects WHERE id = $1)", project_id
    ):
        raise failures.not_found("project", project_id, "projectId")
    return project_id


async def list_databases(request: Request) -> Response:
    ctx = await context(request)
    ctx.require_unscoped()
    project_id = await _project_id(ctx, request)
    rows = await ctx.fetch(
        f"SELECT id, name, project_id FROM {ctx.s}.gridly_databases WHERE project_id = $1 ORDER BY created_at, id",
        project_id,
    )
    return json_response(request, [_database(r) for r in rows])


async def create_database(request: Request) -> Response:
    ctx = await context(request)
    ctx.require_unscoped()
    project_id = await _project_id(ctx, request)
    name = required_name(await json_object(request), "database")
    row = await ctx.fetchrow(
        f"INSERT INTO {ctx.s}.gridly_databases (id, project_id, name) VALUES ($1, $2, $3) "
        "RETURNING id, name, project_id",
        ids.new_id(),
        project_id,
        name,
    )
    return json_response(request, _database(row), 201)


ENDPOINTS = [
    Endpoint(
        "/projects",
        {
            "GET": Operation(
                list_projects, "List the tenant's projects", response={"type": "array", "items": PROJECT}
            ),
            "POST": Operation(
                create_project,
                "Create a project (an extension of Gridly's API)",
                body=NAME_BODY,
                response=PROJECT,
                status=201,
            ),
        },
    ),
    Endpoint(
        "/databases",
        {
            "GET": Operation(
                list_databases,
                "List a project's databases",
                query=("projectId",),
                response={"type": "array", "items": DATABASE},
            ),
            "POST": Operation(
                create_database,
                "Create a database in a project (an extension of Gridly's API)",
                query=("projectId",),
                body=NAME_BODY,
                response=DATABASE,
                status=201,
            ),
        },
    ),
]
