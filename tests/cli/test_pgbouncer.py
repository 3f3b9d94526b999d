"""Behind a real PgBouncer in transaction mode (TENANTGRID_STATEMENT_CACHE_SIZE=0), the CLI, alembic
and a two-worker server work: provisioning, reads, writes, sign-in and refresh, key revocation.

PgBouncer hands each transaction whichever server connection is free, and keeps few of them
(default_pool_size 3 here), so every client's statements meet on the same server connections: a
statement name two clients both use, or session state one leaves behind, shows up at once.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.cli.pgbouncer import INSTALL_HINT, pgbouncer_binary, running_pgbouncer
from tests.cli.served import ROOT, TENANTGRID, Server
from tests.conftest import throwaway_database

BINARY = pgbouncer_binary()
PASSWORD = "bouncer password 1"
AUTH_CACHE_TTL = 0.3

pytestmark = pytest.mark.skipif(BINARY is None, reason=f"the pgbouncer binary was not found: {INSTALL_HINT}")


@pytest.fixture(scope="module")
def bouncer_env(database_url: str) -> Iterator[dict[str, str]]:
    assert BINARY is not None
    with (
        throwaway_database(database_url, "tenantgrid_pgbouncer") as target,
        running_pgbouncer(target, BINARY) as url,
    ):
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        yield {
            **env,
            "TENANTGRID_DATABASE_URL": url,
            "TENANTGRID_STATEMENT_CACHE_SIZE": "0",
            "TENANTGRID_AUTH_CACHE_TTL": str(AUTH_CACHE_TTL),
            "TENANTGRID_POOL_SIZE": "4",
            "TENANTGRID_LOG_REQUESTS": "false",
        }


def run(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def create_tenant(env: dict[str, str], name: str) -> dict[str, Any]:
    out = run(
        env,
        TENANTGRID,
        "tenants",
        "create",
        name,
        "--email",
        f"{name}@example.com",
        "--password",
        PASSWORD,
        "--json",
    )
    return json.loads(out)


def test_cli_and_two_worker_server_work_behind_pgbouncer_in_transaction_mode(
    bouncer_env: dict[str, str],
) -> None:
    env = bouncer_env
    # The CLI: every command is a new client on the same few server connections.
    acme = create_tenant(env, "acme")
    bolt = create_tenant(env, "bolt")
    assert {t["tenant"] for t in json.loads(run(env, TENANTGRID, "tenants", "list", "--json"))} == {
        "acme",
        "bolt",
    }
    assert "2 of 2 tenants" in run(env, TENANTGRID, "tenants", "migrate", "--all")
    # alembic by hand (migrations/*/env.py).
    run(env, sys.executable, "-m", "alembic", "-n", "tenant", "-x", f"schema={bolt['schema']}", "current")

    server = Server(env, workers=2)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{server.port}", timeout=10) as http:
            _reads_and_writes(http, acme)
            _reads_and_writes(http, bolt)
            _sign_in_and_refresh(http, acme)
            # Provisioning while the server runs: the new tenant's key works at once.
            carol = create_tenant(env, "carol")
            _reads_and_writes(http, carol)
            _revoked_key_stops_working(http, env, acme)
            assert _status(http, bolt["secret_key"]) == 200
    finally:
        server.stop()
    assert "already exists" not in "".join(server.lines)


def _status(http: httpx.Client, key: str) -> int:
    return http.get("/rest/v1/things?select=id&limit=1", headers={"apikey": key}).status_code


def _reads_and_writes(http: httpx.Client, tenant: dict[str, Any]) -> None:
    headers = {"apikey": tenant["secret_key"]}
    for _ in range(12):  # spread over both workers and every server connection
        things = http.get("/rest/v1/things?select=name&order=name", headers=headers)
        assert things.status_code == 200, things.text
        assert [t["name"] for t in things.json()] == ["Asset", "Customer", "Ticket"]
    created = http.post(
        "/rest/v1/things",
        headers={**headers, "Prefer": "return=representation"},
        json={"name": f"{tenant['tenant']} bounced"},
    )
    assert created.status_code == 201, created.text
    thing_id = created.json()[0]["id"]
    patched = http.patch(
        f"/rest/v1/things?id=eq.{thing_id}",
        headers={**headers, "Prefer": "return=representation"},
        json={"name": "renamed"},
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()[0]["name"] == "renamed"
    read = http.get(f"/rest/v1/things?id=eq.{thing_id}&select=name", headers=headers)
    assert read.json() == [{"name": "renamed"}]
    deleted = http.delete(f"/rest/v1/things?id=eq.{thing_id}", headers=headers)
    assert deleted.status_code == 204, deleted.text
    assert http.get(f"/rest/v1/things?id=eq.{thing_id}", headers=headers).json() == []


def _sign_in_and_refresh(http: httpx.Client, tenant: dict[str, Any]) -> None:
    key = {"apikey": tenant["publishable_key"]}
    session = http.post(
        "/auth/v1/token?grant_type=password",
        headers=key,
        json={"email": tenant["email"], "password": PASSWORD},
    )
    assert session.status_code == 200, session.text
    refreshed = http.post(
        "/auth/v1/token?grant_type=refresh_token",
        headers=key,
        json={"refresh_token": session.json()["refresh_token"]},
    )
    assert refreshed.status_code == 200, refreshed.text
    assert refreshed.json()["refresh_token"] != session.json()["refresh_token"]
    for token in (session.json()["access_token"], refreshed.json()["access_token"]):
        things = http.get("/rest/v1/things?select=name", headers={**key, "Authorization": f"Bearer {token}"})
        assert things.status_code == 200, things.text
        assert len(things.json()) == 3
    user = http.get(
        "/auth/v1/user", headers={**key, "Authorization": f"Bearer {refreshed.json()['access_token']}"}
    )
    assert user.status_code == 200, user.text
    assert user.json()["email"] == tenant["email"]


def _revoked_key_stops_working(http: httpx.Client, env: dict[str, str], tenant: dict[str, Any]) -> None:
    name, key = tenant["tenant"], tenant["secret_key"]
    assert _status(http, key) == 200
    listed = json.loads(run(env, TENANTGRID, "keys", "list", "--tenant", name, "--json"))
    (secret_id,) = [
        k["id"] for k in listed if k["kind"] == "secret" and key.startswith(k["prefix"].rstrip("…"))
    ]
    run(env, TENANTGRID, "keys", "revoke", "--tenant", name, str(secret_id))
    revoked_at = time.monotonic()
    while _status(http, key) != 401:
        assert time.monotonic() - revoked_at < AUTH_CACHE_TTL + 3, "the revoked key still works"
        time.sleep(0.05)
    assert {_status(http, key) for _ in range(10)} == {401}  # on both workers
