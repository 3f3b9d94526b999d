"""The bench database: its own embedded cluster and a fresh database, N tenants with data, timings.

Tenants are made the way `tenantgrid tenants create` makes them (`create_tenant`, timed one by
one), then each gets `rows` things from one INSERT ... SELECT ... FROM generate_series (not part of
the provisioning time). `migrate_tenants` over all of them is timed too: they are at head, so it
measures the per-tenant overhead of a no-op migration.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl

import asyncpg
import psutil
from scenarios import GAINFULLY_EPOCH, GRIDLY_POST_VIEW, GRIDLY_RECORDS, GRIDLY_VIEW, READ_QUERY, Tenant
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tenantgrid.apis.gridly.grids_store import cell_index_name
from tenantgrid.catalog.model import SCHEMA_TOKEN
from tenantgrid.catalog.reflect import reflect_catalog
from tenantgrid.db.embedded import start_embedded
from tenantgrid.db.engine import create_engine
from tenantgrid.db.url import with_database
from tenantgrid.query.ast import Page, Query
from tenantgrid.query.compile import Compiler
from tenantgrid.query.dialects.postgrest import parse_params
from tenantgrid.query.shape import split
from tenantgrid.settings import Settings
from tenantgrid.tenancy.fleet import migrate_tenants
from tenantgrid.tenancy.names import quote_ident
from tenantgrid.tenancy.provision import create_tenant, prepare_database

DATABASE = "tenantgrid_bench"
PASSWORD = "bench-password-1"
MARKER = "__N__"
PROVISIONED = "provisioned.json"
"""Next to the cluster: the tenants (and their keys) of a kept bench database."""

FILL = """
INSERT INTO {schema}.things (name, description, tags, data)
SELECT 'thing ' || g,
       'Benchmark thing number ' || g || ', ' || md5(g::text),
       ARRAY['tag' || (g % 10), 'group' || (g % 7)],
       jsonb_build_object('color', (ARRAY['red', 'green', 'blue'])[1 + g % 3],
                          'size', g % 100, 'weight', round(g * 0.37, 2), 'even', g % 2 = 0)
FROM generate_series(1, {rows}) AS g
"""

CMDB_TYPE_ID = 1000
CMDB_FILL = [
    f"""
INSERT INTO {{schema}}.cmdb_types (public_id, name, label, fields, render_meta)
VALUES ({CMDB_TYPE_ID}, 'bench-server', 'Bench server',
        '[{{{{"type": "text", "name": "hostname", "label": "Hostname"}}}},
          {{{{"type": "text", "name": "ip", "label": "IP address"}}}},
          {{{{"type": "number", "name": "rack", "label": "Rack"}}}}]',
        '{{{{"icon": "fas fa-server", "externals": [],
           "sections": [{{{{"type": "section", "name": "main", "label": "Main",
                          "fields": ["hostname", "ip", "rack"]}}}}],
           "summary": {{{{"fields": ["hostname", "ip"]}}}}}}}}')
""",
    f"""
INSERT INTO {{schema}}.cmdb_objects (type_id, author_id, fields)
SELECT {CMDB_TYPE_ID}, 1,
       jsonb_build_array(jsonb_build_object('name', 'hostname', 'value', 'host-' || g),
                         jsonb_build_object('name', 'ip', 'value', '10.0.' || (g / 256) || '.' || (g % 256)),
                         jsonb_build_object('name', 'rack', 'value', g % 40))
FROM generate_series(1, {{rows}}) AS g
""",
]
"""CMDB objects (seed 001): one type, `rows` objects with ids 1..rows, `host-<id>` as hostname."""

GRIDLY_FILL = [
    """
INSERT INTO {schema}.gridly_grids (id, database_id, name)
SELECT g, (SELECT id FROM {schema}.gridly_databases ORDER BY created_at LIMIT 1), g
FROM unnest(ARRAY['benchgrid', 'benchpostgrid']) AS g
""",
    f"""
INSERT INTO {{schema}}.gridly_views (id, grid_id, name, is_default)
VALUES ('{GRIDLY_VIEW}', 'benchgrid', 'Default view', true), ('{GRIDLY_POST_VIEW}', 'benchpostgrid', 'Default view', true)
""",
    """
INSERT INTO {schema}.gridly_columns (grid_id, id, name, type, position)
SELECT g, c.id, c.name, c.type, c.position
FROM unnest(ARRAY['benchgrid', 'benchpostgrid']) AS g,
     (VALUES ('label', 'Label', 'singleLine', 0), ('amount', 'Amount', 'number', 1)) AS c(id, name, type, position)
