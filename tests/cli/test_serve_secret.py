"""`tenantgrid serve` without a usable JWT secret stops at once with a clear message, before any worker
starts and before a demo tenant's keys are shown for a server that cannot run."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tenantgrid.db.engine import create_engine
from tenantgrid.settings import Settings
from tenantgrid.tenancy.provision import prepare_database
from tests.conftest import throwaway_database

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def secretless_database(database_url: str, settings: Settings) -> Iterator[str]:
    """A prepared database whose control plane lost its `jwt_secret` row."""
    with throwaway_database(database_url, "tenantgrid_nosecret") as url:

        async def prepare() -> None:
            engine = create_engine(url)
            try:
                await prepare_database(engine, settings)
                async with engine.begin() as conn:
                    await conn.exec_driver_sql(
                        f"DELETE FROM \"{settings.control_schema}\".server_secrets WHERE name = 'jwt_secret'"
                    )
            finally:
                await engine.dispose()

        asyncio.run(prepare())
        yield url


def _serve(url: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k != "TENANTGRID_JWT_SECRET"}
    return subprocess.run(
        [sys.executable, "-m", "tenantgrid.cli", "serve", "--port", "0", "--workers", "2"],
        cwd=ROOT,
        env={**clean, "TENANTGRID_DATABASE_URL": url, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_serve_without_a_secret_row_stops_with_a_clear_message(secretless_database: str) -> None:
    done = _serve(secretless_database)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Error: no JWT secret: the row 'jwt_secret' of tenantgrid.server_secrets is missing" in done.stderr
    assert "Traceback" not in done.stderr
    assert "secret key" not in done.stdout  # no demo tenant was made


def test_serve_with_a_short_configured_secret_stops(secretless_database: str) -> None:
    done = _serve(secretless_database, TENANTGRID_JWT_SECRET="too short")
    assert done.returncode != 0
    assert "TENANTGRID_JWT_SECRET is 9 bytes long; HS256 needs at least 32" in done.stderr
    assert "too short" not in done.stderr  # the error never shows the secret
