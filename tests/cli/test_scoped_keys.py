"""`tenantgrid keys create --views V1,V2`: a secret key scoped to some Gridly views.

Such a key is stored with its views (control plane `api_keys.views`), listed with them, and refused by
every API but Gridly's (the Gridly routes' own tests check what it reaches there).
"""

from __future__ import annotations

import json

import asyncpg
import pytest
from starlette.testclient import TestClient

from tests.cli import test_cli
from tests.cli.test_cli import Invoke, clean_failure, create
from tests.conftest import Database

cli = test_cli.cli
_cleanup = test_cli._cleanup
"""The CLI fixtures of test_cli, and its autouse cleanup of the `cli_*` tenants made here."""


def _view(db: Database, schema: str, name: str) -> str:
    """A grid with one view in `schema`, written directly; the view's id."""
    grid = db.value(
        f'INSERT INTO "{schema}".gridly_grids (database_id, name) '
        f'SELECT id, $1 FROM "{schema}".gridly_databases LIMIT 1 RETURNING id',
        name,
    )
    return db.value(
        f'INSERT INTO "{schema}".gridly_views (grid_id, name, is_default) VALUES ($1, $2, true) RETURNING id',
        grid,
        name,
    )


def test_a_key_scoped_to_views_is_stored_listed_and_refused_elsewhere(
    cli: Invoke, client: TestClient, db: Database
) -> None:
    tenant = create(cli, "cli_scoped")
    first, second = _view(db, tenant["schema"], "first"), _view(db, tenant["schema"], "second")

    made = cli("keys", "create", "--tenant", "cli_scoped", "--views", f"{first}, {second},{first}", "--json")
    assert made.exit_code == 0, made.output
    created = json.loads(made.stdout)
    assert created["kind"] == "secret" and created["key"].startswith("tg_sk_")
    assert created["views"] == [first, second]  # trimmed, repeats dropped, order kept
    stored = db.value("SELECT views FROM tenantgrid.api_keys WHERE prefix = $1", created["key"][:12] + "…")
    assert stored == [first, second]

    listed = json.loads(cli("keys", "list", "--tenant", "cli_scoped", "--json").stdout)
    scoped = [k for k in listed if "views" in k]
    assert [k["views"] for k in scoped] == [[first, second]]
    assert all(
        set(k) == {"id", "kind", "prefix", "created_at", "revoked_at"} for k in listed if k not in scoped
    )
    assert f"views {first},{second}" in cli("keys", "list", "--tenant", "cli_scoped").output

    # Every API but Gridly's treats it as no key at all; the tenant's full key still works.
    key = created["key"]
    for path in ("/rest/v1/things", "/rest/users/"):
        refused = client.get(path, headers={"apikey": key})
        assert refused.status_code == 401, (path, refused.text)
        assert "scoped to Gridly views" in refused.text or "Invalid API key" in refused.text
    assert client.get("/rest/v1/things", headers={"apikey": tenant["secret_key"]}).status_code == 200
    login = client.post(
        "/auth/v1/token?grant_type=password",
        headers={"apikey": key},
        json={"email": "cli_scoped@example.com", "password": "whatever it is"},
    )
    assert login.status_code == 401, login.text


def test_scoped_key_needs_real_views_of_its_tenant(cli: Invoke, db: Database) -> None:
    tenant = create(cli, "cli_scoped_views")
    other = create(cli, "cli_scoped_other")
    foreign = _view(db, other["schema"], "foreign")
    before = db.value("SELECT count(*) FROM tenantgrid.api_keys")
    clean_failure(
        cli("keys", "create", "--tenant", "cli_scoped_views", "--views", "nosuchview"),
        "has no Gridly view nosuchview",
    )
    clean_failure(
        cli("keys", "create", "--tenant", "cli_scoped_views", "--views", foreign),
        f"has no Gridly view {foreign}",
    )
    own = _view(db, tenant["schema"], "own")
    clean_failure(
        cli("keys", "create", "--tenant", "cli_scoped_views", "--kind", "publishable", "--views", own),
        "only a secret key can be scoped",
    )
    clean_failure(
        cli("keys", "create", "--tenant", "cli_scoped_views", "--views", " , "), "at least one view"
    )
    assert db.value("SELECT count(*) FROM tenantgrid.api_keys") == before


def test_the_control_plane_refuses_a_scoped_key_without_views_or_not_secret(
    cli: Invoke, db: Database
) -> None:
    create(cli, "cli_scoped_check")
    tenant_id = db.value("SELECT id FROM tenantgrid.tenants WHERE name = 'cli_scoped_check'")
    for kind, views in (("secret", []), ("publishable", ["v"])):
        with pytest.raises(asyncpg.CheckViolationError, match="api_keys_views_check"):
            db.fetch(
                "INSERT INTO tenantgrid.api_keys (tenant_id, kind, prefix, key_hash, views) "
                "VALUES ($1, $2, 'x', gen_random_uuid()::text::bytea, $3)",
                tenant_id,
                kind,
                views,
            )
