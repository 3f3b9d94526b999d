"""POST, PATCH, PUT and DELETE on /rest/v1/{table}: one transaction, all rows or none."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import orjson
from starlette.requests import Request
from starlette.responses import Response

from tenantgrid import errors
from tenantgrid.apis.postgrest.context import DataContext, data_context
from tenantgrid.apis.postgrest.media import negotiate_media
from tenantgrid.apis.postgrest.payload import (
    Row,
    check_columns,
    column_list,
    dumps,
    parse_rows,
    uniform_keys,
)
from tenantgrid.apis.postgrest.prefer import Preferences, parse_prefer
from tenantgrid.apis.postgrest.render import content_range, media_type
from tenantgrid.db.execute import Envelope, run_statements
from tenantgrid.http.request_body import read_body
from tenantgrid.query.ast import And, Cond, Node, Op, Page, Path, Query, SelectItem
from tenantgrid.query.compile import Body, Conflict, WriteShape
from tenantgrid.query.dialects.postgrest import Params, parse_params
from tenantgrid.query.shape import BoundValue, split

# The preferences each method honours, in the order PostgREST echoes them in Preference-Applied.
APPLIED = {
    "POST": ("resolution", "missing", "return", "count", "tx", "handling"),
    "PATCH": ("missing", "return", "count", "tx", "handling", "max-affected"),
    "PUT": ("return", "count", "tx", "handling"),
    "DELETE": ("return", "count", "tx", "handling", "max-affected"),
}

Statement = tuple[str, list[Any]]


@dataclass(frozen=True, slots=True)
class Output:
    """The body each statement builds: its shape, and whether null-valued keys are left out."""

    body: Body
    strip_nulls: bool = False


@dataclass(frozen=True, slots=True)
class Plan:
    statements: list[Statement]
    groups: list[int] | None = None
    """POST split into several INSERTs (`missing=default`): each body row's statement, in body order."""


