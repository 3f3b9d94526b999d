"""A request's body, read within a size limit: an announced Content-Length over it (or not a number)
is refused before a byte is read, and a body that grows past it while streaming is cut off. Shared by
every API; the refusals are PostgREST's (PGRST102, 413), which the other APIs map into their shapes."""

from __future__ import annotations

from starlette.requests import Request

from tenantgrid import errors
from tenantgrid.http.integers import is_ascii_integer, parse_bigint


async def read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None:
        text = declared.strip(" \t")
        announced = parse_bigint(text)
        if announced is None and not is_ascii_integer(text):
            raise errors.body_error(
                "Invalid Content-Length header", f"expecting a number of bytes, got {declared[:40]!r}"
            )
        if announced is None or announced > limit:  # digits beyond a bigint are too large too
            raise errors.body_too_large(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise errors.body_too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)
