"""create_app(): the ASGI application. The lifespan prepares the database, reflects the catalog
once and opens the pool; every API's routes are mounted here."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from starlette.middleware.cors import CORSMiddleware

from tenantgrid import __version__
from tenantgrid.admin.routes import mount_admin
from tenantgrid.apis.cmdb.openapi import add_cmdb
from tenantgrid.apis.cmdb.routes import routes as cmdb_routes
from tenantgrid.apis.gainfully.openapi import add_gainfully
from tenantgrid.apis.gainfully.routes import routes as gainfully_routes
from tenantgrid.apis.gridly.openapi import add_gridly
from tenantgrid.apis.gridly.routes import routes as gridly_routes
from tenantgrid.apis.postgrest.openapi import add_postgrest
from tenantgrid.apis.postgrest.routes import routes as postgrest_routes
from tenantgrid.auth.authenticate import Authenticator
from tenantgrid.auth.secret import signing_secret
from tenantgrid.catalog.reflect import reflect_catalog
from tenantgrid.db.engine import create_engine
from tenantgrid.db.pool import create_pools
from tenantgrid.db.url import resolve_database_url
from tenantgrid.files import open_file_store
from tenantgrid.http.docs import mount_docs
from tenantgrid.http.health import mount_health
from tenantgrid.http.metrics import Metrics, mount_metrics
from tenantgrid.http.observe import ObserveRequests
from tenantgrid.http.openapi_tags import API_TAGS
from tenantgrid.http.request_context import install_log_records
from tenantgrid.memory import collect_less_often, freeze_startup_objects, return_large_blocks_to_the_system
from tenantgrid.query.compile import Compiler
from tenantgrid.ratelimit.limiter import create_rate_limiter
from tenantgrid.runtime import Runtime
from tenantgrid.settings import Settings, get_settings
from tenantgrid.signup import mount_signup
from tenantgrid.tenancy.control import Control
from tenantgrid.tenancy.provision import prepare_database

# What browser clients (supabase-js among them) send and must be allowed to read, as PostgREST allows.
CORS_REQUEST_HEADERS = [
    "apikey",
    "api-key",
    "authorization",
    "accept",
    "accept-profile",
    "content-profile",
    "content-type",
    "prefer",
    "range",
    "x-client-info",
    "x-request-id",
    "x-supabase-api-version",
]
CORS_RESPONSE_HEADERS = [
    "Content-Range",
    "Content-Profile",
    "Content-Location",
    "Location",
    "Preference-Applied",
    "X-Request-Id",
]

DESCRIPTION = """
One self-hosted, multi-tenant server for hosted data APIs, a PostgreSQL schema per tenant.

Authenticate with your tenant's key in the `apikey` header. A **secret** key gives full access to
your tenant; with a **publishable** key, sign in at `/auth/v1/token?grant_type=password` and send the
returned `access_token` as `Authorization: Bearer ...`. Pick a schema with `Accept-Profile` (reads)
or `Content-Profile` (writes); without one, your own schema is used.

Signed in to the admin panel (`/admin`)? Then this page acts for your tenant: "Try it out" sends
a key of your panel session, nothing to paste.
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    metrics = Metrics(tenant_labels=settings.metrics_tenant_labels) if settings.metrics else None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        url = resolve_database_url(settings)
        engine = create_engine(url, settings)
        try:
            await prepare_database(engine, settings)
            async with engine.connect() as conn:
                catalog = await reflect_catalog(conn, settings.template_schema)
                jwt_secret = await signing_secret(settings, Control(conn, settings.control_schema))
        finally:
            await engine.dispose()
        pools = await create_pools(url, settings)
        try:
            files = await open_file_store(settings, pools)
        except BaseException:
            await pools.close()
            raise
        app.state.runtime = Runtime(
            settings=settings,
            pools=pools,
            catalog=catalog,
            compiler=Compiler(catalog),
            authenticator=Authenticator(pools.control, settings, jwt_secret),
            jwt_secret=jwt_secret,
            rate_limiter=create_rate_limiter(settings, pools),
            files=files,
        )
        app.openapi_schema = None
        return_large_blocks_to_the_system()
        collect_less_often()
        freeze_startup_objects()
        gauges = None
        if metrics is not None and metrics.multiprocess:
            gauges = asyncio.create_task(metrics.refresh_pool_forever(pools))
        try:
            yield
        finally:
            if gauges is not None:
                gauges.cancel()
                with suppress(asyncio.CancelledError):
                    await gauges
            if metrics is not None:
                metrics.process_exited()
            await app.state.runtime.rate_limiter.close()
            await files.close()
            await pools.close()

    app = FastAPI(
        title="tenantgrid",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # served below from packaged assets, not a CDN
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    # The data routes first: the router tries routes in order, and every route ahead of them costs
    # each data request a failed match (the eight probe and metrics routes cost about 4% of a read).
    app.router.routes[:0] = postgrest_routes()
    mount_docs(app)
    mount_health(app, settings)
    mount_signup(app)
    if metrics is not None:
        mount_metrics(app, metrics)
    # After PostgREST's: its /rest/v1 paths are matched first; the CMDB takes the rest of /rest/.
    app.router.routes.extend(cmdb_routes())
    # Gridly under /v1/ (not PostgREST's /rest/v1, not /v1.0/): after the data routes.
    app.router.routes.extend(gridly_routes())
    # Gainfully under /v1.0/ (its catch-all takes only /v1.0 and below).
    app.router.routes.extend(gainfully_routes())
    # The admin panel last (no API request tries its routes first); left out of /openapi.json.
    mount_admin(app)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            spec = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
                tags=API_TAGS,
            )
            runtime: Runtime | None = getattr(app.state, "runtime", None)
            if runtime is not None:
                add_postgrest(spec, runtime.catalog)
            add_cmdb(spec)
            add_gridly(spec)
            add_gainfully(spec)
            app.openapi_schema = spec
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "HEAD", "POST", "PATCH", "PUT", "DELETE", "OPTIONS"],
            allow_headers=CORS_REQUEST_HEADERS,
            expose_headers=CORS_RESPONSE_HEADERS,
            max_age=86400,
        )
    # Added last, so outermost: every response, the CORS middleware's own included, gets the id.
    app.add_middleware(
        ObserveRequests, metrics=metrics, log_requests=settings.log_requests, routes=app.router.routes
    )
    install_log_records()
    logging.getLogger("tenantgrid").setLevel(logging.INFO)
    return app
