"""The one reader of a JSON request body for the CMDB, Gridly and Gainfully APIs: within the
server's size limit, parsed by orjson, and (where the API asks) only under a JSON media type.

A refusal is a `BodyRefused` in no API's words: each API maps it into its own error shape in one
place (`json_body` in its context or body module).
"""

from __future__ import annotations

import enum
from typing import Any

import orjson
from starlette.requests import Request

from tenantgrid import errors
from tenantgrid.http.request_body import read_body
from tenantgrid.runtime import Runtime


class Refusal(enum.Enum):
    MEDIA_TYPE = "media_type"  # `detail`: the Content-Type sent
    TOO_LARGE = "too_large"  # the body, or its announced Content-Length, exceeds `limit`
    BAD_LENGTH = "bad_length"  # a Content-Length that is not a number of bytes
    EMPTY = "empty"  # nothing but whitespace
    NOT_JSON = "not_json"  # `detail`: the parser's message


class BodyRefused(Exception):
    def __init__(self, refusal: Refusal, message: str, detail: str = "", *, limit: int = 0) -> None:
        super().__init__(message)
        self.refusal = refusal
        self.message = message
        self.detail = detail
        self.limit = limit


_REQUIRED: Any = object()


def is_json(content_type: str | None) -> bool:
    """`application/json`, `application/<anything>+json`, or no media type at all."""
    if not content_type or not content_type.strip():
        return True
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


async def read_json(request: Request, *, json_only: bool = False, empty: Any = _REQUIRED) -> Any:
    """The parsed body. `json_only`: another media type is refused; `empty`: what an empty body
    stands for (refused when not given)."""
    if json_only:
        content_type = request.headers.get("content-type")
        if not is_json(content_type):
            raise BodyRefused(Refusal.MEDIA_TYPE, "Unsupported media type", content_type or "")
    runtime: Runtime = request.app.state.runtime
    limit = runtime.settings.max_body_bytes
    try:
        raw = await read_body(request, limit)
    except errors.ApiError as error:
        if error.status == 413:
            raise BodyRefused(Refusal.TOO_LARGE, error.message, error.details or "", limit=limit) from None
        raise BodyRefused(Refusal.BAD_LENGTH, error.message, error.details or "") from None
    if not raw.strip():
        if empty is _REQUIRED:
            raise BodyRefused(Refusal.EMPTY, "A JSON body is required")
        return empty
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise BodyRefused(Refusal.NOT_JSON, "The body is not valid JSON", str(exc)) from None
