"""Files in `files` cells: upload (the seed's `POST /v1/views/{viewId}/records/{recordId}/files` and the
spec's `POST /v1/views/{viewId}/files?columnId&recordId`), download (`GET /v1/views/{viewId}/files/{fileId}`,
streamed), delete (`DELETE /v1/views/{viewId}/files?columnId&recordId` with `{"ids": [...]}`).

An upload is read to a temporary file as it arrives (`upload.py`), then stored by the configured file
store (`tenantgrid.files`: PostgreSQL chunks in the same transaction, or an S3 object uploaded before it
and deleted again if it fails), its row (`file_store.py`) and the cell's new value in one transaction:
the cell lists its files as `{id, originalName, contentType, size, thumbnailId}`. A file is reached only
through a view of its grid that shows its column: another tenant's, grid's or view's file id is a 404.
Deleted files' bytes go after the deletion committed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import asyncpg
import orjson
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from tenantgrid.apis.gridly import failures
from tenantgrid.apis.gridly.context import Ctx, context, json_object
from tenantgrid.apis.gridly.disposition import content_disposition
from tenantgrid.apis.gridly.file_store import (
    CellFile,
    delete_cell_files,
    find_file,
    insert_file,
    lock_files_column,
)
from tenantgrid.apis.gridly.openapi import QUERY_PARAMETERS
from tenantgrid.apis.gridly.records_write import dependencies
from tenantgrid.apis.gridly.render import empty_response, json_response
from tenantgrid.apis.gridly.upload import Upload, UploadRejected, check_length, receive_upload
from tenantgrid.apis.gridly.views_store import Column, View
from tenantgrid.files import FileMissing, FileStoreUnavailable, new_file_id, staged
from tenantgrid.http.endpoints import Endpoint, Operation

QUERY_PARAMETERS.setdefault("columnId", ({"type": "string"}, "The id of a `files` column of the view"))
QUERY_PARAMETERS.setdefault("recordId", ({"type": "string"}, "The id of the record"))

FILE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "id": {"type": "string", "description": "Unguessable; the download's {fileId}"},
        "originalName": {"type": "string"},
        "contentType": {"type": "string"},
        "size": {"type": "integer"},
        "thumbnailId": {"type": "string", "nullable": True},
    },
}
UPLOAD_BODY: dict[str, Any] = {
    "type": "object",
    "required": ["file"],
    "properties": {
        "file": {"type": "string", "format": "binary"},
        "columnId": {
            "type": "string",
            "description": "The `files` column (or the `columnId` query parameter)",
        },
    },
}
IDS_BODY: dict[str, Any] = {
    "type": "object",
    "required": ["ids"],
    "properties": {"ids": {"type": "array", "items": {"type": "string"}}},
}
DOWNLOAD_HEADERS = {
    "Content-Length": "The file's size in bytes",
    "Content-Disposition": "attachment, with the original name (RFC 6266: filename and filename*)",
}


def _store_unavailable() -> failures.GridlyError:
    message = "The file store is unavailable; try again."
    return failures.GridlyError(
        503, message, [failures.item("unavailable", "file", message, "file")], {"Retry-After": "5"}
    )


def _rejected(error: UploadRejected) -> failures.GridlyError:
    code = "too_large" if error.status == 413 else "invalid"
    return failures.GridlyError(
        error.status, error.message, [failures.item(code, error.field, error.message, "file")]
    )


def _files_column(view: View, column_id: str | None) -> Column:
    if not column_id:
        raise failures.bad_request('"columnId" is required.', "columnId", "file")
    column = view.column(column_id)
    if column is None:
        raise failures.bad_request(f'Column "{column_id[:200]}" is not in the view.', "columnId", "column")
    if column.type != "files":
        raise failures.bad_request(
            f'Column "{column.id}" is of type {column.type}, not files.', "columnId", "column"
        )
    return column


async def _locked_cell(
    conn: asyncpg.Connection, ctx: Ctx, view: View, record_id: str, column: Column
) -> tuple[list[Any], dict[str, Any]]:
    """The cell's file list and the record's cell statuses, its row locked until the transaction
    ends; 404 without the record."""
    row = await conn.fetchrow(
        f"SELECT (cells -> $3::text)::text, cell_status::text FROM {ctx.s}.gridly_records"
        " WHERE grid_id = $1 AND id = $2 FOR UPDATE",
        view.grid_id,
        record_id,
        column.id,
    )
    if row is None:
        raise failures.not_found("record", record_id, "recordId")
    value = orjson.loads(row[0]) if row[0] is not None else []
    return (value if isinstance(value, list) else []), orjson.loads(row[1] or "{}")


async def _marked(
    conn: asyncpg.Connection, ctx: Ctx, view: View, column: Column, status: dict[str, Any]
) -> str:
    """The cell statuses after the column's cell changed, as records_write marks them: the cells that
    depend on it become outOfDate; the cell itself, if it depends on another, upToDate."""
    for source, target in await dependencies(conn, ctx.s, view.grid_id):
        if target == column.id:
            status[target] = {**status.get(target, {}), "dependencyStatus": "upToDate"}
        elif source == column.id:
            status[target] = {**status.get(target, {}), "dependencyStatus": "outOfDate"}
    return orjson.dumps(status).decode()


async def _write_cell(
    conn: asyncpg.Connection,
    ctx: Ctx,
    view: View,
    record_id: str,
    column: Column,
    files: list[Any],
    status: dict[str, Any],
) -> None:
    """Store the cell's file list (an empty cell is no key, as records_write stores it) and the
    dependency statuses its change sets."""
    await conn.execute(
        f"UPDATE {ctx.s}.gridly_records SET cells = CASE WHEN $4::jsonb = '[]'::jsonb THEN cells - $3::text"
        " ELSE cells || jsonb_build_object($3::text, $4::jsonb) END,"
        " cell_status = $5::jsonb, last_modified_time = now() WHERE grid_id = $1 AND id = $2",
        view.grid_id,
        record_id,
        column.id,
        orjson.dumps(files).decode(),
        await _marked(conn, ctx, view, column, status),
    )


async def _receive(request: Request, ctx: Ctx) -> Upload:
    limit = ctx.runtime.settings.gridly_max_file_bytes
    try:
        check_length(request.headers.get("content-length"), limit)
        return await receive_upload(request.headers.get("content-type"), request.stream(), limit)
    except UploadRejected as error:
        raise _rejected(error) from None


async def _upload(request: Request, record_id: str | None, status: int) -> Response:
    ctx = await context(request)
    view = await ctx.view(request.path_params["viewId"])
    column_id = request.query_params.get("columnId")
    if column_id is not None:  # known before the body: refuse a wrong column without reading it
        _files_column(view, column_id)
    upload = await _receive(request, ctx)
    try:
        column = _files_column(view, column_id or upload.fields.get("columnId"))
        record_id = record_id or upload.fields.get("recordId")
        if not record_id:
            raise failures.bad_request('"recordId" is required.', "recordId", "file")
        if not await _record_exists(ctx, view, record_id):  # before the bytes travel to the store
            raise failures.not_found("record", record_id, "recordId")
        stored = CellFile(
            new_file_id(upload.filename),
            view.grid_id,
            record_id,
            column.id,
            upload.filename,
            upload.content_type,
            upload.size,
        )
        store = ctx.runtime.files
        with _store_failures():
            async with staged(store, ctx.schema, stored.stored, upload.file), ctx.transaction() as conn:
                if not await lock_files_column(conn, ctx.s, view.grid_id, column.id):  # gone since
                    raise failures.bad_request(
                        f'Column "{column.id}" is no longer a files column.', "columnId", "column"
                    )
                files, statuses = await _locked_cell(conn, ctx, view, record_id, column)
                await insert_file(conn, ctx.s, stored)
                await store.write(conn, ctx.schema, stored.stored, upload.file)
                cell = [*files, stored.cell_value()]
                await _write_cell(conn, ctx, view, record_id, column, cell, statuses)
    finally:
        upload.close()
    return json_response(request, stored.cell_value(), status)


async def _record_exists(ctx: Ctx, view: View, record_id: str) -> bool:
    found = await ctx.fetchval(
        f"SELECT true FROM {ctx.s}.gridly_records WHERE grid_id = $1 AND id = $2", view.grid_id, record_id
    )
    return bool(found)


@contextmanager
def _store_failures() -> Iterator[None]:
    try:
        yield
    except FileStoreUnavailable:
        raise _store_unavailable() from None


async def upload_to_record(request: Request) -> Response:
    """The seed's: multipart `file` + `columnId`; 200."""
    return await _upload(request, request.path_params["recordId"], 200)


