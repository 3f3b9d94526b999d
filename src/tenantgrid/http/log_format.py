"""How `tenantgrid serve` writes its log: text lines (the default) or one JSON object per line.

Both formats cover tenantgrid's loggers and uvicorn's, and both carry the request id of any record
emitted while a request was handled (see `request_context.install_log_records`).
"""

from __future__ import annotations

import logging
from typing import Any, Literal

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

from tenantgrid.http.request_context import install_log_records

LogFormat = Literal["text", "json"]
ACCESS_LOGGER = "tenantgrid.access"


class TextFormatter(logging.Formatter):
    """`time level logger: message`, plus `request_id=...` on lines logged during a request."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")
        install_log_records()

    def formatMessage(self, record: logging.LogRecord) -> str:
        line = super().formatMessage(record)
        request_id = getattr(record, "request_id", None)
        if request_id is not None and record.name != ACCESS_LOGGER:  # the access line has it already
            line += f" request_id={request_id}"
        return line


def json_formatter() -> JsonFormatter:
    """`{"timestamp", "level", "logger", "process", "message", "request_id", ...}`, plus the
    record's extra fields (the access line's method, path, status, duration_ms, tenant)."""
    install_log_records()
    return JsonFormatter(
        "%(levelname)s %(name)s %(process)d %(message)s %(request_id)s",
        rename_fields={"levelname": "level", "name": "logger"},
        reserved_attrs=[*RESERVED_ATTRS, "color_message"],  # uvicorn's coloured copy of the message
        timestamp=True,
    )


def log_config(log_format: LogFormat) -> dict[str, Any]:
    """A `logging.config.dictConfig` for uvicorn's `log_config`, applied in every worker process."""
    formatter = (
        {"()": f"{__name__}.json_formatter"} if log_format == "json" else {"()": f"{__name__}.TextFormatter"}
    )
    handler = {"class": "logging.StreamHandler", "formatter": "default", "stream": "ext://sys.stderr"}
    logger = {"handlers": ["default"], "level": "INFO", "propagate": False}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"default": formatter},
        "handlers": {"default": handler},
        "loggers": {
            "uvicorn": logger,
            "uvicorn.error": {"level": "INFO"},
            "uvicorn.access": logger,
            "tenantgrid": logger,
        },
    }
