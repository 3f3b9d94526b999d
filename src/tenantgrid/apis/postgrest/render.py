"""PostgREST's response shapes: the error body, Content-Range, and the JSON content type."""

from __future__ import annotations

import logging

import orjson
from starlette.responses import Response

from tenantgrid.apis.postgrest.media import Media
from tenantgrid.errors import ApiError
from tenantgrid.http.request_context import note_error_code
from tenantgrid.query.compile import Body

JSON = "application/json; charset=utf-8"
OBJECT_JSON = "application/vnd.pgrst.object+json; charset=utf-8"
STRIPPED_ARRAY_JSON = "application/vnd.pgrst.array+json;nulls=stripped; charset=utf-8"
STRIPPED_OBJECT_JSON = "application/vnd.pgrst.object+json;nulls=stripped; charset=utf-8"
log = logging.getLogger("tenantgrid.postgrest")


def render_error(error: ApiError) -> Response:
    note_error_code(error.code)
    body = {"code": error.code, "message": error.message, "details": error.details, "hint": error.hint}
    return Response(orjson.dumps(body), status_code=error.status, media_type=JSON, headers=error.headers)


def unexpected_error(exc: BaseException) -> Response:
    log.exception("unhandled error", exc_info=exc)
    return render_error(ApiError(500, "PGRST000", "Internal server error", type(exc).__name__))


def content_range(offset: int, page_count: int, total: int | None) -> str:
    total_text = "*" if total is None else str(total)
    if page_count == 0:
        return f"*/{total_text}"
    return f"{offset}-{offset + page_count - 1}/{total_text}"


def media_type(media: Media) -> str:
    """The Content-Type of a successful body in the negotiated media (PostgREST's spelling)."""
    if media.body is Body.OBJECT:
        return STRIPPED_OBJECT_JSON if media.strip_nulls else OBJECT_JSON
    return STRIPPED_ARRAY_JSON if media.strip_nulls else JSON
