"""Gainfully's answers: JSON, and every error as `{"field", "error_code", "detail"}`.

`gainfully_errors` wraps every route: whatever escapes a handler (a `FieldError`, another API
error such as the rate limiter's 429 or a database failure, a bug) leaves in this shape, never as a
bare 500 page or another API's shape. A HEAD answers the GET's status and headers without a body.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from tenantgrid import errors
from tenantgrid.http.endpoints import Handler
from tenantgrid.http.error_guard import guarded
from tenantgrid.http.request_context import note_error_code
from tenantgrid.query.dialects.django import FieldError

JSON = "application/json"
log = logging.getLogger("tenantgrid.gainfully")
_WORD = re.compile(r"[a-z_]+")
CODES_BY_STATUS = {
    400: "parse_error",
    401: "authentication_failed",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "request_too_large",
    415: "unsupported_media_type",
    429: "throttled",
    503: "service_unavailable",
    504: "timeout",
}


def json_response(
    request: Request, content: bytes, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    """`content` (JSON bytes); for a HEAD the same status and headers, Content-Length too, no body."""
    if request.method == "HEAD":
        head = {**(headers or {}), "Content-Length": str(len(content))}
        return Response(b"", status_code=status, headers=head, media_type=JSON)
    return Response(content, status_code=status, headers=headers, media_type=JSON)


def dumps(body: Any) -> bytes:
    return orjson.dumps(body)


def error_body(error: errors.ApiError) -> dict[str, Any]:
    """Another API's error (the rate limiter's, a database failure's) keeps its status and words;
    its code becomes a DRF-style word when it is not one already (`PGRST003` -> `service_unavailable`)."""
    if isinstance(error, FieldError):
        return {"field": error.field, "error_code": error.code, "detail": error.message}
    code = error.code if _WORD.fullmatch(error.code) else CODES_BY_STATUS.get(error.status, "error")
    return {"field": None, "error_code": code, "detail": error.message}


def render_error(request: Request, error: errors.ApiError) -> Response:
    note_error_code(error.code)
    return json_response(request, dumps(error_body(error)), error.status, error.headers)


def gainfully_errors(handler: Handler) -> Handler:
    return guarded(handler, render_error, _internal, log)


def _internal(exc: Exception) -> errors.ApiError:
    return errors.ApiError(500, "error", "A server error occurred.")
