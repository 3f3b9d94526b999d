"""`GET /v1/views/{viewId}/export?type=csv|tsv|json&fileHeader=none|columnName|columnId` (+ `columnIds`,
`query`, `sort` as the records list takes them): the view's records as a file, streamed a page of
1000 records at a time (`export_format.py` writes them).

The first page is read before the answer starts, so a bad parameter is still a Gridly 400. Without a
`sort` the pages follow the grid's order by record (`afterRecordId`, no growing offset); with one, by
offset.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from tenantgrid.apis.gridly import failures
from tenantgrid.apis.gridly.context import Ctx, context
from tenantgrid.apis.gridly.disposition import content_disposition
from tenantgrid.apis.gridly.export_format import (
    DEFAULT_FILE_HEADER,
    DEFAULT_FORMAT,
    FILE_HEADERS,
    FORMATS,
    ExportColumn,
    ExportWriter,
    Record,
)
from tenantgrid.apis.gridly.openapi import QUERY_PARAMETERS
from tenantgrid.apis.gridly.records_read import RecordsPage, list_records, shown_columns
from tenantgrid.apis.gridly.views_store import View
from tenantgrid.http.endpoints import Endpoint, Operation
from tenantgrid.query.dialects.gridly import MAX_LIMIT

QUERY_PARAMETERS.setdefault(
    "type", ({"type": "string", "enum": list(FORMATS), "default": DEFAULT_FORMAT}, "The file's format")
)
QUERY_PARAMETERS.setdefault(
    "fileHeader",
    (
        {"type": "string", "enum": list(FILE_HEADERS), "default": DEFAULT_FILE_HEADER},
        "The header row: none, the columns' names or their ids (the record id's column is `_recordId`)",
    ),
)


def _choice(request: Request, name: str, allowed: Mapping[str, Any] | tuple[str, ...], default: str) -> str:
    value = request.query_params.get(name) or default
    if value not in allowed:
        raise failures.bad_request(f'Invalid "{name}": one of {", ".join(allowed)}.', name, "export")
    return value


def _records(page: RecordsPage) -> list[Record]:
    return [(r["id"], {c["columnId"]: c.get("value") for c in r["cells"]}) for r in page.records]


class _Pages:
    """The export's pages of records, one query each."""

    def __init__(self, ctx: Ctx, view: View, request: Request) -> None:
        self.ctx = ctx
        self.view = view
        self.params = {
            k: v for k in ("columnIds", "query", "sort") if (v := request.query_params.get(k)) is not None
        }
        self.keyset = not self.params.get("sort", "").strip("{} \t\r\n")
        self.offset = 0
        self.after: str | None = None

    async def next(self) -> RecordsPage:
        params = dict(self.params)
        if self.keyset:
            params["page"] = json.dumps({"offset": 0, "limit": MAX_LIMIT})
            if self.after is not None:
                params["afterRecordId"] = self.after
        else:
            params["page"] = json.dumps({"offset": self.offset, "limit": MAX_LIMIT})
        page = await list_records(self.ctx, self.view, params)
        self.offset += len(page.records)
        if page.records:
            self.after = page.records[-1]["id"]
        return page


async def export(request: Request) -> Response:
    ctx = await context(request)
    view = await ctx.view(request.path_params["viewId"])
    fmt = FORMATS[_choice(request, "type", FORMATS, DEFAULT_FORMAT)]
    file_header = _choice(request, "fileHeader", FILE_HEADERS, DEFAULT_FILE_HEADER)
    pages = _Pages(ctx, view, request)
    first = await pages.next()  # a bad query, sort or columnIds fails here, as a Gridly 400
    columns = [ExportColumn(c.id, c.name, c.type) for c in shown_columns(view, first.listing)]
    writer = ExportWriter(fmt, columns, file_header)  # type: ignore[arg-type]
    headers = {
        "Content-Disposition": content_disposition(f"{view.name or view.id}.{fmt.extension}"),
        "X-Total-Count": str(first.total),
    }
    if request.method == "HEAD":
        return Response(b"", headers=headers, media_type=fmt.media_type)

    async def body() -> AsyncIterator[bytes]:
        yield writer.start()
        page = first
        while True:
            yield writer.batch(_records(page))
            if len(page.records) < MAX_LIMIT:
                break
            page = await pages.next()
        yield writer.end()

    return StreamingResponse(body(), headers=headers, media_type=fmt.media_type)


ENDPOINTS = [
    Endpoint(
        "/views/{viewId}/export",
        {
            "GET": Operation(
                export,
                "Export a view's records as CSV, TSV or JSON",
                query=("type", "fileHeader", "columnIds", "query", "sort"),
                response={"type": "string"},
                response_media="text/csv",
                response_headers={
                    "Content-Disposition": "attachment; filename=<view name>.<type>",
                    "X-Total-Count": "How many records the file holds",
                },
                description="CSV (the default; `text/csv; charset=utf-8`): a header row by `fileHeader` "
                "(`columnName` by default), then per record its id and one cell per view column, every row "
                'as wide as the header. Lists are joined with ", ", files given by their names, booleans '
                "`true`/`false`. `type=json`: an array of objects keyed like the header (arrays with "
                "`fileHeader=none`), values as JSON.",
            ),
        },
    ),
]
