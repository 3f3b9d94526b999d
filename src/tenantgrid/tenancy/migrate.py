"""Run an alembic revision chain on one schema, each schema keeping its own version table.

The chain's script directory is parsed once per process and reused for every schema, so migrating
a thousand tenants costs a thousand short transactions, not a thousand alembic start-ups.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from alembic.script import ScriptDirectory
from alembic.script.revision import RevisionError
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncConnection

from tenantgrid.tenancy.names import quote_ident

Chain = Literal["tenant", "control"]
MIGRATIONS_DIR = Path(__file__).resolve().parents[3] / "migrations"


@lru_cache
def script_directory(chain: Chain) -> ScriptDirectory:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR / chain))
    return ScriptDirectory.from_config(config)


def head_revision(chain: Chain) -> str:
    head = script_directory(chain).get_current_head()
    assert head is not None
    return head


async def upgrade_schema(
    conn: AsyncConnection, schema: str, chain: Chain = "tenant", applied: list[str] | None = None
) -> str | None:
    """Create `schema` if needed and upgrade it to head inside the caller's transaction.

    Returns the revision the schema was at before (None for a new schema). Each revision applied is
    appended to `applied` as it completes, so that after a failure the caller knows which one failed
    (the first pending one not in the list); the transaction then rolls all of them back.

    Not safe to run concurrently in one process: alembic's `op` is a module-level proxy that each run
    points at its own connection (see tenancy/fleet.py, which migrates in parallel in processes).
    """
    return await conn.run_sync(_upgrade, schema, chain, applied)


async def downgrade_schema(conn: AsyncConnection, schema: str, target: str, chain: Chain = "tenant") -> None:
    """Downgrade `schema` to revision `target` inside the caller's transaction (tests, benchmarks and
    the `alembic` command by hand; the server never downgrades)."""
    await conn.run_sync(_downgrade, schema, target, chain)


class UnknownRevision(ValueError):
    """A schema's recorded revision is not in this code's chain (a newer deploy's, or a broken row)."""


def pending_revisions(current: str | None, chain: Chain = "tenant") -> list[str]:
    """The revisions an upgrade from `current` to head runs, oldest first (all of them for None)."""
    script = script_directory(chain)
    try:
        revisions = list(script.iterate_revisions("heads", current or "base"))
    except RevisionError as exc:
        raise UnknownRevision(f"unknown revision {current!r}") from exc
    return [r.revision for r in reversed(revisions)]


async def current_revision(conn: AsyncConnection, schema: str) -> str | None:
    exists = await conn.scalar(
        text("SELECT to_regclass(:t) IS NOT NULL"), {"t": f"{quote_ident(schema)}.alembic_version"}
    )
    if not exists:
        return None
    return await conn.scalar(text(f"SELECT version_num FROM {quote_ident(schema)}.alembic_version"))


def _upgrade(sync_conn: Connection, schema: str, chain: Chain, applied: list[str] | None) -> str | None:
    script = script_directory(chain)
    sync_conn.exec_driver_sql(f"CREATE SCHEMA IF NOT EXISTS {quote_ident(schema)}")
    sync_conn.exec_driver_sql(f"SET LOCAL search_path TO {quote_ident(schema)}, public")
    before: list[str | None] = []

    def upgrade_fn(rev, _context):  # type: ignore[no-untyped-def]
        before.append(rev[0] if rev else None)
        return script._upgrade_revs("head", rev)

    def on_apply(*, step, **_kw):  # type: ignore[no-untyped-def]
        if applied is not None:
            applied.extend(step.up_revision_ids)

    config = Config()
    with EnvironmentContext(config, script, fn=upgrade_fn, destination_rev="head") as env:
        env.configure(
            connection=sync_conn,
            version_table_schema=schema,
            transactional_ddl=True,
            on_version_apply=on_apply,
        )
        env.run_migrations()
    return before[0] if before else None


def _downgrade(sync_conn: Connection, schema: str, target: str, chain: Chain) -> None:
    script = script_directory(chain)
    sync_conn.exec_driver_sql(f"SET LOCAL search_path TO {quote_ident(schema)}, public")

    def downgrade_fn(rev, _context):  # type: ignore[no-untyped-def]
        return script._downgrade_revs(target, rev)

    with EnvironmentContext(Config(), script, fn=downgrade_fn, destination_rev=target) as env:
        env.configure(connection=sync_conn, version_table_schema=schema, transactional_ddl=True)
        env.run_migrations()


def run_alembic_env(chain: Chain) -> None:
    """The body of `migrations/<chain>/env.py`, for the `alembic` command run by hand.

    `alembic -n tenant -x schema=acme_123456 upgrade head` (or `downgrade`, `current`) works on one
    schema; without `-x schema` on the chain's own schema (template or control). tenantgrid itself
    does not go through env.py: `upgrade_schema` drives the chain directly.
    """
    import asyncio

    from alembic import context

    from tenantgrid.db.engine import create_engine
    from tenantgrid.db.url import resolve_database_url
    from tenantgrid.settings import get_settings

    if context.is_offline_mode():
        raise SystemExit("offline (--sql) mode is not supported: tenantgrid migrates live schemas")
    settings = get_settings()
    default = settings.control_schema if chain == "control" else settings.template_schema
    schema = context.get_x_argument(as_dictionary=True).get("schema") or default

    def run_in(sync_conn: Connection) -> None:
        sync_conn.exec_driver_sql(f"CREATE SCHEMA IF NOT EXISTS {quote_ident(schema)}")
        sync_conn.exec_driver_sql(f"SET LOCAL search_path TO {quote_ident(schema)}, public")
        context.configure(connection=sync_conn, version_table_schema=schema, transactional_ddl=True)
        context.run_migrations()

    async def run() -> None:
        engine = create_engine(resolve_database_url(settings), settings)
        try:
            async with engine.begin() as conn:
                await conn.run_sync(run_in)
        finally:
            await engine.dispose()

    asyncio.run(run())
