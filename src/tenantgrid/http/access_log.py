"""One log line per request: method, path, status, milliseconds, tenant, request id.

The same values ride on the record as attributes (`method`, `path`, `status`, `duration_ms`,
`tenant`; `request_id` comes with every record), so the JSON log format shows them as fields.
"""

from __future__ import annotations

import logging

log = logging.getLogger("tenantgrid.access")
MESSAGE = "%s %s %d %.1fms tenant=%s request_id=%s"


def log_request(
    method: str, path: str, status: int, milliseconds: float, tenant: str | None, request_id: str
) -> None:
    if not log.isEnabledFor(logging.INFO):
        return
    extra = {
        "method": method,
        "path": path,
        "status": status,
        "duration_ms": round(milliseconds, 3),
        "tenant": tenant,
    }
    args = (method, path, status, milliseconds, tenant or "-", request_id)
    # makeRecord + handle is what log.info does, minus the search of the stack for the caller (a
    # third of the cost of a line on every request); the caller is always this function.
    log.handle(log.makeRecord(log.name, logging.INFO, __file__, 0, MESSAGE, args, None, "log_request", extra))
