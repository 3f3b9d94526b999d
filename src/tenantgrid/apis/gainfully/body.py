"""A write's JSON body: JSON only (no media type counts as JSON), within the size limit (413),
parsed (400 `parse_error` in DRF's words); an empty body is `{}`, as DRF's parser makes it."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from tenantgrid.apis.gainfully import failures
from tenantgrid.http.json_body import BodyRefused, Refusal, read_json


async def json_body(request: Request) -> Any:
    try:
        return await read_json(request, json_only=True, empty={})
    except BodyRefused as refused:
        raise _refusal(refused) from None


def _refusal(refused: BodyRefused) -> failures.FieldError:
    match refused.refusal:
        case Refusal.MEDIA_TYPE:
            return failures.unsupported_media_type(refused.detail)
        case Refusal.TOO_LARGE:
            return failures.too_large(refused.limit)
        case Refusal.NOT_JSON:
            return failures.parse_error(f"JSON parse error - {refused.detail}")
        case _:
            return failures.parse_error(refused.detail or refused.message)
