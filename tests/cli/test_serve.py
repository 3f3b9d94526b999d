"""`tenantgrid serve` as a user runs it: a real process, a real socket, a fresh database."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import throwaway_database

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def empty_database(database_url: str) -> Iterator[str]:
    with throwaway_database(database_url, "tenantgrid_serve") as url:
        yield url


def _stop(process: subprocess.Popen[str]) -> None:
    process.terminate()
    process.wait(timeout=20)
    if process.stdout is not None:
        process.stdout.close()


def _start(url: str, port: int, workers: int) -> subprocess.Popen[str]:
    env = {**os.environ, "TENANTGRID_DATABASE_URL": url}
    return subprocess.Popen(
        [sys.executable, "-m", "tenantgrid.cli", "serve", "--port", str(port), "--workers", str(workers)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _read_until_serving(process: subprocess.Popen[str], deadline: float) -> str:
    assert process.stdout is not None
    output = ""
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        output += line
        if "Application startup complete" in line:
            return output
    raise AssertionError(f"server did not start:\n{output}")


@pytest.mark.parametrize("workers", [1, 2])
def test_serve_creates_demo_tenant_prints_keys_and_serves(empty_database: str, workers: int) -> None:
    port = _free_port()
    process = _start(empty_database, port, workers)
    try:
        output = _read_until_serving(process, time.monotonic() + 60)
        schema = re.search(r"schema \(Accept-Profile / Content-Profile\): (\S+)", output)
        secret_key = re.search(r"secret key:\s+(tg_sk_\S+)", output)
        publishable = re.search(r"publishable key:\s+(tg_pk_\S+)", output)
        login = re.search(r"admin login:\s+(\S+) / (\S+)", output)
        assert schema and secret_key and publishable and login, output
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, timeout=10) as http:
            things = http.get("/rest/v1/things?select=name", headers={"apikey": secret_key[1]})
            assert things.status_code == 200
            assert things.headers["content-profile"] == schema[1]
            assert {t["name"] for t in things.json()} == {"Customer", "Asset", "Ticket"}
            session = http.post(
                "/auth/v1/token?grant_type=password",
                headers={"apikey": publishable[1]},
                json={"email": login[1], "password": login[2]},
            )
            assert session.status_code == 200
            assert session.json()["user"]["email"] == "admin@example.com"
    finally:
        _stop(process)
    # A second start on the same database finds the tenant and prints no new keys.
    process = _start(empty_database, port, 1)
    try:
        output = _read_until_serving(process, time.monotonic() + 60)
        assert "secret key" not in output
    finally:
        _stop(process)
