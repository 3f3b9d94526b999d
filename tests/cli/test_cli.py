"""`tenantgrid tenants ...` and `tenantgrid keys ...` against the session's test database.

The CLI reads its settings from the environment (`get_settings()`, cached), so each invocation
clears that cache with TENANTGRID_DATABASE_URL pointing at the test database. Tenants made here are
named `cli_*` and dropped when the module ends.
"""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator

import pytest
from click.testing import CliRunner, Result
from starlette.testclient import TestClient

from tenantgrid.cli import main
from tenantgrid.db.engine import create_engine
from tenantgrid.settings import Settings, get_settings
from tenantgrid.tenancy import provision
from tenantgrid.tenancy.control import Control
from tenantgrid.tenancy.migrate import head_revision
from tenantgrid.tenancy.provision import ProvisionedTenant, create_tenant, drop_tenant
from tests.conftest import Database

PASSWORD = "cli password 123"
COPIED = ("things", "fields", "entries", "field_entries")
Invoke = Callable[..., Result]


def rows_digest(db: Database, schema: str, table: str) -> tuple[int, str]:
    row = db.fetch(
        f"SELECT count(*), coalesce(md5(string_agg(t::text, '|' ORDER BY t.id)), '') FROM \"{schema}\".{table} t"
    )[0]
    return row[0], row[1]


def schema_exists(db: Database, schema: str) -> bool:
    return bool(db.value("SELECT count(*) FROM pg_namespace WHERE nspname = $1", schema))


def clean_failure(result: Result, *fragments: str) -> None:
    """A refused command: non-zero exit, a message, and no traceback (click ended it, not a crash)."""
    assert result.exit_code != 0, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    for fragment in fragments:
        assert fragment in result.output, result.output


def _drop_cli_tenants(settings: Settings) -> None:
    async def work() -> None:
        engine = create_engine(settings.database_url or "")
        try:
            async with engine.connect() as conn:
                names = [t.name for t in await Control(conn, settings.control_schema).tenants()]
            for name in names:
                if name.startswith("cli_"):
                    await drop_tenant(engine, settings, name)
        finally:
            await engine.dispose()

    asyncio.run(work())


@pytest.fixture(scope="module", autouse=True)
def _cleanup(settings: Settings, tenants: dict[str, ProvisionedTenant]) -> Iterator[None]:
    yield
    _drop_cli_tenants(settings)