async def upload(request: Request) -> Response:
    """The spec's: `?columnId&recordId`, multipart `file`; 201."""
    return await _upload(request, request.query_params.get("recordId"), 201)


async def download(request: Request) -> Response:
    ctx = await context(request)
    view = await ctx.view(request.path_params["viewId"])
    file_id = request.path_params["fileId"]
    file = await find_file(ctx.pool, ctx.s, view.grid_id, file_id)
    if file is None or view.column(file.column_id) is None:
        raise failures.not_found("file", file_id, "fileId")
    headers = {
        "Content-Type": file.content_type,
        "Content-Length": str(file.size),
        "Content-Disposition": content_disposition(file.original_name),
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, no-cache",
    }
    if request.method == "HEAD":
        return Response(b"", headers=headers)
    try:
        chunks = await ctx.runtime.files.open(ctx.schema, file.stored)
    except FileMissing:
        raise failures.not_found("file", file_id, "fileId") from None
    except FileStoreUnavailable:
        raise _store_unavailable() from None
    return StreamingResponse(chunks, headers=headers)


async def delete(request: Request) -> Response:
    ctx = await context(request)
    view = await ctx.view(request.path_params["viewId"])
    column = _files_column(view, request.query_params.get("columnId"))
    record_id = request.query_params.get("recordId")
    if not record_id:
        raise failures.bad_request('"recordId" is required.', "recordId", "file")
    ids = (await json_object(request)).get("ids")
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise failures.bad_request('"ids" must be a list of file ids.', "ids", "file")
    async with ctx.transaction() as conn:
        files, statuses = await _locked_cell(conn, ctx, view, record_id, column)
        deleted = set(await delete_cell_files(conn, ctx.s, view.grid_id, record_id, column.id, ids))
        kept = [f for f in files if not (isinstance(f, dict) and f.get("id") in deleted)]
        if len(kept) != len(files):
            await _write_cell(conn, ctx, view, record_id, column, kept, statuses)
    await ctx.runtime.files.discard(ctx.schema, sorted(deleted))
    return empty_response(204)