async def write(request: Request, table: str) -> Response:
    ctx = await data_context(request, table)
    params = parse_params(request.query_params.multi_items())
    prefer = parse_prefer(request.headers.getlist("prefer"))
    media = negotiate_media(request.headers.get("accept"))
    accept = media.body
    method = request.method
    returning = prefer.get("return") or "minimal"
    select = params.select
    if returning == "headers-only":
        select = tuple(SelectItem(Path(c)) for c in ctx.resource.primary_key)
    body = accept if returning in ("representation", "headers-only") else Body.NONE
    out = Output(body, media.strip_nulls and returning == "representation")
    limit = ctx.runtime.settings.max_body_bytes

    if method == "POST":
        rows = parse_rows(await read_body(request, limit), ctx.resource, many=True)
        plan = _insert(ctx, params, prefer, rows, select, out)
    elif method == "PUT":
        keys = _put_keys(ctx, params, request.query_params.keys())
        rows = parse_rows(await read_body(request, limit), ctx.resource, many=True)
        plan = _put(ctx, keys, rows, select, out)
    elif method == "PATCH":
        rows = parse_rows(await read_body(request, limit), ctx.resource, many=False)
        plan = _update(ctx, params, prefer, rows[0], select, out)
    else:  # DELETE
        plan = _delete(ctx, params, select, out)

    maximum = prefer.max_affected if method in ("PATCH", "DELETE") else None

    def check(results: list[Envelope]) -> None:
        affected = sum(r.total or 0 for r in results)
        if accept is Body.OBJECT and affected != 1:
            raise errors.singular_error(affected)
        if maximum is not None and affected > maximum:
            raise errors.max_affected_error(affected)

    needs_check = accept is Body.OBJECT or maximum is not None
    if plan.statements:
        results = await run_statements(
            ctx.runtime.pools.for_schema(ctx.schema.schema),
            plan.statements,
            rollback=prefer.get("tx") == "rollback",
            check=check if needs_check else None,
        )
    else:
        results = []
        check(results)
    affected = sum(r.total or 0 for r in results)
    inserted = sum(r.inserted or 0 for r in results)

    headers = {"Content-Profile": ctx.schema.schema}
    counted = affected if prefer.get("count") else None
    if method in ("POST", "DELETE"):
        headers["Content-Range"] = f"*/{'*' if counted is None else counted}"
    elif method == "PATCH":
        headers["Content-Range"] = content_range(0, affected, counted)
    applied = prefer.applied(*APPLIED[method])
    if applied:
        headers["Preference-Applied"] = applied

    if method == "POST":
        merged = prefer.get("resolution") == Conflict.MERGE.value
        status = 200 if merged and inserted == 0 else 201
    elif method == "PUT":
        status = (201 if inserted else 200) if returning == "representation" else 204
    else:
        status = 200 if returning == "representation" else 204

    if returning == "headers-only" and method == "POST":
        location = _location(ctx, results)
        if location:
            headers["Location"] = location
    if body is Body.NONE or returning != "representation":
        return Response(status_code=status, headers=headers)
    content = _merge_bodies(results, body, plan.groups)
    return Response(content, status_code=status, headers=headers, media_type=media_type(media))


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
    out: Output,
) -> Plan:
    resource = ctx.resource
    conflict = Conflict(prefer.get("resolution")) if prefer.get("resolution") else Conflict.ERROR
    on_conflict = column_list(params.on_conflict or (), resource)
    if params.columns is not None:
        # `columns=` names what is inserted; other keys are ignored and absent ones are NULL
        # (or, with `missing=default`, the column default).
        columns = column_list(params.columns, resource)
        rows = [{k: v for k, v in row.items() if k in columns} for row in rows]
    elif rows:
        columns = check_columns(uniform_keys(rows), resource)
    else:
        columns = ()
    if not rows:
        return Plan([])
    groups: dict[tuple[str, ...], list[Row]] = {}
    membership: list[int] | None = None
    if prefer.get("missing") == "default" and params.columns is not None:
        # Each set of present keys is its own INSERT, so an absent key takes its column default.
        order: list[tuple[str, ...]] = []
        for row in rows:
            present = tuple(c for c in columns if c in row)
            if present not in groups:
                order.append(present)
            groups.setdefault(present, []).append(row)
        membership = [order.index(tuple(c for c in columns if c in row)) for row in rows]
    else:
        groups[columns] = rows
    statements = []
    for group_columns, group_rows in groups.items():
        shape = WriteShape(
            resource.name,
            "INSERT",
            group_columns,
            conflict,
            on_conflict,
            select=select,
            body=out.body,
            strip_nulls=out.strip_nulls,
        )
        statements.append(_statement(ctx, shape, [], dumps(group_rows)))
    return Plan(statements, membership if len(groups) > 1 else None)


def _filters(
    ctx: DataContext, params: Params, verb: str
) -> tuple[Node | None, tuple[Any, ...], Page | None, list[BoundValue]]:
    """The WHERE of a PATCH/DELETE and, with `limit`/`offset`, the ordered page it is limited to.

    Only a row filter counts as one: `limit`/`offset` page through the whole table, and
    `limit=9223372036854775807` is every row."""
    limited = params.limit is not None or params.offset > 0
    if params.where is None and not ctx.runtime.settings.allow_unfiltered_writes:
        raise errors.unfiltered_write(verb)
    if limited and not params.order:
        raise errors.limit_without_order()
    if limited and not ctx.resource.primary_key:
        raise errors.ApiError(400, "PGRST109", f"'{ctx.resource.name}' has no primary key to limit by")
    query = Query(
        ctx.resource.name,
        where=params.where,
        order=params.order if limited else (),
        page=Page(params.offset, params.limit) if limited else Page(),
    )
    shaped, values = split(query)
    return shaped.where, shaped.order, shaped.page if limited else None, values