@pytest.fixture
def cli(
    monkeypatch: pytest.MonkeyPatch, database_url: str, tenants: dict[str, ProvisionedTenant]
) -> Iterator[Invoke]:
    monkeypatch.setenv("TENANTGRID_DATABASE_URL", database_url)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    for name in ("TENANTGRID_TEMPLATE_SCHEMA", "TENANTGRID_CONTROL_SCHEMA", "TENANTGRID_JWT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        get_settings.cache_clear()
        try:
            return runner.invoke(main, list(args))
        finally:
            get_settings.cache_clear()

    yield invoke
    get_settings.cache_clear()


def create(cli: Invoke, name: str, email: str | None = None) -> dict[str, str]:
    result = cli(
        "tenants", "create", name, "--email", email or f"{name}@example.com", "--password", PASSWORD, "--json"
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


# -- tenants create ------------------------------------------------------------------------------


def test_create_provisions_a_tenant_with_the_template_data_and_one_admin(
    cli: Invoke, db: Database, client: TestClient
) -> None:
    template_user = db.value(
        "INSERT INTO public.users (email, password_hash) VALUES ('template.user@example.com', 'x') RETURNING id"
    )
    try:
        result = cli(
            "tenants",
            "create",
            "cli_one",
            "--email",
            "Owner.Name@Example.com",
            "--password",
            PASSWORD,
            "--json",
        )
    finally:
        db.fetch("DELETE FROM public.users WHERE id = $1", template_user)
    assert result.exit_code == 0, result.output
    created = json.loads(result.stdout)
    assert set(created) == {"tenant", "schema", "publishable_key", "secret_key", "email"}
    assert created["tenant"] == "cli_one"
    assert created["email"] == "Owner.Name@Example.com"
    assert re.fullmatch(r"owner_name_[0-9]{6}", created["schema"])
    assert created["publishable_key"].startswith("tg_pk_")
    assert created["secret_key"].startswith("tg_sk_")

    schema = created["schema"]
    assert schema_exists(db, schema)
    for table in COPIED:
        assert rows_digest(db, schema, table) == rows_digest(db, "public", table), table
    users = db.fetch(f'SELECT email, is_admin FROM "{schema}".users')
    assert [(u["email"], u["is_admin"]) for u in users] == [("Owner.Name@Example.com", True)]
    assert db.value(f'SELECT version_num FROM "{schema}".alembic_version') == head_revision("tenant")
    tenant_id = db.value(
        "SELECT id FROM tenantgrid.tenants WHERE name = 'cli_one' AND schema_name = $1", schema
    )
    kinds = db.fetch("SELECT kind FROM tenantgrid.api_keys WHERE tenant_id = $1 ORDER BY kind", tenant_id)
    assert [k["kind"] for k in kinds] == ["publishable", "secret"]
    # no key is stored in the clear
    stored = db.value("SELECT string_agg(prefix || encode(key_hash, 'hex'), ',') FROM tenantgrid.api_keys")
    assert created["secret_key"] not in stored and created["publishable_key"] not in stored

    # The keys work at once through the HTTP API (a server that was already running).
    things = client.get("/rest/v1/things?select=id,name&order=id", headers={"apikey": created["secret_key"]})
    assert things.status_code == 200, things.text
    assert things.headers["content-profile"] == schema
    assert things.json() == [
        {"id": r["id"], "name": r["name"]} for r in db.fetch("SELECT id, name FROM public.things ORDER BY id")
    ]
    login = client.post(
        "/auth/v1/token?grant_type=password",
        headers={"apikey": created["publishable_key"]},
        json={"email": "owner.name@example.com", "password": PASSWORD},
    )
    assert login.status_code == 200, login.text
    session = login.json()
    # a write through the user's session lands in the new schema, past the copied ids
    new = client.post(
        "/rest/v1/things",
        headers={
            "apikey": created["publishable_key"],
            "Authorization": f"Bearer {session['access_token']}",
            "Content-Profile": schema,
            "Prefer": "return=representation",
        },
        json={"name": "made after provisioning"},
    )
    assert new.status_code == 201, new.text
    assert new.json()[0]["id"] > db.value("SELECT max(id) FROM public.things")
    # the tenant cannot reach alpha
    alpha_schema = db.value("SELECT schema_name FROM tenantgrid.tenants WHERE name = 'alpha'")
    refused = client.get(
        "/rest/v1/things", headers={"apikey": created["secret_key"], "Accept-Profile": alpha_schema}
    )
    assert refused.status_code == 406


def test_create_without_json_prints_the_keys(cli: Invoke, db: Database) -> None:
    result = cli("tenants", "create", "cli_text", "--email", "text@example.com", "--password", PASSWORD)
    assert result.exit_code == 0, result.output
    schema = db.value("SELECT schema_name FROM tenantgrid.tenants WHERE name = 'cli_text'")
    assert schema in result.output
    assert "tg_pk_" in result.output and "tg_sk_" in result.output


def test_create_refuses_a_duplicate_name(cli: Invoke, db: Database) -> None:
    first = create(cli, "cli_dup")
    schemas_before = db.value("SELECT count(*) FROM pg_namespace")
    result = cli(
        "tenants", "create", "cli_dup", "--email", "other@example.com", "--password", PASSWORD, "--json"
    )
    clean_failure(result, "already exists")
    assert db.value("SELECT count(*) FROM pg_namespace") == schemas_before
    assert db.value("SELECT count(*) FROM tenantgrid.tenants WHERE name = 'cli_dup'") == 1
    assert db.value("SELECT schema_name FROM tenantgrid.tenants WHERE name = 'cli_dup'") == first["schema"]


@pytest.mark.parametrize(
    ("name", "email", "password", "message"),
    [
        ("Bad", "a@example.com", PASSWORD, "invalid tenant name"),
        ("1abc", "a@example.com", PASSWORD, "invalid tenant name"),
        ("a-b", "a@example.com", PASSWORD, "invalid tenant name"),
        ("a b", "a@example.com", PASSWORD, "invalid tenant name"),
        ("a;drop", "a@example.com", PASSWORD, "invalid tenant name"),
        ("", "a@example.com", PASSWORD, "invalid tenant name"),
        ("x" * 41, "a@example.com", PASSWORD, "invalid tenant name"),
        ("cli_newline\n", "a@example.com", PASSWORD, "invalid tenant name"),
        ("cli_bad_email", "not-an-email", PASSWORD, "invalid email"),
        ("cli_short", "a@example.com", "short", "8 characters"),
    ],
)
def test_create_refuses_bad_input(
    cli: Invoke, db: Database, name: str, email: str, password: str, message: str
) -> None:
    schemas_before = db.value("SELECT count(*) FROM pg_namespace")
    tenants_before = db.value("SELECT count(*) FROM tenantgrid.tenants")
    result = cli("tenants", "create", name, "--email", email, "--password", password, "--json")
    clean_failure(result, message)
    assert db.value("SELECT count(*) FROM pg_namespace") == schemas_before
    assert db.value("SELECT count(*) FROM tenantgrid.tenants") == tenants_before


def test_create_needs_email_and_password(cli: Invoke) -> None:
    assert cli("tenants", "create", "cli_missing", "--email", "a@example.com").exit_code == 2
    assert cli("tenants", "create", "cli_missing", "--password", PASSWORD).exit_code == 2


def test_email_starting_with_pg_makes_a_valid_schema(cli: Invoke, db: Database) -> None:
    """Postgres reserves the pg_ prefix for system schemas; the naming must steer clear of it."""
    created = create(cli, "cli_pg", "pg_admin@example.com")
    assert not created["schema"].startswith("pg_")
    assert re.fullmatch(r"[a-z][a-z0-9_]*pg_admin_[0-9]{6}", created["schema"])
    assert schema_exists(db, created["schema"])


def test_schema_name_collision_picks_another_name(
    settings: Settings, db: Database, tenants: dict[str, ProvisionedTenant], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Six random digits collide sooner or later; a taken name must never reuse the other schema."""
    alpha = tenants["alpha"]
    names = iter([alpha.schema, "public", "tenantgrid", "cli_fresh_000001"])
    monkeypatch.setattr(provision, "new_schema_name", lambda email: next(names))
    before = {table: rows_digest(db, alpha.schema, table) for table in (*COPIED, "users")}

    async def work() -> ProvisionedTenant:
        engine = create_engine(settings.database_url or "")
        try:
            return await create_tenant(engine, settings, "cli_collide", "alpha@example.com", PASSWORD)
        finally:
            await engine.dispose()

    created = asyncio.run(work())
    assert created.schema == "cli_fresh_000001"
    assert {table: rows_digest(db, alpha.schema, table) for table in (*COPIED, "users")} == before
    assert rows_digest(db, created.schema, "things") == rows_digest(db, "public", "things")


# -- tenants list --------------------------------------------------------------------------------


def test_list_shows_every_tenant(cli: Invoke, db: Database, tenants: dict[str, ProvisionedTenant]) -> None:
    created = create(cli, "cli_listed")
    result = cli("tenants", "list", "--json")
    assert result.exit_code == 0, result.output
    listed = json.loads(result.stdout)
    by_name = {t["tenant"]: t for t in listed}
    assert set(by_name) == {r["name"] for r in db.fetch("SELECT name FROM tenantgrid.tenants")}
    assert by_name["alpha"]["schema"] == tenants["alpha"].schema
    # (revision, rows and keys: tests/cli/test_fleet.py)
    assert {k: by_name["cli_listed"][k] for k in ("tenant", "schema", "email", "created_at")} == {
        "tenant": "cli_listed",
        "schema": created["schema"],
        "email": "cli_listed@example.com",
        "created_at": by_name["cli_listed"]["created_at"],
    }
    assert [t["tenant"] for t in listed] == sorted(by_name)
    text = cli("tenants", "list")
    assert text.exit_code == 0
    assert created["schema"] in text.output and "alpha" in text.output
    assert "tg_sk_" not in text.output + result.output


# -- keys ----------------------------------------------------------------------------------------


def test_keys_create_list_revoke(cli: Invoke, client: TestClient, settings: Settings) -> None:
    tenant = create(cli, "cli_keys")
    made = cli("keys", "create", "--tenant", "cli_keys", "--json")
    assert made.exit_code == 0, made.output
    secret = json.loads(made.stdout)
    assert secret["tenant"] == "cli_keys" and secret["kind"] == "secret"
    assert secret["key"].startswith("tg_sk_")
    assert client.get("/rest/v1/things", headers={"apikey": secret["key"]}).status_code == 200

    plain = cli("keys", "create", "--tenant", "cli_keys", "--kind", "publishable")
    assert plain.exit_code == 0
    publishable = plain.stdout.strip()
    assert publishable.startswith("tg_pk_")
    login = client.post(
        "/auth/v1/token?grant_type=password",
        headers={"apikey": publishable},
        json={"email": "cli_keys@example.com", "password": PASSWORD},
    )
    assert login.status_code == 200

    listed = cli("keys", "list", "--tenant", "cli_keys", "--json")
    assert listed.exit_code == 0
    records = json.loads(listed.stdout)
    assert len(records) == 4
    assert [r["kind"] for r in records] == ["publishable", "secret", "secret", "publishable"]
    for record in records:
        assert set(record) == {"id", "kind", "prefix", "created_at", "revoked_at"}
        assert record["revoked_at"] is None
    for key in (tenant["publishable_key"], tenant["secret_key"], secret["key"], publishable):
        assert key not in listed.output
    new_secret = next(r for r in records if r["prefix"] == secret["key"][:12] + "…")

    revoked = cli("keys", "revoke", "--tenant", "cli_keys", str(new_secret["id"]))
    assert revoked.exit_code == 0, revoked.output
    time.sleep(settings.auth_cache_ttl + 0.1)
    assert client.get("/rest/v1/things", headers={"apikey": secret["key"]}).status_code == 401
    assert client.get("/rest/v1/things", headers={"apikey": tenant["secret_key"]}).status_code == 200
    after = {r["id"]: r for r in json.loads(cli("keys", "list", "--tenant", "cli_keys", "--json").stdout)}
    assert after[new_secret["id"]]["revoked_at"] is not None
    text = cli("keys", "list", "--tenant", "cli_keys")
    assert "revoked" in text.output and "active" in text.output

    clean_failure(cli("keys", "revoke", "--tenant", "cli_keys", str(new_secret["id"])), "no active key")


def test_keys_are_scoped_to_their_tenant(cli: Invoke, client: TestClient, db: Database) -> None:
    create(cli, "cli_owner")
    key = json.loads(cli("keys", "create", "--tenant", "cli_owner", "--json").stdout)["key"]
    key_id = db.value(
        "SELECT k.id FROM tenantgrid.api_keys k JOIN tenantgrid.tenants t ON t.id = k.tenant_id "
        "WHERE t.name = 'cli_owner' AND k.prefix = $1",
        key[:12] + "…",
    )
    clean_failure(cli("keys", "revoke", "--tenant", "alpha", str(key_id)), "no active key")
    assert db.value("SELECT revoked_at FROM tenantgrid.api_keys WHERE id = $1", key_id) is None
    assert client.get("/rest/v1/things", headers={"apikey": key}).status_code == 200


@pytest.mark.parametrize(
    "args",
    [
        ("keys", "create", "--tenant", "cli_nobody"),
        ("keys", "list", "--tenant", "cli_nobody"),
        ("keys", "revoke", "--tenant", "cli_nobody", "1"),
    ],
)
def test_keys_of_an_unknown_tenant(cli: Invoke, args: tuple[str, ...]) -> None:
    clean_failure(cli(*args), "no tenant named 'cli_nobody'")


# -- tenants migrate -----------------------------------------------------------------------------


def test_migrate_one_and_all(cli: Invoke, db: Database) -> None:
    create(cli, "cli_migrated")
    one = cli("tenants", "migrate", "cli_migrated")
    assert one.exit_code == 0, one.output
    assert f"1 of 1 tenants at revision {head_revision('tenant')}" in one.output
    every = cli("tenants", "migrate", "--all")
    assert every.exit_code == 0, every.output
    count = db.value("SELECT count(*) FROM tenantgrid.tenants")
    assert f"{count} of {count} tenants at revision" in every.output


def test_migrate_needs_exactly_one_target(cli: Invoke) -> None:
    assert cli("tenants", "migrate").exit_code == 2
    assert cli("tenants", "migrate", "alpha", "--all").exit_code == 2
    clean_failure(cli("tenants", "migrate", "cli_nobody"), "no tenant named")


def test_migrate_all_goes_on_past_broken_tenants(cli: Invoke, db: Database) -> None:
    bogus = create(cli, "cli_a_bogus")["schema"]
    unversioned = create(cli, "cli_b_unversioned")["schema"]
    behind = create(cli, "cli_c_behind")["schema"]
    db.fetch(f"UPDATE \"{bogus}\".alembic_version SET version_num = 'not_a_revision'")
    db.fetch(f'DELETE FROM "{unversioned}".alembic_version')
    # a tenant whose schema has not been migrated at all (an empty schema)
    db.fetch(f'DROP SCHEMA "{behind}" CASCADE')
    db.fetch(f'CREATE SCHEMA "{behind}"')
    count = db.value("SELECT count(*) FROM tenantgrid.tenants")

    result = cli("tenants", "migrate", "--all")
    clean_failure(result, "cli_a_bogus: FAILED", "cli_b_unversioned: FAILED", "2 tenants failed")
    assert f"{count - 2} of {count} tenants at revision {head_revision('tenant')}" in result.output
    assert "cli_c_behind: FAILED" not in result.output
    # the tenants after the failures were migrated
    assert db.value(f'SELECT version_num FROM "{behind}".alembic_version') == head_revision("tenant")
    assert db.value("SELECT to_regclass($1) IS NOT NULL", f'"{behind}".field_entries')
    # the broken ones were left as they were (each tenant is its own transaction)
    assert db.value(f'SELECT version_num FROM "{bogus}".alembic_version') == "not_a_revision"
    assert db.value(f'SELECT count(*) FROM "{unversioned}".alembic_version') == 0
    assert db.value(f'SELECT count(*) FROM "{unversioned}".things') > 0

    single = cli("tenants", "migrate", "cli_a_bogus")
    clean_failure(single, "cli_a_bogus: FAILED", "0 of 1 tenants")


# -- tenants drop --------------------------------------------------------------------------------


def test_drop_needs_yes(cli: Invoke, db: Database, client: TestClient) -> None:
    created = create(cli, "cli_keep")
    result = cli("tenants", "drop", "cli_keep")
    assert result.exit_code == 2
    assert "--yes" in result.output
    assert schema_exists(db, created["schema"])
    assert db.value("SELECT count(*) FROM tenantgrid.tenants WHERE name = 'cli_keep'") == 1
    assert client.get("/rest/v1/things", headers={"apikey": created["secret_key"]}).status_code == 200


def test_drop_removes_schema_and_control_rows(
    cli: Invoke, db: Database, client: TestClient, settings: Settings, tenants: dict[str, ProvisionedTenant]
) -> None:
    created = create(cli, "cli_gone")
    assert client.get("/rest/v1/things", headers={"apikey": created["secret_key"]}).status_code == 200
    login = client.post(
        "/auth/v1/token?grant_type=password",
        headers={"apikey": created["publishable_key"]},
        json={"email": "cli_gone@example.com", "password": PASSWORD},
    )
    assert login.status_code == 200
    tenant_id = db.value("SELECT id FROM tenantgrid.tenants WHERE name = 'cli_gone'")

    result = cli("tenants", "drop", "cli_gone", "--yes")
    assert result.exit_code == 0, result.output
    assert created["schema"] in result.output
    assert not schema_exists(db, created["schema"])
    assert db.value("SELECT count(*) FROM tenantgrid.tenants WHERE id = $1", tenant_id) == 0
    assert db.value("SELECT count(*) FROM tenantgrid.api_keys WHERE tenant_id = $1", tenant_id) == 0
    assert db.value("SELECT count(*) FROM tenantgrid.auth_sessions WHERE tenant_id = $1", tenant_id) == 0
    time.sleep(settings.auth_cache_ttl + 0.1)
    assert client.get("/rest/v1/things", headers={"apikey": created["secret_key"]}).status_code == 401
    refreshed = client.post(
        "/auth/v1/token?grant_type=refresh_token",
        headers={"apikey": created["publishable_key"]},
        json={"refresh_token": login.json()["refresh_token"]},
    )
    assert refreshed.status_code == 401
    assert "cli_gone" not in cli("tenants", "list").output

    clean_failure(cli("tenants", "drop", "cli_gone", "--yes"), "no tenant named")
    # the other tenants are untouched
    assert client.get("/rest/v1/things", headers={"apikey": tenants["alpha"].secret_key}).status_code == 200


def test_drop_of_a_tenant_whose_schema_is_already_gone(cli: Invoke, db: Database) -> None:
    created = create(cli, "cli_orphan")
    db.fetch(f'DROP SCHEMA "{created["schema"]}" CASCADE')
    result = cli("tenants", "drop", "cli_orphan", "--yes")
    assert result.exit_code == 0, result.output
    assert db.value("SELECT count(*) FROM tenantgrid.tenants WHERE name = 'cli_orphan'") == 0


@pytest.mark.parametrize("schema", ["public", "tenantgrid", "pg_catalog", "information_schema"])
def test_drop_and_migrate_never_touch_the_template_or_control_schema(
    cli: Invoke, db: Database, schema: str
) -> None:
    """Even a control row gone wrong must not turn `drop` into DROP SCHEMA public CASCADE."""
    db.fetch(
        "INSERT INTO tenantgrid.tenants (name, schema_name, email) VALUES ('cli_evil', $1, 'e@example.com')",
        schema,
    )
    try:
        clean_failure(cli("tenants", "drop", "cli_evil", "--yes"), "refus")
        assert schema_exists(db, schema)
        clean_failure(cli("tenants", "migrate", "cli_evil"), "cli_evil: FAILED", "refus")
        assert db.value("SELECT to_regclass('tenantgrid.things')") is None
        assert db.value("SELECT count(*) FROM public.things") > 0
    finally:
        db.fetch("DELETE FROM tenantgrid.tenants WHERE name = 'cli_evil'")


SERVER_MODULES = ("uvicorn", "tenantgrid.cli.serve", "tenantgrid.http.metrics", "tenantgrid.app", "tqdm")
REPORT_LOADED = (
    "import atexit, sys; atexit.register(lambda: sys.stderr.write("
    f"'LOADED=' + ','.join(m for m in {SERVER_MODULES!r} if m in sys.modules)))"
)


@pytest.mark.parametrize(
    "start",
    [
        "import runpy; runpy.run_module('tenantgrid.cli', run_name='__main__')",  # python -m tenantgrid.cli
        "from tenantgrid.cli import main; main()",  # the `tenantgrid` entry point
    ],
    ids=["python-m", "entry-point"],
)
def test_a_tenants_command_does_not_import_the_server(start: str) -> None:
    """Start-up cost: `tenants list` used to import uvicorn, the app and its metrics (via `serve`),
    and the migration machinery, before doing anything. Each subcommand's module is now imported
    when it runs, and both ways of starting the CLI still reach every subcommand."""
    command = [sys.executable, "-c", f"{REPORT_LOADED}; {start}"]
    listed = subprocess.run(
        [*command, "tenants", "list", "--help"], capture_output=True, text=True, timeout=60
    )
    assert listed.returncode == 0, listed.stderr
    assert "--exact" in listed.stdout
    assert listed.stderr.strip().endswith("LOADED="), listed.stderr
    # every subcommand is still listed, and `serve` still brings the server in
    helped = subprocess.run([*command, "--help"], capture_output=True, text=True, timeout=60)
    assert helped.returncode == 0, helped.stderr
    commands = helped.stdout.split("Commands:")[1]
    assert re.findall(r"^  (\w+) ", commands, re.MULTILINE) == ["keys", "serve", "tenants"]
    assert "uvicorn" in helped.stderr
