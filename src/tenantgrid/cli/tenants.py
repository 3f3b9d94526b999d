"""`tenantgrid tenants create | list | migrate | drop`."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

import click

from tenantgrid.cli.database import run_with_engine
from tenantgrid.cli.fleet_report import list_table, migration_report, migration_summary
from tenantgrid.tenancy.inventory import inventory
from tenantgrid.tenancy.migrate import head_revision
from tenantgrid.tenancy.provision import create_tenant, drop_tenant

if TYPE_CHECKING:
    from tenantgrid.tenancy.fleet import MigrationResult


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
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@click.option(
    "--exact", is_flag=True, help="Count every table's rows (slower) instead of PostgreSQL's estimate."
)
def list_(as_json: bool, exact: bool) -> None:
    """List tenants: schema, revision, rows (estimated unless --exact), active API keys."""

    async def work(engine, settings):  # type: ignore[no-untyped-def]
        async with engine.connect() as conn:
            return await inventory(conn, settings, exact=exact)

    records = run_with_engine(work)
    if as_json:
        click.echo(json.dumps([r.as_dict() for r in records]))
        return
    click.echo(list_table(records, head_revision("tenant"), exact))


@tenants.command("migrate")
@click.argument("names", nargs=-1, metavar="[NAME]...")
@click.option("--all", "all_", is_flag=True, help="Migrate every tenant.")
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Tenants migrated at once, each job a process with its own database connection.",
)
@click.option("--dry-run", is_flag=True, help="Change nothing: show per tenant the revisions that would run.")
@click.option(
    "--json", "as_json", is_flag=True, help="Print the summary as JSON (the progress bar is on stderr)."
)
def migrate(names: tuple[str, ...], all_: bool, jobs: int, dry_run: bool, as_json: bool) -> None:
    """Upgrade tenants NAME... (or --all) to the newest revision, each in its own transaction.

    A tenant whose upgrade fails stays on its old revision, intact, and the others go on; the exit
    status is 1 when any failed.
    """
    if bool(names) == all_:
        raise click.UsageError("give tenant NAMEs or --all")
    # Only this command needs the progress bar and the process pool: imported here, not at start-up.
    from tqdm import tqdm

    from tenantgrid.tenancy.fleet import migrate_tenants

    async def work(engine, settings):  # type: ignore[no-untyped-def]
        with tqdm(
            desc="checking" if dry_run else "migrating", unit="tenant", disable=None, file=sys.stderr
        ) as bar:

            def start(count: int) -> None:
                bar.reset(total=count)

            def done(result: MigrationResult) -> None:
                bar.update(1)
                if result.error and not as_json:
                    tqdm.write(f"{result.tenant}: FAILED: {result.error}", file=sys.stderr)

            return await migrate_tenants(
                engine,
                settings,
                list(names) if names else None,
                done,
                jobs=jobs,
                dry_run=dry_run,
                on_start=start,
            )

    results = run_with_engine(work)
    head = head_revision("tenant")
    failed = [r for r in results if r.status == "failed"]
    if as_json:
        click.echo(json.dumps(migration_summary(results, head, dry_run, jobs)))
        if failed:
            raise click.exceptions.Exit(1)
        return
    click.echo(migration_report(results, head, dry_run))
    if failed:
        raise click.ClickException(f"{len(failed)} tenants failed: " + ", ".join(f.tenant for f in failed))


@tenants.command("drop")
@click.argument("name")
@click.option("--yes", is_flag=True, help="Confirm: the schema and all its data are deleted.")
def drop(name: str, yes: bool) -> None:
    """Drop tenant NAME in one step: its schema and all its data, its API keys, sign-in sessions and
    stored files."""
    if not yes:
        raise click.UsageError("dropping a tenant deletes all its data: add --yes to confirm")
    schema = run_with_engine(lambda engine, settings: drop_tenant(engine, settings, name))
    click.echo(
        f"tenant {name} dropped (schema {schema}), with its API keys, sign-in sessions and stored files"
    )
