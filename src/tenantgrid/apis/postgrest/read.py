"""GET and HEAD on /rest/v1/{table}: parse, compile (cached by shape), execute once, pass the JSON through."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from tenantgrid import errors
from tenantgrid.apis.postgrest.context import data_context
from tenantgrid.apis.postgrest.media import negotiate
from tenantgrid.apis.postgrest.prefer import parse_prefer
from tenantgrid.apis.postgrest.render import JSON, OBJECT_JSON, content_range
from tenantgrid.db.execute import fetch_envelope
from tenantgrid.query.ast import Page, Query
from tenantgrid.query.compile import Body
from tenantgrid.query.dialects.postgrest import Params, parse_params, parse_range_header
from tenantgrid.query.shape import split


async def read(request: Request, table: str) -> Response:
    ctx = await data_context(request, table)
    params = parse_params(request.query_params.multi_items())
    prefer = parse_prefer(request.headers.getlist("prefer"))
    body = negotiate(request.headers.get("accept"))
    offset, limit = _page(params, request.headers.get("range"))
    max_rows = ctx.runtime.settings.max_rows
    if max_rows is not None:
        limit = max_rows if limit is None else min(limit, max_rows)
    query = Query(
        resource=ctx.resource.name,
        where=params.where,
        order=params.order,
        page=Page(offset, limit),
        select=params.select,
        count=prefer.get("count") is not None,
    )
    shape, values = split(query)
    compiled = ctx.runtime.compiler.read(shape, body)
    envelope = await fetch_envelope(
        ctx.runtime.pool, compiled.render(ctx.schema.schema), compiled.arguments(values)
    )

    total = envelope.total
    headers = {"Content-Range": content_range(offset, envelope.page_count, total)}
    headers["Content-Profile"] = ctx.schema.schema
    applied = prefer.applied("count")
    if applied:
        headers["Preference-Applied"] = applied
    if total is not None and offset > 0 and offset >= total and envelope.page_count == 0:
        error = errors.range_error(
            "Requested range not satisfiable",
            f"An offset of {offset} was requested, but there are only {total} rows.",
        )
        error.headers["Content-Range"] = f"*/{total}"
        raise error
    if body is Body.OBJECT and envelope.page_count != 1:
        raise errors.singular_error(envelope.page_count)
    status = 206 if total is not None and envelope.page_count < total else 200
    content = b"" if request.method == "HEAD" else (envelope.body or "").encode()
    media = OBJECT_JSON if body is Body.OBJECT else JSON
    return Response(content, status_code=status, headers=headers, media_type=media)


def _page(params: Params, range_header: str | None) -> tuple[int, int | None]:
    """limit/offset intersected with a `Range: a-b` header, as PostgREST does."""
    offset, limit = params.offset, params.limit
    if not range_header:
        return offset, limit
    range_offset, range_limit = parse_range_header(range_header)
    lower = max(offset, range_offset)
    uppers = [
        u
        for u in (
            offset + limit if limit is not None else None,
            range_offset + range_limit if range_limit is not None else None,
        )
        if u is not None
    ]
    upper = min(uppers) if uppers else None
    return lower, (max(upper - lower, 0) if upper is not None else None)
