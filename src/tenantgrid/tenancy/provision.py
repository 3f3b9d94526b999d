"""Provision, migrate and drop tenant schemas.

A new tenant is one transaction: its schema is made by the tenant revision chain, the template
schema's rows are copied in (all but private tables such as users), its first admin user and two
API keys are created. Either all of it happens or none.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from tenantgrid.auth.keys import KeyKind
from tenantgrid.auth.passwords import hash_password
from tenantgrid.catalog.model import Catalog
from tenantgrid.catalog.reflect import reflect_catalog
from tenantgrid.settings import Settings
from tenantgrid.tenancy.control import Control
from tenantgrid.tenancy.migrate import current_revision, upgrade_schema
from tenantgrid.tenancy.names import check_tenant_name, is_reserved_schema, new_schema_name, quote_ident
from tenantgrid.tenancy.template import seed_template


class ProvisionError(Exception):
    pass


@dataclass(frozen=True, slots=True)
class ProvisionedTenant:
    tenant: str
    schema: str
    publishable_key: str
    secret_key: str
    email: str

    def as_dict(self) -> dict[str, str]:
        return {
            "tenant": self.tenant,
            "schema": self.schema,
            "publishable_key": self.publishable_key,
            "secret_key": self.secret_key,
            "email": self.email,
        }


async def prepare_database(engine: AsyncEngine, settings: Settings) -> bool:
    """Migrate the control plane and the template schema; seed the template when it is new.

    Returns True when the template was seeded now. Safe to run from several processes at once:
    an advisory lock serialises them.
    """
    async with engine.begin() as conn:
        await conn.execute(text("SELECT pg_advisory_xact_lock(7461626)"))
        await upgrade_schema(conn, settings.control_schema, "control")
        before = await upgrade_schema(conn, settings.template_schema, "tenant")
        if before is None:
            await seed_template(conn, settings.template_schema)
            return True
    return False


async def create_tenant(
    engine: AsyncEngine,
    settings: Settings,
    name: str,
    email: str,
    password: str,
    catalog: Catalog | None = None,
) -> ProvisionedTenant:
    check_tenant_name(name)
    if "@" not in email:
        raise ProvisionError(f"invalid email {email!r}")
    if len(password) < 8:
        raise ProvisionError("the password must have at least 8 characters")
    password_hash = hash_password(password)
    async with engine.begin() as conn:
        control = Control(conn, settings.control_schema)
        if await control.tenant(name) is not None:
            raise ProvisionError(f"tenant {name!r} already exists")
        catalog = catalog or await template_catalog(conn, settings.template_schema)
        schema = await _free_schema_name(conn, settings, email)
        # A plain CREATE SCHEMA: should another process take the name meanwhile, this fails
        # rather than filling someone else's schema (upgrade_schema alone would reuse it).
        await conn.execute(text(f"CREATE SCHEMA {quote_ident(schema)}"))
        await upgrade_schema(conn, schema, "tenant")
        await copy_template(conn, catalog, settings.template_schema, schema)
        await conn.execute(
            text(
                f"INSERT INTO {quote_ident(schema)}.users (email, password_hash, role, is_admin, group_id) "
                "VALUES (:e, :h, 'authenticated', true, 1)"
            ),
            {"e": email, "h": password_hash},
        )
        try:
            tenant_id = await control.add_tenant(name, schema, email)
        except IntegrityError:  # the same name created concurrently
            raise ProvisionError(f"tenant {name!r} already exists") from None
        publishable = await control.create_key(tenant_id, KeyKind.PUBLISHABLE)
        secret = await control.create_key(tenant_id, KeyKind.SECRET)
    return ProvisionedTenant(name, schema, publishable, secret, email)


_CATALOGS: dict[tuple[str, str, str | None], Catalog] = {}


async def template_catalog(conn: AsyncConnection, template: str) -> Catalog:
    """The template's catalog, reflected once per database, template and migration revision.

    Reflecting the template's tables is about half of what provisioning a tenant costs; its tables
    change only by migrations, which move its revision, and a process that creates tenants one after
    another (the CLI in a loop, the benchmark, sign-ups) then reflects it once."""
    revision = await current_revision(conn, template)
    key = (str(conn.engine.url), template, revision)
    catalog = _CATALOGS.get(key)
    if catalog is None:
        catalog = _CATALOGS[key] = await reflect_catalog(conn, template)
    return catalog


async def _free_schema_name(conn: AsyncConnection, settings: Settings, email: str, attempts: int = 20) -> str:
    """A new schema name (seed 003's `<email before @>_<6 digits>`) that no schema has yet.

    Six random digits collide after about a thousand tenants with the same email prefix: a taken
    name is drawn again, never reused.
    """
    reserved = {settings.template_schema, settings.control_schema}
    control = quote_ident(settings.control_schema)
    for _ in range(attempts):
        schema = new_schema_name(email)
        if schema in reserved:
            continue
        taken = await conn.scalar(
            text(
                "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = :s) "
                f"OR EXISTS (SELECT 1 FROM {control}.tenants WHERE schema_name = :s)"
            ),
            {"s": schema},
        )
        if not taken:
            return schema
    raise ProvisionError(f"no free schema name for {email!r} after {attempts} attempts")


async def copy_template(conn: AsyncConnection, catalog: Catalog, template: str, schema: str) -> None:
    """Copy every exposed table's rows, parents first, then move identity sequences past them."""
    source, target = quote_ident(template), quote_ident(schema)
    for name in catalog.copy_order:
        resource = catalog.resources[name]
        if resource.private:
            continue
        columns = [c.name for c in resource.columns.values() if not c.generated]
        cols = ", ".join(quote_ident(c) for c in columns)
        table = quote_ident(name)
        await conn.execute(
            text(
                f"INSERT INTO {target}.{table} ({cols}) OVERRIDING SYSTEM VALUE SELECT {cols} FROM {source}.{table}"
            )
        )
        for column in resource.table.columns:
            if column.identity is not None:
                await conn.execute(
                    text(
                        "SELECT setval(pg_get_serial_sequence(:t, :c), "
                        f"coalesce((SELECT max({quote_ident(column.name)}) FROM {target}.{table}), 0) + 1, false)"
                    ),
                    {"t": f"{target}.{table}", "c": column.name},
                )


async def drop_tenant(engine: AsyncEngine, settings: Settings, name: str) -> str:
    async with engine.begin() as conn:
        control = Control(conn, settings.control_schema)
        tenant = await control.tenant(name)
        if tenant is None:
            raise ProvisionError(f"no tenant named {name!r}")
        if is_reserved_schema(tenant.schema, settings.template_schema, settings.control_schema):
            raise ProvisionError(
                f"refusing to drop schema {tenant.schema!r} of tenant {name!r}: it is not a tenant schema"
            )
        # IF EXISTS: a tenant whose schema is already gone can still be removed.
        await conn.execute(text(f"DROP SCHEMA IF EXISTS {quote_ident(tenant.schema)} CASCADE"))
        await control.remove_tenant(tenant.id)
    return tenant.schema


@dataclass(frozen=True, slots=True)
class MigrationResult:
    tenant: str
    schema: str
    before: str | None
    error: str | None = None


async def migrate_tenants(
    engine: AsyncEngine,
    settings: Settings,
    names: list[str] | None,
    on_done: Callable[[MigrationResult], None] = lambda result: None,
) -> list[MigrationResult]:
    """Upgrade each tenant schema in its own transaction; one failure does not stop the rest."""
    async with engine.connect() as conn:
        tenants = await Control(conn, settings.control_schema).tenants()
    if names is not None:
        known = {t.name for t in tenants}
        missing = [n for n in names if n not in known]
        if missing:
            raise ProvisionError("no tenant named " + ", ".join(repr(n) for n in missing))
        tenants = [t for t in tenants if t.name in names]
    results: list[MigrationResult] = []
    async with engine.connect() as conn:
        for tenant in tenants:
            if is_reserved_schema(tenant.schema, settings.template_schema, settings.control_schema):
                result = MigrationResult(
                    tenant.name, tenant.schema, None, f"refusing to migrate reserved schema {tenant.schema!r}"
                )
                results.append(result)
                on_done(result)
                continue
            try:
                async with conn.begin():
                    before = await upgrade_schema(conn, tenant.schema, "tenant")
                result = MigrationResult(tenant.name, tenant.schema, before)
            except Exception as exc:  # reported per tenant; the loop goes on
                result = MigrationResult(tenant.name, tenant.schema, None, f"{type(exc).__name__}: {exc}")
            results.append(result)
            on_done(result)
    return results
