"""`tenantgrid keys create | list | revoke --tenant NAME`."""

from __future__ import annotations

import json

import click

from tenantgrid.auth.keys import KeyKind
from tenantgrid.cli.database import run_with_engine
from tenantgrid.tenancy.control import Control, TenantRecord
from tenantgrid.tenancy.provision import ProvisionError


@click.group()
def keys() -> None:
    """Create, list and revoke a tenant's API keys."""


async def _tenant(control: Control, name: str) -> TenantRecord:
    tenant = await control.tenant(name)
    if tenant is None:
        raise ProvisionError(f"no tenant named {name!r}")
    return tenant


@keys.command("create")
@click.option("--tenant", "tenant_name", required=True)
@click.option("--kind", type=click.Choice(["publishable", "secret"]), default="secret", show_default=True)
@click.option("--json", "as_json", is_flag=True)
def create(tenant_name: str, kind: str, as_json: bool) -> None:
    """Create a key (shown only now)."""

    async def work(engine, settings):  # type: ignore[no-untyped-def]
        async with engine.begin() as conn:
            control = Control(conn, settings.control_schema)
            return await control.create_key((await _tenant(control, tenant_name)).id, KeyKind(kind))

    key = run_with_engine(work)
    click.echo(json.dumps({"tenant": tenant_name, "kind": kind, "key": key}) if as_json else key)


@keys.command("list")
@click.option("--tenant", "tenant_name", required=True)
@click.option("--json", "as_json", is_flag=True)
def list_(tenant_name: str, as_json: bool) -> None:
    """List a tenant's keys (their ids and prefixes; the keys themselves are not stored)."""

    async def work(engine, settings):  # type: ignore[no-untyped-def]
        async with engine.connect() as conn:
            control = Control(conn, settings.control_schema)
            return await control.keys((await _tenant(control, tenant_name)).id)

    records = run_with_engine(work)
    if as_json:
        click.echo(
            json.dumps(
                [
                    {
                        "id": k.id,
                        "kind": k.kind,
                        "prefix": k.prefix,
                        "created_at": k.created_at.isoformat(),
                        "revoked_at": k.revoked_at.isoformat() if k.revoked_at else None,
                    }
                    for k in records
                ]
            )
        )
        return
    for k in records:
        state = f"revoked {k.revoked_at:%Y-%m-%d %H:%M}" if k.revoked_at else "active"
        click.echo(f"{k.id:6} {k.kind:12} {k.prefix:16} {state}")


@keys.command("revoke")
@click.option("--tenant", "tenant_name", required=True)
@click.argument("key_id", type=int)
def revoke(tenant_name: str, key_id: int) -> None:
    """Revoke key KEY_ID (see `keys list`); it stops working within TENANTGRID_AUTH_CACHE_TTL seconds."""

    async def work(engine, settings):  # type: ignore[no-untyped-def]
        async with engine.begin() as conn:
            control = Control(conn, settings.control_schema)
            return await control.revoke_key((await _tenant(control, tenant_name)).id, key_id)

    if not run_with_engine(work):
        raise click.ClickException(f"tenant {tenant_name} has no active key {key_id}")
    click.echo(f"key {key_id} revoked")
