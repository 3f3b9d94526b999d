"""The Gridly API's responses: JSON, and every error in Gridly's shape (clients parse every answer as
JSON). `gridly_errors` wraps every Gridly endpoint: whatever escapes a handler (a GridlyError, another
ApiError, a database failure, a bug) leaves as `{"message", "errors": [...]}`, never a bare 500 page
or another API's shape. A HEAD answers the GET's status and headers without the body.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import orjson
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from tenantgrid import errors
from tenantgrid.apis.gridly.failures import GridlyError, item
from tenantgrid.db.execute import database_error
from tenantgrid.http.endpoints import JSON, Handler
from tenantgrid.http.request_context import note_error_code

log = logging.getLogger("tenantgrid.gridly")
CODES = {
    400: "invalid",
    401: "unauthorized",
    403: "forbidden",
    404: "missing",
    409: "conflict",
    413: "too_large",
}


def dumps(body: Any) -> bytes:
    return orjson.dumps(body)


def json_response(
    request: Request, body: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    """`body` as JSON; for a HEAD the same status and headers (Content-Length too) without the body."""
    content = dumps(body)
    if request.method == "HEAD":
        all_headers = {**(headers or {}), "Content-Length": str(len(content))}
        return Response(b"", status_code=status, headers=all_headers, media_type=JSON)
    return Response(content, status_code=status, headers=dict(headers or {}), media_type=JSON)


def raw_json_response(
    request: Request, content: bytes, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    """JSON text already serialised (by Postgres or orjson)."""
    if request.method == "HEAD":
        all_headers = {**(headers or {}), "Content-Length": str(len(content))}
        return Response(b"", status_code=status, headers=all_headers, media_type=JSON)
    return Response(content, status_code=status, headers=dict(headers or {}), media_type=JSON)


def empty_response(status: int = 204, headers: Mapping[str, str] | None = None) -> Response:
    return Response(b"", status_code=status, headers=dict(headers or {}))


def error_body(error: errors.ApiError) -> dict[str, Any]:
    if isinstance(error, GridlyError):
        return {"message": error.message, "errors": error.items}
    # Another ApiError: the dialect's (code "invalid", details: the parameter, hint: the resource),
    # or one from the database or the shared core (its SQLSTATE or PGRST code kept in `message`).
    if error.code == "invalid":
        field, resource = error.details or "", error.hint or "record"
    else:
        field, resource = "", "request"
    code = CODES.get(error.status, "error")
    return {"message": error.message, "errors": [item(code, field, error.message, resource)]}


def render_error(request: Request, error: errors.ApiError) -> Response:
    note_error_code(error.code)
    return json_response(request, error_body(error), error.status, error.headers)


def gridly_errors(handler: Handler) -> Handler:
    async def endpoint(request: Request) -> Response:
        try:
            return await handler(request)
        except errors.ApiError as error:
            if error.status == 413 and not isinstance(error, GridlyError):
                error = GridlyError(413, error.message, [item("too_large", "body", error.message, "request")])
            return render_error(request, error)
        except ClientDisconnect:
            return Response(status_code=499)  # nobody is left to answer; not a server fault
        except Exception as exc:
            error = database_error(exc)
            if error is None:
                log.exception("unhandled error on %s %s", request.method, request.url.path)
                error = errors.ApiError(500, "GRIDLY-500", "Internal server error", type(exc).__name__)
            return render_error(request, error)

    return endpoint
