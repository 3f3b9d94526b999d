"""The one guard around an API's endpoints: its own errors rendered in its shape, a client gone mid-body
answered 499, a database failure mapped to the error it means, anything else logged and answered as
that API's 500. Each API passes its renderer and its 500 (and, where it needs one, a last adaptation of
an error raised by a shared layer)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from tenantgrid import errors
from tenantgrid.db.execute import database_error
from tenantgrid.http.endpoints import Handler

Render = Callable[[Request, errors.ApiError], Response]


def guarded(
    handler: Handler,
    render: Render,
    internal: Callable[[Exception], errors.ApiError],
    log: logging.Logger,
    adapt: Callable[[errors.ApiError], errors.ApiError] | None = None,
) -> Handler:
    async def endpoint(request: Request) -> Response:
        try:
            return await handler(request)
        except errors.ApiError as error:
            return render(request, adapt(error) if adapt is not None else error)
        except ClientDisconnect:
            return Response(status_code=499)  # nobody is left to answer; not a server fault
        except Exception as exc:
            error = database_error(exc)
            if error is None:
                log.exception("unhandled error on %s %s", request.method, request.url.path)
                error = internal(exc)
            return render(request, error)

    return endpoint