ENDPOINTS = [
    Endpoint(
        "/views/{viewId}/records/{recordId}/files",
        {
            "POST": Operation(
                upload_to_record,
                "Upload a file to a record's files cell",
                body=UPLOAD_BODY,
                body_media="multipart/form-data",
                response=FILE_SCHEMA,
                errors=(413, 503),
                description="Multipart `file` and `columnId` (a `files` column of the view; else 400). "
                "Larger than TENANTGRID_GRIDLY_MAX_FILE_BYTES: 413. The file store unreachable: 503.",
            ),
        },
    ),
    Endpoint(
        "/views/{viewId}/files",
        {
            "POST": Operation(
                upload,
                "Upload a file to a cell",
                query=("columnId", "recordId"),
                body=UPLOAD_BODY,
                body_media="multipart/form-data",
                response=FILE_SCHEMA,
                status=201,
                errors=(413, 503),
            ),
            "DELETE": Operation(
                delete,
                "Delete files of a cell",
                query=("columnId", "recordId"),
                body=IDS_BODY,
                status=204,
                errors=(413,),
                description="Ids that are not the cell's are ignored.",
            ),
        },
    ),
    Endpoint(
        "/views/{viewId}/files/{fileId}",
        {
            "GET": Operation(
                download,
                "Download a file",
                response={"type": "string", "format": "binary"},
                response_media="application/octet-stream",
                response_headers=DOWNLOAD_HEADERS,
                errors=(503,),
                description="The bytes, streamed, with the file's Content-Type.",
            ),
        },
    ),
]
