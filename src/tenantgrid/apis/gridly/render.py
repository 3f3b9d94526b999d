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
from starlette.requests import Request
from starlette.responses import Response

from tenantgrid import errors
from tenantgrid.apis.gridly.failures import GridlyError, item
from tenantgrid.http.endpoints import JSON, Handler
from tenantgrid.http.error_guard import guarded
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
    return guarded(handler, render_error, _internal, log, _too_large_in_gridlys_words)


def _internal(exc: Exception) -> errors.ApiError:
    return errors.ApiError(500, "GRIDLY-500", "Internal server error", type(exc).__name__)


def _too_large_in_gridlys_words(error: errors.ApiError) -> errors.ApiError:
    """The shared body reader's 413, as a Gridly error naming the body."""
    if error.status == 413 and not isinstance(error, GridlyError):
        return GridlyError(413, error.message, [item("too_large", "body", error.message, "request")])
    return error
