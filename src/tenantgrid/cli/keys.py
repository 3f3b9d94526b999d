"""`tenantgrid keys create | list | revoke --tenant NAME`.

`keys create --views V1,V2` makes a secret key scoped to those Gridly views of the tenant: the
Gridly API (`/v1/`) lets it reach only them, and every other API refuses it.
"""

from __future__ import annotations

import json

import click
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from tenantgrid.auth.keys import KeyKind
from tenantgrid.cli.database import run_with_engine
from tenantgrid.tenancy.control import Control, KeyRecord, TenantRecord
from tenantgrid.tenancy.names import quote_ident
from tenantgrid.tenancy.provision import ProvisionError


@click.group()
def keys() -> None:
    """Create, list and revoke a tenant's API keys."""


async def _tenant(control: Control, name: str) -> TenantRecord:
    tenant = await control.tenant(name)
    if tenant is None:
        raise ProvisionError(f"no tenant named {name!r}")
    return tenant


def _view_list(value: str | None) -> list[str] | None:
    if value is None:
        return None
    views = list(dict.fromkeys(v.strip() for v in value.split(",") if v.strip()))
    if not views:
        raise click.BadParameter("name at least one view id, e.g. --views V1,V2", param_hint="--views")
    return views


async def _missing_views(conn: AsyncConnection, tenant: TenantRecord, views: list[str]) -> list[str]:
    """The ids in `views` that are no Gridly view of the tenant."""
    table = f"{quote_ident(tenant.schema)}.gridly_views"
    if await conn.scalar(text("SELECT to_regclass(:t)"), {"t": table}) is None:
        return views
    found = set(
        (await conn.execute(text(f"SELECT id FROM {table} WHERE id = ANY(:v)"), {"v": views})).scalars()
    )
    return [v for v in views if v not in found]


@keys.command("create")
@click.option("--tenant", "tenant_name", required=True)
@click.option("--kind", type=click.Choice(["publishable", "secret"]), default="secret", show_default=True)
@click.option(
    "--views",
    "views_text",
    metavar="V1,V2",
    help="Scope a secret key to these Gridly views (comma-separated ids): it reaches only them.",
)
@click.option("--json", "as_json", is_flag=True)
def create(tenant_name: str, kind: str, views_text: str | None, as_json: bool) -> None:
    """Create a key (shown only now)."""
    views = _view_list(views_text)
    if views is not None and kind != "secret":
        raise click.BadParameter("only a secret key can be scoped to views", param_hint="--views")

    async def work(engine, settings):  # type: ignore[no-untyped-def]
        async with engine.begin() as conn:
            control = Control(conn, settings.control_schema)
            tenant = await _tenant(control, tenant_name)
            if views is not None:
                missing = await _missing_views(conn, tenant, views)
                if missing:
                    raise ProvisionError(f"tenant {tenant_name!r} has no Gridly view {', '.join(missing)}")
            return await control.create_key(tenant.id, KeyKind(kind), views)

    key = run_with_engine(work)
    made: dict[str, object] = {"tenant": tenant_name, "kind": kind, "key": key}
    if views is not None:
        made["views"] = views
    click.echo(json.dumps(made) if as_json else key)


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
        click.echo(json.dumps([_listed(k) for k in records]))
        return
    for k in records:
        state = f"revoked {k.revoked_at:%Y-%m-%d %H:%M}" if k.revoked_at else "active"
        scope = f"  views {','.join(k.views)}" if k.views is not None else ""
        click.echo(f"{k.id:6} {k.kind:12} {k.prefix:16} {state}{scope}")


def _listed(k: KeyRecord) -> dict[str, object]:
    """A key as `keys list --json` shows it; `views` only on a scoped key."""
    listed: dict[str, object] = {
        "id": k.id,
        "kind": k.kind,
        "prefix": k.prefix,
        "created_at": k.created_at.isoformat(),
        "revoked_at": k.revoked_at.isoformat() if k.revoked_at else None,
    }
    if k.views is not None:
        listed["views"] = k.views
    return listed


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
