"""Listing a view's records through the shared query core: the Gridly dialect parses the parameters
into the AST, the compiler makes one statement (the page and the total), and the rows become records
with the view's (or `columnIds`') cells. Answers `X-Total-Count` on every page and, when more records
follow, `Link: <absolute url>; rel="next"`."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import orjson
from starlette.requests import Request

from tenantgrid.apis.gridly import failures
from tenantgrid.apis.gridly.cells import render_record
from tenantgrid.apis.gridly.context import Ctx
from tenantgrid.apis.gridly.views_store import Column, View
from tenantgrid.db.execute import fetch_envelope
from tenantgrid.query.ast import Cond, Node, Op, Path
from tenantgrid.query.compile import Body
from tenantgrid.query.dialects.gridly import RecordList, parse_records_list, records_query
from tenantgrid.query.shape import split


@dataclass(frozen=True, slots=True)
class RecordsPage:
    records: list[dict[str, Any]]
    total: int
    listing: RecordList

    def headers(self, request: Request) -> dict[str, str]:
        headers = {"X-Total-Count": str(self.total)}
        following = self.listing.offset + self.listing.limit
        if self.listing.limit and following < self.total:
            headers["Link"] = f'<{next_url(request, following, self.listing.limit)}>; rel="next"'
        return headers


def next_url(request: Request, offset: int, limit: int) -> str:
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "page"]
    params.append(("page", json.dumps({"offset": offset, "limit": limit}, separators=(",", ":"))))
    return str(request.url.replace(query=urlencode(params)))


def shown_columns(view: View, listing: RecordList) -> list[Column]:
    if listing.column_ids is None:
        return list(view.columns)
    return [c for i in listing.column_ids for c in view.columns if c.id == i]


async def _position(ctx: Ctx, view: View, record_id: str, parameter: str) -> int:
    position = await ctx.fetchval(
        f"SELECT position FROM {ctx.s}.gridly_records WHERE grid_id = $1 AND id = $2", view.grid_id, record_id
    )
    if position is None:
        raise failures.not_found("record", record_id, parameter)
    return int(position)


async def list_records(ctx: Ctx, view: View, params: Any) -> RecordsPage:
    listing = parse_records_list(params, view.column_types)
    extra: list[Node] = []
    if listing.after is not None:
        position = await _position(ctx, view, listing.after, "afterRecordId")
        extra.append(Cond(Path("position"), Op.GT, str(position)))
    if listing.before is not None:
        position = await _position(ctx, view, listing.before, "beforeRecordId")
        extra.append(Cond(Path("position"), Op.LT, str(position)))
    shape, values = split(records_query(view.grid_id, listing, tuple(extra)))
    compiled = ctx.runtime.compiler.read(shape, Body.ARRAY)
    envelope = await fetch_envelope(ctx.pool, compiled.render(ctx.schema), compiled.arguments(values))
    rows = orjson.loads(envelope.body) if envelope.body else []
    columns = shown_columns(view, listing)
    return RecordsPage([render_record(r, columns) for r in rows], envelope.total or 0, listing)


def render_rows(rows: Sequence[dict[str, Any]], columns: Sequence[Column]) -> list[dict[str, Any]]:
    return [render_record(r, columns) for r in rows]
