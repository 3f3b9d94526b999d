"""Fleet operations: `tenantgrid tenants migrate --all [--jobs N] [--dry-run]` and `tenants list`.

Three tenants of this module's own (`fleet_*`, dropped at the end) are downgraded to an older
revision and one of them is sabotaged so that a real revision fails on it: the other two migrate,
the broken one stays where it was with its rows, and the command says why and exits non-zero.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator

import pytest
from click.testing import Result
from starlette.testclient import TestClient

from tenantgrid.db.engine import create_engine
from tenantgrid.settings import Settings
from tenantgrid.tenancy.control import Control
from tenantgrid.tenancy.migrate import downgrade_schema, head_revision, pending_revisions
from tenantgrid.tenancy.provision import ProvisionedTenant, create_tenant, drop_tenant
from tests.cli.test_cli import Invoke, clean_failure, rows_digest
from tests.cli.test_cli import cli as cli  # the fixture, shared
from tests.conftest import Database

OLD = "0003"
"""The revision the fleet is sent back to: 0004 (Gainfully's tables) and anything later must run."""
NAMES = ("fleet_a", "fleet_b", "fleet_c")
BROKEN = "fleet_c"
PASSWORD = "fleet password 123"


def run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)


async def _provision(settings: Settings) -> dict[str, ProvisionedTenant]:
    engine = create_engine(settings.database_url or "")
    try:
        return {n: await create_tenant(engine, settings, n, f"{n}@example.com", PASSWORD) for n in NAMES}
    finally:
        await engine.dispose()


async def _drop(settings: Settings) -> None:
    engine = create_engine(settings.database_url or "")
    try:
        async with engine.connect() as conn:
            names = [t.name for t in await Control(conn, settings.control_schema).tenants()]
        for name in names:
            if name.startswith("fleet_"):
                await drop_tenant(engine, settings, name)
    finally:
        await engine.dispose()


async def _downgrade(settings: Settings, schemas: list[str], target: str) -> None:
    engine = create_engine(settings.database_url or "")
    try:
        for schema in schemas:
            async with engine.begin() as conn:
                await downgrade_schema(conn, schema, target)
    finally:
        await engine.dispose()


@pytest.fixture(scope="module")
def fleet(
    settings: Settings, tenants: dict[str, ProvisionedTenant]
) -> Iterator[dict[str, ProvisionedTenant]]:
    made = run(_provision(settings))
    try:
        yield made
    finally:
        run(_drop(settings))


def revision(db: Database, schema: str) -> str:
    return str(db.value(f'SELECT version_num FROM "{schema}".alembic_version'))


def table_exists(db: Database, schema: str, table: str) -> bool:
    return bool(db.value("SELECT to_regclass($1) IS NOT NULL", f'"{schema}".{table}'))


def by_tenant(result: Result) -> dict[str, dict]:  # type: ignore[type-arg]
    return {t["tenant"]: t for t in json.loads(result.stdout)["tenants"]}


def read_things(client: TestClient, tenant: ProvisionedTenant):  # type: ignore[no-untyped-def]
    return client.get("/rest/v1/things?select=id&limit=1", headers={"apikey": tenant.secret_key})


