"""What the server knows about the request being handled, reachable from anywhere while it runs.

The observing middleware (`http/observe.py`) sets it for the request's task; log records take the
request id from here (see `install_log_records`), and error renderers note the error code they
answered with, which the metrics read back once the response is sent.
"""

from __future__ import annotations

import logging
import os
import re
from contextvars import ContextVar
from typing import Any

HEADER = "x-request-id"
MAX_LENGTH = 128
# An HTTP token (RFC 9110's tchar): printable ASCII with no spaces, quotes or separators, so that
# an id copied into a log line or a header can never break either.
_VALID = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]{1," + str(MAX_LENGTH).encode() + rb"}")


class RequestContext:
    __slots__ = ("error_code", "request_id")

    def __init__(self, request_id: str) -> None:
        self.request_id = request_id
        self.error_code: str | None = None
        """The API error code the request was answered with, if an error renderer noted one."""


current: ContextVar[RequestContext | None] = ContextVar("tenantgrid_request", default=None)


def request_id_from(header: bytes | None) -> str:
    """The client's `X-Request-Id` when it is a valid token, else a new random id."""
    if header is not None and _VALID.fullmatch(header):
        return header.decode("ascii")
    return os.urandom(16).hex()


def current_request_id() -> str | None:
    context = current.get()
    return None if context is None else context.request_id


def note_error_code(code: str) -> None:
    """Called where an API error is rendered: remember its code for this request's metrics."""
    context = current.get()
    if context is not None:
        context.error_code = code


def install_log_records() -> None:
    """Give every log record a `request_id` attribute: the id of the request being handled, or None.

    A record factory rather than a filter, because a filter on one handler or logger misses records
    that other handlers (pytest's caplog, an embedding application's) receive.
    """
    previous = logging.getLogRecordFactory()
    if getattr(previous, "adds_request_id", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        context = current.get()
        record.request_id = None if context is None else context.request_id
        return record

    factory.adds_request_id = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)
