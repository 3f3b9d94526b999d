"""A write's JSON body: JSON only (no media type counts as JSON), within the size limit (413),
parsed (400 `parse_error` in DRF's words); an empty body is `{}`, as DRF's parser makes it."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request

from tenantgrid import errors
from tenantgrid.apis.gainfully import failures
from tenantgrid.apis.postgrest.payload import read_body
from tenantgrid.runtime import Runtime


def is_json(content_type: str | None) -> bool:
    if not content_type or not content_type.strip():
        return True
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


async def json_body(request: Request) -> Any:
    content_type = request.headers.get("content-type")
    if not is_json(content_type):
        raise failures.unsupported_media_type(content_type or "")
    runtime: Runtime = request.app.state.runtime
    limit = runtime.settings.max_body_bytes
    try:
        raw = await read_body(request, limit)
    except errors.ApiError as error:
        if error.status == 413:
            raise failures.too_large(limit) from None
        raise failures.parse_error(error.details or error.message) from None
    if not raw.strip():
        return {}
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise failures.parse_error(f"JSON parse error - {exc}") from None