def test_migrate_all_in_parallel_leaves_the_failing_tenant_on_its_old_revision(
    cli: Invoke, db: Database, settings: Settings, fleet: dict[str, ProvisionedTenant], client: TestClient
) -> None:
    schemas = {n: t.schema for n, t in fleet.items()}
    for name, schema in schemas.items():
        db.fetch(f'INSERT INTO "{schema}".things (name) VALUES ($1)', f"kept by {name}")
    run(_downgrade(settings, list(schemas.values()), OLD))
    expected = pending_revisions(OLD)
    assert expected[0] == "0004" and expected[-1] == head_revision("tenant")
    for schema in schemas.values():
        assert revision(db, schema) == OLD
        assert not table_exists(db, schema, "gainfully_relationships")
    # Sabotage: a table of that name already exists, so 0004's CREATE TABLE fails on this tenant only.
    broken = schemas[BROKEN]
    db.fetch(f'CREATE TABLE "{broken}".gainfully_relationships (id int)')
    before = rows_digest(db, broken, "things")
    assert before[0] > 1

    # --dry-run: the revisions each tenant would run, and nothing changes.
    dry = cli("tenants", "migrate", "--all", "--dry-run")
    assert dry.exit_code == 0, dry.output
    for name, schema in schemas.items():
        assert f"{name} ({schema}): {OLD} -> {', '.join(expected)}" in dry.output, dry.output
    assert f"alpha ({fleet_alpha_schema(db)}): current" in dry.output
    assert "dry run: nothing was changed" in dry.output
    assert f"would migrate:   {len(schemas)}" in dry.output
    dry_json = cli("tenants", "migrate", "--all", "--dry-run", "--json")
    assert dry_json.exit_code == 0, dry_json.output
    planned = by_tenant(dry_json)
    assert json.loads(dry_json.stdout)["would_migrate"] == len(schemas)
    for name in schemas:
        assert planned[name]["status"] == "pending"
        assert planned[name]["revisions"] == expected
        assert planned[name]["revision"] == OLD
    assert planned["alpha"]["status"] == "current" and planned["alpha"]["revisions"] == []
    for schema in schemas.values():
        assert revision(db, schema) == OLD
        assert not table_exists(db, schema, "gainfully_content")

    # The real run, two at a time (other modules' tenants, at head, are "already current").
    states = [t["state"] for t in json.loads(cli("tenants", "list", "--json").stdout)]
    count = len(states)
    assert states.count("current") == count - 3
    result = cli("tenants", "migrate", "--all", "--jobs", "2")
    clean_failure(result, "1 tenants failed: fleet_c")
    assert "migrated:        2" in result.output
    assert f"already current: {count - 3}" in result.output
    assert "failed:          1" in result.output
    assert (
        f'fleet_c ({broken}): stays at {OLD}; 0004 failed: DuplicateTableError: relation "gainfully_relationships" '
        "already exists" in result.output
    ), result.output
    assert f"{count - 1} of {count} tenants at revision {head_revision('tenant')}" in result.output
    for name in ("fleet_a", "fleet_b"):
        assert revision(db, schemas[name]) == head_revision("tenant")
        assert table_exists(db, schemas[name], "gainfully_content")
        assert (
            db.value(f'SELECT count(*) FROM "{schemas[name]}".things WHERE name = $1', f"kept by {name}") == 1
        )
    # The failed tenant: its old revision, its rows, none of 0004's tables (the transaction rolled back).
    assert revision(db, broken) == OLD
    assert rows_digest(db, broken, "things") == before
    assert not table_exists(db, broken, "gainfully_content")
    assert db.value(f'SELECT count(*) FROM "{broken}".gainfully_relationships') == 0

    # Through the app: the migrated tenants answer, the one left behind is refused with a 503 (its
    # schema lacks what this code needs) rather than failing on a missing table mid-request.
    for name in ("fleet_a", "fleet_b"):
        assert read_things(client, fleet[name]).status_code == 200
    refused = read_things(client, fleet[BROKEN])
    assert refused.status_code == 503, refused.text
    assert refused.headers["retry-after"].isdigit()
    assert "migrate" in refused.text and OLD in refused.text

    # Repaired, the tenant migrates by name; the JSON summary says so.
    db.fetch(f'DROP TABLE "{broken}".gainfully_relationships')
    again = cli("tenants", "migrate", BROKEN, "--json")
    assert again.exit_code == 0, again.output
    summary = json.loads(again.stdout)
    assert summary["migrated"] == 1 and summary["failed"] == 0
    assert by_tenant(again)[BROKEN] == {
        "tenant": BROKEN,
        "schema": broken,
        "status": "migrated",
        "before": OLD,
        "revision": head_revision("tenant"),
        "revisions": expected,
        "failed_revision": None,
        "error": None,
    }
    assert revision(db, broken) == head_revision("tenant")
    assert rows_digest(db, broken, "things") == before
    deadline = time.monotonic() + 10  # "behind" is rechecked every auth_cache_ttl
    while (served := read_things(client, fleet[BROKEN])).status_code == 503 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert served.status_code == 200, served.text


