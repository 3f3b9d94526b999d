"""`tenantgrid serve`: prepare the database, make a demo tenant on an empty one, run uvicorn."""

from __future__ import annotations

import os
import secrets
import signal
import sys

import click
import uvicorn

from tenantgrid.cli.database import run_with_engine
from tenantgrid.db.url import resolve_database_url
from tenantgrid.settings import get_settings
from tenantgrid.tenancy.control import Control
from tenantgrid.tenancy.provision import ProvisionedTenant, create_tenant

DEMO_EMAIL = "admin@example.com"


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int, help="Server processes.")
def serve(host: str, port: int, workers: int) -> None:
    """Migrate the control plane and template schema, then serve every API."""
    settings = get_settings()
    # Worker processes inherit the resolved URL, so only this process starts (and later stops)
    # an embedded PostgreSQL.
    os.environ["TENANTGRID_DATABASE_URL"] = resolve_database_url(settings)
    get_settings.cache_clear()
    password = secrets.token_urlsafe(12)

    async def ensure_demo(engine, settings) -> ProvisionedTenant | None:  # type: ignore[no-untyped-def]
        async with engine.connect() as conn:
            if await Control(conn, settings.control_schema).tenants():
                return None
        return await create_tenant(engine, settings, "demo", DEMO_EMAIL, password)

    demo = run_with_engine(ensure_demo)
    if demo is not None:
        click.echo("Created the demo tenant (the keys are shown only now):")
        click.echo(f"  schema (Accept-Profile / Content-Profile): {demo.schema}")
        click.echo(f"  publishable key: {demo.publishable_key}")
        click.echo(f"  secret key:      {demo.secret_key}")
        click.echo(f"  admin login:     {DEMO_EMAIL} / {password}")
    click.echo(f"Serving on http://{host}:{port}  (API docs: http://{host}:{port}/docs)")
    # uvicorn shuts down gracefully on SIGTERM, then re-raises the signal to the handler it found.
    # With Python's default (die at once) the embedded PostgreSQL's atexit hook would never run and
    # the cluster would outlive the server; exiting normally lets it stop.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    uvicorn.run(
        "tenantgrid.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,
        log_level="info",
    )
