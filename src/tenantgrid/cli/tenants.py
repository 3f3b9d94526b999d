"""`tenantgrid tenants create | list | migrate | drop`."""

from __future__ import annotations

import json

import click
from tqdm import tqdm

from tenantgrid.cli.database import run_with_engine
from tenantgrid.tenancy.control import Control
from tenantgrid.tenancy.migrate import head_revision
from tenantgrid.tenancy.provision import MigrationResult, create_tenant, drop_tenant, migrate_tenants


@click.group()
def tenants() -> None:
    """Provision, list, migrate and drop tenants."""


@tenants.command("create")
@click.argument("name")
@click.option("--email", required=True, help="The first admin user's email.")
@click.option("--password", required=True, help="The first admin user's password (8+ characters).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def create(name: str, email: str, password: str, as_json: bool) -> None:
    """Provision tenant NAME: its schema, template data, first admin user and two API keys."""
    tenant = run_with_engine(lambda engine, settings: create_tenant(engine, settings, name, email, password))
    if as_json:
        click.echo(json.dumps(tenant.as_dict()))
        return
    click.echo(f"tenant {tenant.tenant} created (keys are shown only now)")
    for key, value in tenant.as_dict().items():
        click.echo(f"  {key:16} {value}")


@tenants.command("list")
@click.option("--json", "as_json", is_flag=True)
def list_(as_json: bool) -> None:
    """List tenants with their schemas."""

    async def work(engine, settings):  # type: ignore[no-untyped-def]
        async with engine.connect() as conn:
            return await Control(conn, settings.control_schema).tenants()

    records = run_with_engine(work)
    if as_json:
        click.echo(
            json.dumps(
                [
                    {
                        "tenant": t.name,
                        "schema": t.schema,
                        "email": t.email,
                        "created_at": t.created_at.isoformat(),
                    }
                    for t in records
                ]
            )
        )
        return
    for t in records:
        click.echo(f"{t.name:24} {t.schema:32} {t.email}")


@tenants.command("migrate")
@click.argument("name", required=False)
@click.option("--all", "all_", is_flag=True, help="Migrate every tenant.")
def migrate(name: str | None, all_: bool) -> None:
    """Upgrade tenant NAME (or --all) to the newest revision; a failure in one does not stop the rest."""
    if bool(name) == all_:
        raise click.UsageError("give a tenant NAME or --all")
    failures: list[MigrationResult] = []

    async def work(engine, settings):  # type: ignore[no-untyped-def]
        with tqdm(desc="migrating", unit="tenant", disable=None) as bar:

            def done(result: MigrationResult) -> None:
                bar.update(1)
                if result.error:
                    failures.append(result)
                    tqdm.write(f"{result.tenant}: FAILED: {result.error}")

            return await migrate_tenants(engine, settings, [name] if name else None, done)

    results = run_with_engine(work)
    click.echo(
        f"{len(results) - len(failures)} of {len(results)} tenants at revision {head_revision('tenant')}"
    )
    if failures:
        raise click.ClickException(
            f"{len(failures)} tenants failed: " + ", ".join(f.tenant for f in failures)
        )


@tenants.command("drop")
@click.argument("name")
@click.option("--yes", is_flag=True, help="Confirm: the schema and all its data are deleted.")
def drop(name: str, yes: bool) -> None:
    """Drop tenant NAME, its schema and all its data."""
    if not yes:
        raise click.UsageError("dropping a tenant deletes all its data: add --yes to confirm")
    schema = run_with_engine(lambda engine, settings: drop_tenant(engine, settings, name))
    click.echo(f"tenant {name} dropped (schema {schema})")