def fleet_alpha_schema(db: Database) -> str:
    return str(db.value("SELECT schema_name FROM tenantgrid.tenants WHERE name = 'alpha'"))


def test_migrate_json_reports_the_failure_and_exits_non_zero(
    cli: Invoke, db: Database, settings: Settings, fleet: dict[str, ProvisionedTenant]
) -> None:
    schema = fleet["fleet_b"].schema
    run(_downgrade(settings, [schema], OLD))
    db.fetch(f'CREATE TABLE "{schema}".gainfully_content (id int)')
    try:
        result = cli("tenants", "migrate", "fleet_a", "fleet_b", "--json", "--jobs", "2")
        assert result.exit_code == 1, result.output
        summary = json.loads(result.stdout)
        assert (summary["migrated"], summary["current"], summary["failed"]) == (0, 1, 1)
        failed = by_tenant(result)["fleet_b"]
        assert (
            failed["status"] == "failed" and failed["revision"] == OLD and failed["failed_revision"] == "0004"
        )
        assert 'relation "gainfully_content" already exists' in failed["error"]
        assert set(by_tenant(result)) == {"fleet_a", "fleet_b"}
        assert revision(db, schema) == OLD
    finally:
        db.fetch(f'DROP TABLE IF EXISTS "{schema}".gainfully_content')
        assert cli("tenants", "migrate", "fleet_b").exit_code == 0
    assert revision(db, schema) == head_revision("tenant")


def test_migrate_refuses_bad_requests(cli: Invoke, fleet: dict[str, ProvisionedTenant]) -> None:
    clean_failure(cli("tenants", "migrate", "fleet_a", "fleet_nobody"), "no tenant named 'fleet_nobody'")
    assert cli("tenants", "migrate", "--all", "--jobs", "0").exit_code == 2
    assert cli("tenants", "migrate", "fleet_a", "--all").exit_code == 2