""",
    f"CREATE INDEX {cell_index_name('amount')} ON {{schema}}.gridly_records (grid_id, (cells -> 'amount'))",
]
"""Gridly (seed 004): per tenant two grids with a text and a number column (indexed, as
`grids_store.add_column` makes it): `benchgrid` for the list, `benchpostgrid` for the writes."""
GRIDLY_RECORDS_FILL = f"""
INSERT INTO {{schema}}.gridly_records (grid_id, id, cells)
SELECT 'benchgrid', 'r' || g, jsonb_build_object('label', 'row ' || g, 'amount', g)
FROM generate_series(1, {GRIDLY_RECORDS}) AS g
"""
"""The first tenant's list grid: GRIDLY_RECORDS records, `amount` 1..GRIDLY_RECORDS."""

GAINFULLY_FILL = f"""
INSERT INTO {{schema}}.gainfully_content (name, message, created_at, updated_at)
SELECT 'content ' || g, 'Benchmark content number ' || g || ', ' || md5(g::text),
       {GAINFULLY_EPOCH} + g, {GAINFULLY_EPOCH} + g
FROM generate_series(1, {{rows}}) AS g
"""
"""Gainfully (seed 002): `rows` content rows per tenant, created a second apart after GAINFULLY_EPOCH."""


@dataclass(slots=True)
class Provisioning:
    tenants: list[Tenant] = field(default_factory=list)
    provision_s: list[float] = field(default_factory=list)
    fill_s: list[float] = field(default_factory=list)
    migrate_s: float = 0.0
    migrate_failures: list[str] = field(default_factory=list)
    read_sql: str = ""
    schema_prefix: str = ""
    read_args: list[object] = field(default_factory=list)
    postgres_version: str = ""


def start_cluster(data_dir: Path) -> str:
    """Start (or join) the bench's own embedded cluster; stopped when this process exits.

    The wheel stops a cluster when its last registered process exits; a harness that was killed
    outright stays registered forever, so dead processes are struck off the list first.
    """
    handles = data_dir / "pg" / ".handle_pids.json"
    with contextlib.suppress(OSError, ValueError, TypeError):
        pids = json.loads(handles.read_text())
        handles.write_text(json.dumps([p for p in pids if psutil.pid_exists(int(p))]))
    return start_embedded(data_dir)


@contextlib.asynccontextmanager
async def _cluster(cluster_url: str) -> AsyncIterator[asyncpg.Connection]:
    """A connection to the cluster's maintenance database, for creating and dropping databases."""
    conn = await asyncpg.connect(cluster_url)
    try:
        yield conn
    finally:
        await conn.close()


async def fresh_database(cluster_url: str, name: str = DATABASE) -> str:
    """Drop and recreate a bench database (the load bench's, or one of bench/fleet.py's); its URL."""
    async with _cluster(cluster_url) as conn:
        await conn.execute(f"DROP DATABASE IF EXISTS {quote_ident(name)} WITH (FORCE)")
        await conn.execute(f"CREATE DATABASE {quote_ident(name)}")
    return with_database(cluster_url, name)


async def existing_database(cluster_url: str, name: str = DATABASE) -> str | None:
    """A bench database's URL if it exists (for --reuse-database), else None."""
    async with _cluster(cluster_url) as conn:
        found = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
    return with_database(cluster_url, name) if found else None


def saved_provisioning(data_dir: Path, tenants: int, rows: int) -> Provisioning | None:
    """What the run that provisioned the kept database wrote down, if it made the same tenants."""
    try:
        data = json.loads((data_dir / PROVISIONED).read_text())
    except (OSError, ValueError):
        return None
    if data.get("tenants_asked") != tenants or data.get("rows") != rows:
        return None
    figures = data["provisioning"]
    if any(not t.get("secret_key") for t in figures["tenants"]):
        return None  # provisioned before the Gridly grids (and the secret keys they need)
    figures["tenants"] = [Tenant(**{**t, "token": ""}) for t in figures["tenants"]]
    return Provisioning(**figures)


def save_provisioning(data_dir: Path, tenants: int, rows: int, prov: Provisioning) -> None:
    payload = {"tenants_asked": tenants, "rows": rows, "provisioning": dataclasses.asdict(prov)}
    (data_dir / PROVISIONED).write_text(json.dumps(payload))