def _update(
    ctx: DataContext,
    params: Params,
    prefer: Preferences,
    row: Row,
    select: tuple[SelectItem, ...],
    out: Output,
) -> Plan:
    resource = ctx.resource
    defaults: tuple[str, ...] = ()
    if params.columns is not None:
        listed = column_list(params.columns, resource)
        row = {k: v for k, v in row.items() if k in listed}
        if prefer.get("missing") == "default":
            defaults = tuple(c for c in listed if c not in row)
            columns = tuple(c for c in listed if c in row)
        else:
            columns = listed
    else:
        columns = check_columns(tuple(row), resource)
    where, order, page, values = _filters(ctx, params, "UPDATE")
    if not columns and not defaults:
        return Plan([])  # `{}`: nothing to set, nothing changes (PostgREST answers as if none matched)
    shape = WriteShape(
        resource.name,
        "UPDATE",
        columns,
        where=where,
        select=select,
        body=out.body,
        order=order,
        page=page,
        defaults=defaults,
        strip_nulls=out.strip_nulls,
    )
    return Plan([_statement(ctx, shape, values, dumps([row])[1:-1])])


def _delete(ctx: DataContext, params: Params, select: tuple[SelectItem, ...], out: Output) -> Plan:
    where, order, page, values = _filters(ctx, params, "DELETE")
    shape = WriteShape(
        ctx.resource.name,
        "DELETE",
        where=where,
        select=select,
        body=out.body,
        order=order,
        page=page,
        strip_nulls=out.strip_nulls,
    )
    return Plan([_statement(ctx, shape, values, None)])


def _put_keys(ctx: DataContext, params: Params, names: Iterable[str]) -> dict[str, str]:
    """PUT's filters must name exactly the primary key, with `eq` (`id=eq.5`), and nothing else:
    no `or=`/`and=` tree even if it says the same."""
    resource = ctx.resource
    if params.limit is not None or params.offset > 0:
        raise errors.put_limit_error()
    keys = _primary_key_filter(params.where)
    logic = any(name in ("or", "and", "not.or", "not.and") for name in names)
    if keys is None or logic or not resource.primary_key or set(keys) != set(resource.primary_key):
        raise errors.put_filter_error()
    return keys


def _put(
    ctx: DataContext, keys: dict[str, str], rows: list[Row], select: tuple[SelectItem, ...], out: Output
) -> Plan:
    """PUT upserts the one row whose primary key the filters name: inserted, or replaced."""
    resource = ctx.resource
    if len(rows) != 1:
        raise errors.body_error("PUT takes exactly one object", f"the body has {len(rows)} objects")
    row = rows[0]
    for column, value in keys.items():
        if column not in row or _as_filter_text(row[column]) != value:
            raise errors.put_payload_mismatch()
    columns = check_columns(tuple(row), resource)
    shape = WriteShape(
        resource.name,
        "INSERT",
        columns,
        Conflict.MERGE,
        resource.primary_key,
        select=select,
        body=out.body,
        strip_nulls=out.strip_nulls,
    )
    return Plan([_statement(ctx, shape, [], dumps([row]))])


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
    if value is None:
        return "null"
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


def _merge_bodies(results: list[Envelope], body: Body, groups: list[int] | None) -> bytes:
    if len(results) == 1:
        return (results[0].body or ("[]" if body is Body.ARRAY else "null")).encode()
    if body is Body.OBJECT:
        return next((r.body for r in results if r.body and r.body != "null"), "null").encode()
    parts: list[list[Any]] = [orjson.loads(r.body or "[]") for r in results]
    if groups is not None and [len(p) for p in parts] == [groups.count(i) for i in range(len(parts))]:
        # One returned row per body row: put them back in the body's order.
        cursors = [iter(p) for p in parts]
        return orjson.dumps([next(cursors[g]) for g in groups])
    return orjson.dumps([row for part in parts for row in part])
