"""GET and HEAD on /rest/v1/{table}: parse, compile (cached by shape), execute once, pass the JSON through."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from tenantgrid import errors
from tenantgrid.apis.postgrest.context import data_context
from tenantgrid.apis.postgrest.media import negotiate_media
from tenantgrid.apis.postgrest.prefer import parse_prefer
from tenantgrid.apis.postgrest.render import JSON, content_range, media_type
from tenantgrid.db.execute import fetch_envelope
from tenantgrid.query.ast import Page, Query
from tenantgrid.query.compile import Body
from tenantgrid.query.dialects.postgrest import Params, parse_params, parse_range_header
from tenantgrid.query.shape import split


async def read(request: Request, table: str) -> Response:
    """A HEAD answers what the GET would, headers and status alike, without a body (errors too)."""
    if request.method != "HEAD":
        return await _read(request, table)
    try:
        return await _read(request, table)
    except errors.ApiError as error:
        return Response(b"", status_code=error.status, headers=error.headers, media_type=JSON)


async def _read(request: Request, table: str) -> Response:
    head = request.method == "HEAD"
    ctx = await data_context(request, table)
    params = parse_params(request.query_params.multi_items())
    prefer = parse_prefer(request.headers.getlist("prefer"))
    media = negotiate_media(request.headers.get("accept"))
    # RFC 9110 (and PostgREST): the Range header is for GET only; limit/offset apply to HEAD too.
    offset, limit = _page(params, None if head else request.headers.get("range"))
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
    # HEAD needs only the counts: Postgres builds no JSON for it.
    compiled = (
        ctx.runtime.compiler.read(shape, Body.NONE)
        if head
        else ctx.runtime.compiler.read(shape, media.body, media.strip_nulls)
    )
    envelope = await fetch_envelope(
        ctx.runtime.pools.for_schema(ctx.schema.schema),
        compiled.render(ctx.schema.schema),
        compiled.arguments(values),
    )

    total = envelope.total
    headers = {"Content-Range": content_range(offset, envelope.page_count, total)}
    headers["Content-Profile"] = ctx.schema.schema
    applied = prefer.applied("count")
    if applied:
        headers["Preference-Applied"] = applied
    if media.body is Body.OBJECT and envelope.page_count != 1:
        raise errors.singular_error(envelope.page_count)
    if total is not None and offset > total and limit != 0:
        # PostgREST's rule: only an offset *past* the total is unsatisfiable; offset == total is
        # an empty 206 (or 200 when the total is 0), and limit=0 always answers an empty page.
        error = errors.range_error(
            "Requested range not satisfiable",
            f"An offset of {offset} was requested, but there are only {total} rows.",
        )
        error.headers.update(headers)
        raise error
    status = 206 if total is not None and envelope.page_count < total else 200
    content = b"" if head else (envelope.body or "").encode()
    return Response(content, status_code=status, headers=headers, media_type=media_type(media))


def _page(params: Params, range_header: str | None) -> tuple[int, int | None]:
    """limit/offset intersected with a `Range: a-b` header, as PostgREST does.

    `limit=0` asks for no rows whatever the Range says. Otherwise a Range that shares no row with
    limit/offset cannot be satisfied: 416 PGRST103.
    """
    offset, limit = params.offset, params.limit
    if not range_header or limit == 0:
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
    if upper is not None and upper <= lower:
        raise errors.range_error(
            "Requested range not satisfiable",
            f"The Range header ({range_header}) and the limit/offset parameters select no rows in common.",
        )
    return lower, (upper - lower if upper is not None else None)