def forget_provisioning(data_dir: Path) -> None:
    (data_dir / PROVISIONED).unlink(missing_ok=True)


async def drop_database(cluster_url: str, name: str = DATABASE) -> None:
    async with _cluster(cluster_url) as conn:
        await conn.execute(f"DROP DATABASE IF EXISTS {quote_ident(name)} WITH (FORCE)")


async def provision(
    url: str, settings: Settings, count: int, rows: int, log: Callable[[str], None]
) -> Provisioning:
    result = Provisioning()
    engine = create_engine(url)
    try:
        await prepare_database(engine, settings)
        async with engine.connect() as conn:
            result.postgres_version = str((await conn.execute(text("SHOW server_version"))).scalar())
            catalog = await reflect_catalog(conn, settings.template_schema)
        result.read_sql, result.schema_prefix, result.read_args = read_statement(Compiler(catalog))
        step = max(1, count // 10)
        for i in range(count):
            name = f"bench{i:04d}"
            email = f"{name}@example.com"
            started = time.perf_counter()
            made = await create_tenant(engine, settings, name, email, PASSWORD)
            provisioned = time.perf_counter()
            async with engine.begin() as conn:
                for fill in (FILL, *CMDB_FILL, *GRIDLY_FILL, GAINFULLY_FILL):
                    await conn.execute(text(fill.format(schema=quote_ident(made.schema), rows=int(rows))))
                if i == 0:
                    await conn.execute(text(GRIDLY_RECORDS_FILL.format(schema=quote_ident(made.schema))))
            await settle(engine, made.schema)
            result.provision_s.append(provisioned - started)
            result.fill_s.append(time.perf_counter() - provisioned)
            result.tenants.append(
                Tenant(name, made.schema, made.publishable_key, email, PASSWORD, secret_key=made.secret_key)
            )
            if (i + 1) % step == 0 or i + 1 == count:
                log(
                    f"  {i + 1}/{count} tenants ({result.provision_s[-1] * 1000:.0f} ms to provision the last)"
                )
        async with engine.connect() as conn:
            await (await conn.execution_options(isolation_level="AUTOCOMMIT")).execute(text("CHECKPOINT"))
        started = time.perf_counter()
        migrated = await migrate_tenants(engine, settings, None)
        result.migrate_s = time.perf_counter() - started
        result.migrate_failures = [f"{m.tenant}: {m.error}" for m in migrated if m.error]
    finally:
        await engine.dispose()
    return result


async def settle(engine: AsyncEngine, schema: str) -> None:
    """VACUUM (FREEZE, ANALYZE) the freshly filled tables, as a database in service would be.

    Freshly inserted rows have no hint bits yet: the first reads set them, and with data checksums
    on (initdb's default since PostgreSQL 18) each page so dirtied is WAL-logged whole. At 1,000
    tenants the read scenarios then wrote ~3.5 MB/s of WAL and forced checkpoints, and every server's
    p99 (the baseline's too) went past 160 ms. Freezing sets the bits and the visibility map once.
    """
    async with engine.connect() as conn:
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        for table in ("things", "cmdb_objects", "gridly_records", "gainfully_content"):
            await conn.execute(text(f"VACUUM (FREEZE, ANALYZE) {quote_ident(schema)}.{table}"))


def read_statement(compiler: Compiler) -> tuple[str, str, list[object]]:
    """The SQL (schema token kept), the token's exact text, and the arguments tenantgrid runs for
    the read scenario. Parsed and compiled as the read route does; MARKER stands for the `gte.`
    value. Checked against tenantgrid's own `render`, so the baseline substitutes the schema the
    same way.
    """
    params = parse_params(parse_qsl(READ_QUERY.format(n=MARKER), keep_blank_values=True))
    query = Query(
        resource="things",
        where=params.where,
        order=params.order,
        page=Page(params.offset, params.limit),
        select=params.select,
    )
    shape, values = split(query)
    compiled = compiler.read(shape)
    for prefix in (f'"{SCHEMA_TOKEN}".', f"{SCHEMA_TOKEN}."):
        if prefix in compiled.sql:
            break
    probe = "bench_probe_schema"
    if compiled.sql.replace(prefix, quote_ident(probe) + ".") != compiled.render(probe):
        raise RuntimeError(
            "cannot reproduce tenantgrid's render() of the schema token: update bench/setup.py"
        )
    return compiled.sql, prefix, compiled.arguments(values)
