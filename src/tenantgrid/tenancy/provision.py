"""Provision and drop tenants (migrating them all: tenancy/fleet.py).

A new tenant is one transaction: its schema is made by the tenant revision chain, the template
schema's rows are copied in (all but private tables such as users), its first admin user and two
API keys are created. Either all of it happens or none (tests/api/signup/test_all_or_nothing.py).
Dropping one is a transaction too, followed by its stored files.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from tenantgrid.auth.keys import KeyKind
from tenantgrid.catalog.model import Catalog
from tenantgrid.catalog.reflect import reflect_catalog
from tenantgrid.files import delete_tenant_files
from tenantgrid.settings import Settings
from tenantgrid.tenancy.control import Control
from tenantgrid.tenancy.migrate import current_revision, upgrade_schema
from tenantgrid.tenancy.names import check_tenant_name, is_reserved_schema, new_schema_name, quote_ident
from tenantgrid.tenancy.template import seed_template

log = logging.getLogger("tenantgrid.tenancy")


class ProvisionError(Exception):
    """Provisioning refused; `field` names the input at fault (`email`, `name`), None otherwise."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


EMAIL_LOCK = 7461627
"""Advisory-lock class (first key) under which provisioning serialises per e-mail address."""


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
    """The operator's way in (`tenantgrid tenants create`): any e-mail may own several tenants."""
    check_tenant_name(name)
    if "@" not in email:
        raise ProvisionError(f"invalid email {email!r}", "email")
    if len(password) < 8:
        raise ProvisionError("the password must have at least 8 characters", "password")
    from tenantgrid.auth.passwords import hash_password  # here: passlib costs every other command ~40 ms

    return await provision_tenant(engine, settings, name, email, hash_password(password), catalog=catalog)


async def provision_tenant(
    engine: AsyncEngine,
    settings: Settings,
    name: str | None,
    email: str,
    password_hash: str,
    *,
    catalog: Catalog | None = None,
    unique_email: bool = False,
) -> ProvisionedTenant:
    """Provision a tenant in one transaction: schema, migrations, template rows, first user, control
    row, keys. Any failure rolls all of it back (DDL is transactional in Postgres), so nothing of a
    failed tenant remains: no schema, no control row, no key.

    `name` None: the tenant is named after its schema. `unique_email`: refuse an e-mail that any
    tenant already has (case-insensitive); an advisory lock on the address makes two sign-ups with
    the same address wait for each other, so the second sees the first's row.
    """
    async with engine.begin() as conn:
        control = Control(conn, settings.control_schema)
        if unique_email:
            await _claim_email(conn, settings, email)
        if name is not None and await control.tenant(name) is not None:
            raise ProvisionError(f"tenant {name!r} already exists", "name")
        catalog = catalog or await template_catalog(conn, settings.template_schema)
        schema = await _free_schema_name(conn, settings, email, named_after=name is None)
        name = name or tenant_name_for(schema)
        await create_schema(conn, schema)
        await upgrade_schema(conn, schema, "tenant")
        await copy_template(conn, catalog, settings.template_schema, schema)
        await add_first_user(conn, schema, email, password_hash)
        try:
            tenant_id = await control.add_tenant(name, schema, email)
        except IntegrityError:  # the same name created concurrently
            raise ProvisionError(f"tenant {name!r} already exists", "name") from None
        publishable = await control.create_key(tenant_id, KeyKind.PUBLISHABLE)
        secret = await control.create_key(tenant_id, KeyKind.SECRET)
    return ProvisionedTenant(name, schema, publishable, secret, email)


def tenant_name_for(schema: str) -> str:
    """A tenant name made from its schema name (`alice_123456`), within the 40 characters a name has:
    a long e-mail prefix is cut, the six digits kept."""
    if len(schema) <= 40:
        return schema
    stem, digits = schema.rsplit("_", 1)
    return f"{stem[: 39 - len(digits)]}_{digits}"


async def _claim_email(conn: AsyncConnection, settings: Settings, email: str) -> None:
    await conn.execute(
        text("SELECT pg_advisory_xact_lock(:c, hashtext(lower(:e)))"), {"c": EMAIL_LOCK, "e": email}
    )
    tenants = f"{quote_ident(settings.control_schema)}.tenants"
    taken = await conn.scalar(
        text(f"SELECT EXISTS (SELECT 1 FROM {tenants} WHERE lower(email) = lower(:e))"), {"e": email}
    )
    if taken:
        raise ProvisionError("A tenant with this email already exists.", "email")


async def create_schema(conn: AsyncConnection, schema: str) -> None:
    # A plain CREATE SCHEMA: should another process take the name meanwhile, this fails rather
    # than filling someone else's schema (upgrade_schema alone would reuse it).
    await conn.execute(text(f"CREATE SCHEMA {quote_ident(schema)}"))


async def add_first_user(conn: AsyncConnection, schema: str, email: str, password_hash: str) -> None:
    """The registering user: the tenant's only user, its admin, in the CMDB's admin group (1)."""
    await conn.execute(
        text(
            f"INSERT INTO {quote_ident(schema)}.users (email, password_hash, role, is_admin, group_id) "
            "VALUES (:e, :h, 'authenticated', true, 1)"
        ),
        {"e": email, "h": password_hash},
    )


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


async def _free_schema_name(
    conn: AsyncConnection, settings: Settings, email: str, attempts: int = 20, *, named_after: bool = False
) -> str:
    """A new schema name (seed 003's `<email before @>_<6 digits>`) that no schema has yet.

    Six random digits collide after about a thousand tenants with the same email prefix: a taken
    name is drawn again, never reused. `named_after`: the tenant will be named after the schema,
    so that name must be free too.
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
                f"OR EXISTS (SELECT 1 FROM {control}.tenants WHERE schema_name = :s OR name = :n)"
            ),
            {"s": schema, "n": tenant_name_for(schema) if named_after else None},
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
    """Remove tenant `name` in one step: its schema and all its data, its control row, and with it
    (ON DELETE CASCADE) its API keys, sign-in sessions and refresh tokens; then its stored files.

    The files go after the commit: should the drop fail, the tenant keeps them. A failure to delete
    them is logged, not raised: the tenant is gone, stray objects are only storage.
    """
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
    await _delete_files(settings, tenant.schema)
    return tenant.schema


async def _delete_files(settings: Settings, schema: str) -> None:
    try:
        deleted = await delete_tenant_files(settings, schema)
    except Exception:
        log.exception("tenant schema %s dropped, but deleting its stored files failed", schema)
    else:
        if deleted:
            log.info("tenant schema %s dropped with its %d stored files", schema, deleted)