def test_list_shows_revision_rows_and_keys(
    cli: Invoke, db: Database, settings: Settings, fleet: dict[str, ProvisionedTenant]
) -> None:
    a, b = fleet["fleet_a"], fleet["fleet_b"]
    tenant_id = db.value("SELECT id FROM tenantgrid.tenants WHERE name = 'fleet_b'")
    db.fetch(
        "UPDATE tenantgrid.api_keys SET revoked_at = now() WHERE id = "
        "(SELECT min(id) FROM tenantgrid.api_keys WHERE tenant_id = $1)",
        tenant_id,
    )
    db.fetch(f"INSERT INTO \"{a.schema}\".things (name) SELECT 'listed ' || g FROM generate_series(1, 25) g")
    db.fetch(f"INSERT INTO \"{a.schema}\".cmdb_categories (name, label) VALUES ('fleet-cat', 'Fleet')")
    run(_downgrade(settings, [b.schema], OLD))
    try:
        exact = cli("tenants", "list", "--json", "--exact")
        assert exact.exit_code == 0, exact.output
        listed = {t["tenant"]: t for t in json.loads(exact.stdout)}
        for name, tenant in (("fleet_a", a), ("fleet_b", b)):
            tables = [
                r["relname"]
                for r in db.fetch(
                    "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname = $1 AND c.relkind = 'r' AND c.relname <> 'alembic_version'",
                    tenant.schema,
                )
            ]
            per_api: dict[str, int] = {}
            for table in tables:
                api = next(
                    (p for p in ("cmdb", "gridly", "gainfully") if table.startswith(p + "_")), "postgrest"
                )
                per_api[api] = per_api.get(api, 0) + db.value(
                    f'SELECT count(*) FROM "{tenant.schema}"."{table}"'
                )
            assert listed[name]["rows"] == sum(per_api.values())
            assert listed[name]["rows_by_api"] == dict(sorted(per_api.items()))
            assert listed[name]["rows_exact"] is True
        assert listed["fleet_a"]["revision"] == head_revision("tenant")
        assert listed["fleet_a"]["state"] == "current" and listed["fleet_a"]["pending_revisions"] == 0
        assert listed["fleet_a"]["keys"] == 2
        assert listed["fleet_b"]["revision"] == OLD
        assert listed["fleet_b"]["state"] == "behind"
        assert listed["fleet_b"]["pending_revisions"] == len(pending_revisions(OLD))
        assert listed["fleet_b"]["keys"] == 1
        assert "gainfully" not in listed["fleet_b"]["rows_by_api"]
        assert listed["fleet_a"]["rows_by_api"]["gainfully"] >= 0

        # The default: PostgreSQL's estimate, labelled as such; after ANALYZE it is the count.
        db.fetch(f'ANALYZE "{a.schema}".things')
        estimate = cli("tenants", "list", "--json")
        assert estimate.exit_code == 0, estimate.output
        rough = {t["tenant"]: t for t in json.loads(estimate.stdout)}
        assert rough["fleet_a"]["rows_exact"] is False
        assert rough["fleet_a"]["rows_by_api"]["postgrest"] >= db.value(
            f'SELECT count(*) FROM "{a.schema}".things'
        )
        assert (rough["fleet_a"]["keys"], rough["fleet_b"]["keys"]) == (2, 1)
        assert rough["fleet_b"]["state"] == "behind"

        text = cli("tenants", "list")
        assert text.exit_code == 0, text.output
        lines = {
            line.split()[0]: line.split() for line in text.output.splitlines() if line.startswith("fleet_")
        }
        assert lines["fleet_a"][:4] == ["fleet_a", a.schema, head_revision("tenant"), "current"]
        assert lines["fleet_b"][:5] == ["fleet_b", b.schema, OLD, "behind", str(len(pending_revisions(OLD)))]
        assert lines["fleet_b"][-2:] == ["1", "fleet_b@example.com"]
        assert "rows~: PostgreSQL's estimate" in text.output
        assert "not (tenants migrate --all)" in text.output
        exact_text = cli("tenants", "list", "--exact")
        assert "rows: counted exactly" in exact_text.output
    finally:
        assert cli("tenants", "migrate", "fleet_b").exit_code == 0


def test_a_revision_this_code_does_not_know(
    cli: Invoke, db: Database, fleet: dict[str, ProvisionedTenant]
) -> None:
    """Written by a newer deploy (or broken by hand): listed as unknown, never migrated, and a dry run
    says so and exits non-zero."""
    schema = fleet["fleet_a"].schema
    db.fetch(f"UPDATE \"{schema}\".alembic_version SET version_num = '9999_from_the_future'")
    try:
        dry = cli("tenants", "migrate", "fleet_a", "fleet_b", "--dry-run")
        clean_failure(dry, "1 tenants failed: fleet_a")
        assert f"fleet_a ({schema}): cannot migrate: unknown revision '9999_from_the_future'" in dry.output
        assert f"fleet_b ({fleet['fleet_b'].schema}): current" in dry.output
        listed = {t["tenant"]: t for t in json.loads(cli("tenants", "list", "--json").stdout)}
        assert (listed["fleet_a"]["revision"], listed["fleet_a"]["state"]) == (
            "9999_from_the_future",
            "unknown",
        )
        clean_failure(cli("tenants", "migrate", "fleet_a"), "fleet_a: FAILED: unknown revision")
        assert revision(db, schema) == "9999_from_the_future"
    finally:
        db.fetch(f'UPDATE "{schema}".alembic_version SET version_num = $1', head_revision("tenant"))
