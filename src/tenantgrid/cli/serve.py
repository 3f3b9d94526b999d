"""`tenantgrid serve`: prepare the database, make a demo tenant on an empty one, run uvicorn."""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

import click
import uvicorn

from tenantgrid.auth.secret import signing_secret
from tenantgrid.cli.database import load_settings, run_with_engine
from tenantgrid.db.url import resolve_database_url
from tenantgrid.http.log_format import log_config
from tenantgrid.http.metrics import MULTIPROCESS_DIR
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
    settings = load_settings()
    # Worker processes inherit the resolved URL, so only this process starts (and later stops)
    # an embedded PostgreSQL.
    os.environ["TENANTGRID_DATABASE_URL"] = resolve_database_url(settings)
    get_settings.cache_clear()
    password = secrets.token_urlsafe(12)

    async def ensure_demo(engine, settings) -> ProvisionedTenant | None:  # type: ignore[no-untyped-def]
        async with engine.connect() as conn:
            control = Control(conn, settings.control_schema)
            await signing_secret(settings, control)  # no usable secret: one clear error, before any worker
            if await control.tenants():
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
    with metrics_directory(workers > 1 and settings.metrics):
        uvicorn.run(
            "tenantgrid.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            access_log=False,
            log_level="info",
            log_config=log_config(settings.log_format),
        )


@contextmanager
def metrics_directory(needed: bool) -> Iterator[None]:
    """Prometheus's multi-process mode: a fresh directory where every worker writes its values.

    Set before uvicorn spawns the workers, which read it when they import prometheus_client. A
    directory the operator chose (PROMETHEUS_MULTIPROC_DIR already set) is used as it is.
    """
    if not needed or MULTIPROCESS_DIR in os.environ:
        yield
        return
    directory = tempfile.mkdtemp(prefix="tenantgrid-metrics-")
    os.environ[MULTIPROCESS_DIR] = directory
    try:
        yield
    finally:
        del os.environ[MULTIPROCESS_DIR]
        shutil.rmtree(directory, ignore_errors=True)
