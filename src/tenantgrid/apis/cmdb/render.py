"""The CMDB API's response shapes: JSON with `X-API-Version: 1.0` on every answer, errors included,
and DATAGERRY's error body `{status, response, description, message}`.

`cmdb_errors` wraps every CMDB endpoint: whatever escapes a handler (an ApiError, a database
failure, a bug) leaves as a CMDB error body, never as a bare 500 page or PostgREST's shape. A HEAD
answers the GET's status and headers without a body.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from http import HTTPStatus
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from tenantgrid import errors
from tenantgrid.apis.cmdb.invalid import VALIDATION
from tenantgrid.http.error_guard import guarded
from tenantgrid.http.request_context import note_error_code

JSON = "application/json"
API_VERSION = "1.0"
VERSION_HEADER = "X-API-Version"
log = logging.getLogger("tenantgrid.cmdb")

Handler = Callable[[Request], Awaitable[Response]]


def dumps(body: Any) -> bytes:
    return orjson.dumps(body, option=orjson.OPT_NON_STR_KEYS)


def json_response(
    request: Request, body: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    """`body` as JSON; for a HEAD the same status and headers (Content-Length too) without the body."""
    content = dumps(body)
    all_headers = {VERSION_HEADER: API_VERSION, **(headers or {})}
    if request.method == "HEAD":
        all_headers["Content-Length"] = str(len(content))
        return Response(b"", status_code=status, headers=all_headers, media_type=JSON)
    return Response(content, status_code=status, headers=all_headers, media_type=JSON)


def empty_response(request: Request, status: int = 204, headers: Mapping[str, str] | None = None) -> Response:
    return Response(b"", status_code=status, headers={VERSION_HEADER: API_VERSION, **(headers or {})})


def reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def error_body(request: Request, error: errors.ApiError) -> dict[str, Any]:
    """`description` says what went wrong; `message` the detail (for a failed validation, DATAGERRY's
    `{"validation_error": {<key>: <message>}}`)."""
    message: Any = error.details if error.details is not None else error.message
    if error.code == VALIDATION and error.details:
        message = {"validation_error": {error.details: error.message}}
    return {
        "status": error.status,
        "response": f"{reason(error.status)}: {request.url}",
        "description": error.message,
        "message": message,
    }


def render_error(request: Request, error: errors.ApiError) -> Response:
    note_error_code(error.code)
    return json_response(request, error_body(request, error), error.status, error.headers)


def cmdb_errors(handler: Handler) -> Handler:
    return guarded(handler, render_error, _internal, log)


def _internal(exc: Exception) -> errors.ApiError:
    return errors.ApiError(500, "CMDB-500", "Internal server error", type(exc).__name__)
