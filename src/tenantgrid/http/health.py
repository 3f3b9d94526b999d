"""`/live`, `/ready` and `/health` (an alias of `/ready`): unauthenticated and cheap, for probes.

Live means the process answers; it never touches the database, so a database outage does not get
healthy processes restarted. Ready means this process can serve: the start-up finished (catalog
reflected, pool open), the database answers within `READY_TIMEOUT_S`, and the control plane and
the template schema are at the revisions this code expects. That check is one round trip: the
expected heads are read from the migration scripts once, at start-up.

A saturated pool (every connection busy) is load, not a fault: the check then runs on a connection
of its own instead of queueing behind the requests (where it would time out and read as a database
that does not answer), and `/ready` stays 200 with `"pool": "saturated"`. Taking a saturated process
out of rotation would only move its load to the others, which share the same database; its
requests already wait boundedly and then answer 503 PGRST003 with Retry-After.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import JSONResponse

from tenantgrid.runtime import Runtime
from tenantgrid.settings import Settings
from tenantgrid.tenancy.migrate import head_revision
from tenantgrid.tenancy.names import quote_ident

READY_TIMEOUT_S = 2.0
log = logging.getLogger("tenantgrid.health")

_NOT_READY: dict[int | str, dict[str, Any]] = {
    503: {
        "description": "Not ready: a check failed (which one is in `checks`)",
        "content": {
            "application/json": {
                "example": {
                    "status": "unavailable",
                    "checks": {
                        "startup": "ok",
                        "catalog": "ok",
                        "pool": "saturated",
                        "database": "unreachable",
                        "migrations": "unknown",
                    },
                }
            }
        },
    }
}


class Readiness:
    def __init__(self, settings: Settings) -> None:
        self.expected = (head_revision("control"), head_revision("tenant"))
        control = quote_ident(settings.control_schema)
        template = quote_ident(settings.template_schema)
        self.sql = (
            f"SELECT (SELECT version_num FROM {control}.alembic_version), "
            f"(SELECT version_num FROM {template}.alembic_version)"
        )

    async def checks(self, runtime: Runtime | None) -> dict[str, str]:
        if runtime is None:
            return {"startup": "in progress"}
        checks = {"startup": "ok", "catalog": "ok" if runtime.catalog.resources else "empty"}
        pool = runtime.pools.pool
        saturated = pool.saturated()
        checks["pool"] = "saturated" if saturated else "ok"
        try:
            async with asyncio.timeout(READY_TIMEOUT_S):
                if saturated:
                    async with pool.dedicated() as connection:
                        row = await connection.fetchrow(self.sql)
                else:  # an idle connection is taken at once (the control plane's key is uncapped)
                    row = await runtime.pools.control.fetchrow(self.sql)
        except TimeoutError:
            checks |= {"database": "timeout", "migrations": "unknown"}
        except Exception as exc:  # whatever the way to the database failed with, the answer is the same
            log.warning("readiness: the database is unreachable: %s: %s", type(exc).__name__, exc)
            checks |= {"database": "unreachable", "migrations": "unknown"}
        else:
            assert row is not None
            checks["database"] = "ok"
            checks["migrations"] = "ok" if tuple(row) == self.expected else "not at head"
        return checks


def is_ready(checks: dict[str, str]) -> bool:
    """Every check passed; a saturated pool passes (see the module's docstring)."""
    return all(value == "ok" or (name, value) == ("pool", "saturated") for name, value in checks.items())


def mount_health(app: FastAPI, settings: Settings) -> None:
    readiness = Readiness(settings)

    async def live() -> JSONResponse:
        return JSONResponse({"status": "ok"})

    async def ready(request: Request) -> JSONResponse:
        checks = await readiness.checks(getattr(request.app.state, "runtime", None))
        ok = is_ready(checks)
        return JSONResponse({"status": "ok" if ok else "unavailable", "checks": checks}, 200 if ok else 503)

    probes = (
        ("/live", live, "Liveness: the process answers (the database is not consulted)", None),
        (
            "/ready",
            ready,
            "Readiness: the database answers, the catalog is loaded, migrations are at head",
            _NOT_READY,
        ),
        ("/health", ready, "Readiness (an alias of /ready)", _NOT_READY),
    )
    for path, endpoint, summary, responses in probes:
        for method in ("GET", "HEAD"):
            app.add_api_route(
                path,
                endpoint,
                methods=[method],
                tags=["server"],
                summary=summary,
                responses=responses,
                operation_id=f"{path.strip('/')}_{method.lower()}",
            )
