"""POST, PATCH, PUT and DELETE on /rest/v1/{table}: one transaction, all rows or none."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import orjson
from starlette.requests import Request
from starlette.responses import Response

from tenantgrid import errors
from tenantgrid.apis.postgrest.context import DataContext, data_context
from tenantgrid.apis.postgrest.media import negotiate
from tenantgrid.apis.postgrest.payload import Row, check_columns, dumps, parse_rows, read_body, uniform_keys
from tenantgrid.apis.postgrest.prefer import Preferences, parse_prefer
from tenantgrid.apis.postgrest.render import JSON, OBJECT_JSON, content_range
from tenantgrid.db.execute import Envelope, run_in_transaction
from tenantgrid.query.ast import And, Cond, Node, Op, Path, Query, SelectItem
from tenantgrid.query.compile import Body, Conflict, WriteShape
from tenantgrid.query.dialects.postgrest import Params, parse_params
from tenantgrid.query.shape import BoundValue, split

APPLIED = ("return", "count", "resolution", "missing", "handling", "tx", "max-affected")


async def write(request: Request, table: str) -> Response:
    ctx = await data_context(request, table)
    params = parse_params(request.query_params.multi_items())
    prefer = parse_prefer(request.headers.getlist("prefer"))
    accept = negotiate(request.headers.get("accept"))
    method = request.method
    returning = prefer.get("return") or "minimal"
    select = params.select
    if returning == "headers-only":
        select = tuple(SelectItem(Path(c)) for c in ctx.resource.primary_key)
    body = accept if returning in ("representation", "headers-only") else Body.NONE
    if accept is Body.OBJECT and body is Body.NONE:
        body = Body.NONE

    if method == "POST":
        rows = parse_rows(
            await read_body(request, ctx.runtime.settings.max_body_bytes), ctx.resource, many=True
        )
        statements = _insert(ctx, params, prefer, rows, select, body)
        status = 201
    elif method == "PUT":
        rows = parse_rows(
            await read_body(request, ctx.runtime.settings.max_body_bytes), ctx.resource, many=True
        )
        statements = _put(ctx, params, rows, select, body)
        status = 200 if returning == "representation" else 204
    elif method == "PATCH":
        rows = parse_rows(
            await read_body(request, ctx.runtime.settings.max_body_bytes), ctx.resource, many=False
        )
        statements = _update(ctx, params, rows[0], select, body)
        status = 200 if returning == "representation" else 204
    else:  # DELETE
        statements = _delete(ctx, params, select, body)
        status = 200 if returning == "representation" else 204

    def check(results: list[Envelope]) -> None:
        affected = sum(r.total or 0 for r in results)
        if accept is Body.OBJECT and affected != 1:
            raise errors.singular_error(affected)
        limit = prefer.get("max-affected")
        if limit is not None and prefer.strict and affected > int(limit):
            raise errors.max_affected_error(affected)

    results = (
        await run_in_transaction(
            ctx.runtime.pool, statements, rollback=prefer.get("tx") == "rollback", check=check
        )
        if statements
        else []
    )
    affected = sum(r.total or 0 for r in results)
    headers = {"Content-Profile": ctx.schema.schema}
    counted = affected if prefer.get("count") else None
    if method == "POST":
        headers["Content-Range"] = f"*/{'*' if counted is None else counted}"
    else:
        headers["Content-Range"] = content_range(0, affected, counted)
    applied = prefer.applied(*APPLIED)
    if applied:
        headers["Preference-Applied"] = applied
    if returning == "headers-only":
        location = _location(ctx, results)
        if location:
            headers["Location"] = location
        return Response(status_code=status, headers=headers)
    if body is Body.NONE:
        return Response(status_code=status, headers=headers)
    content = _merge_bodies(results, body)
    return Response(
        content, status_code=status, headers=headers, media_type=OBJECT_JSON if body is Body.OBJECT else JSON
    )


Statement = tuple[str, list[Any]]


def _statement(
    ctx: DataContext, shape: WriteShape, values: list[BoundValue], payload: str | None
) -> Statement:
    compiled = ctx.runtime.compiler.write(shape)
    args = [*values, payload] if payload is not None else values
    return compiled.render(ctx.schema.schema), compiled.arguments(args)


def _insert(
    ctx: DataContext,
    params: Params,
    prefer: Preferences,
    rows: list[Row],
    select: tuple[SelectItem, ...],
    body: Body,
) -> list[Statement]:
    if not rows:
        return []
    resource = ctx.resource
    conflict = Conflict(prefer.get("resolution")) if prefer.get("resolution") else Conflict.ERROR
    on_conflict = check_columns(params.on_conflict or (), resource)
    if params.columns is not None:
        columns = check_columns(params.columns, resource)
        rows = [{k: v for k, v in row.items() if k in columns} for row in rows]
    else:
        columns = check_columns(uniform_keys(rows), resource)
    groups: dict[tuple[str, ...], list[Row]] = {}
    if prefer.get("missing") == "default":
        # Each set of present keys is its own INSERT, so an absent key takes its column default.
        for row in rows:
            groups.setdefault(tuple(c for c in columns if c in row), []).append(row)
    else:
        groups[columns] = rows
    statements = []
    for group_columns, group_rows in groups.items():
        if not group_columns:
            raise errors.body_error("Empty or invalid json", "an object with no columns cannot be inserted")
        shape = WriteShape(resource.name, "INSERT", group_columns, conflict, on_conflict, None, select, body)
        statements.append(_statement(ctx, shape, [], dumps(group_rows)))
    return statements


def _filters(ctx: DataContext, params: Params, verb: str) -> tuple[Node | None, list[BoundValue]]:
    if params.where is None and not ctx.runtime.settings.allow_unfiltered_writes:
        raise errors.unfiltered_write(verb)
    shaped, values = split(Query(ctx.resource.name, where=params.where))
    return shaped.where, values


def _update(
    ctx: DataContext, params: Params, row: Row, select: tuple[SelectItem, ...], body: Body
) -> list[Statement]:
    if not row:
        raise errors.body_error("Empty or invalid json", "the object to update with has no keys")
    columns = check_columns(tuple(row), ctx.resource)
    where, values = _filters(ctx, params, "UPDATE")
    shape = WriteShape(ctx.resource.name, "UPDATE", columns, where=where, select=select, body=body)
    return [_statement(ctx, shape, values, dumps([row])[1:-1])]


def _delete(ctx: DataContext, params: Params, select: tuple[SelectItem, ...], body: Body) -> list[Statement]:
    where, values = _filters(ctx, params, "DELETE")
    shape = WriteShape(ctx.resource.name, "DELETE", where=where, select=select, body=body)
    return [_statement(ctx, shape, values, None)]


def _put(
    ctx: DataContext, params: Params, rows: list[Row], select: tuple[SelectItem, ...], body: Body
) -> list[Statement]:
    """PUT upserts one row whose primary key the filters name exactly (`id=eq.5`)."""
    resource = ctx.resource
    keys = _primary_key_filter(params.where)
    if keys is None or set(keys) != set(resource.primary_key) or len(keys) != len(resource.primary_key):
        raise errors.put_filter_error()
    if len(rows) != 1:
        raise errors.body_error("PUT takes exactly one object")
    row = rows[0]
    for column, value in keys.items():
        if column not in row or _as_filter_text(row[column]) != value:
            raise errors.ApiError(400, "PGRST115", "Payload values do not match URL in primary key column(s)")
    columns = check_columns(tuple(row), resource)
    shape = WriteShape(
        resource.name, "INSERT", columns, Conflict.MERGE, resource.primary_key, None, select, body
    )
    return [_statement(ctx, shape, [], dumps([row]))]


def _primary_key_filter(where: Node | None) -> dict[str, str] | None:
    conds = list(where.items) if isinstance(where, And) else [where] if where is not None else []
    keys: dict[str, str] = {}
    for cond in conds:
        if not isinstance(cond, Cond) or cond.op is not Op.EQ or cond.path.keys or cond.quantifier:
            return None
        if cond.path.column in keys or not isinstance(cond.value, str):
            return None
        keys[cond.path.column] = cond.value
    return keys or None


def _as_filter_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _location(ctx: DataContext, results: list[Envelope]) -> str | None:
    for result in results:
        rows = orjson.loads(result.body or "[]")
        if isinstance(rows, dict):
            rows = [rows]
        if rows:
            first = rows[0]
            query = "&".join(
                f"{k}=eq.{quote(_as_filter_text(first[k]), safe='')}" for k in ctx.resource.primary_key
            )
            return f"/{ctx.resource.name}?{query}"
    return None


def _merge_bodies(results: list[Envelope], body: Body) -> bytes:
    if len(results) == 1:
        return (results[0].body or ("[]" if body is Body.ARRAY else "null")).encode()
    if body is Body.OBJECT:
        return next((r.body for r in results if r.body and r.body != "null"), "null").encode()
    merged: list[Any] = []
    for result in results:
        merged.extend(orjson.loads(result.body or "[]"))
    return orjson.dumps(merged)
