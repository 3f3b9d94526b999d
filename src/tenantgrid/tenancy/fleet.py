"""Migrate the fleet: every tenant schema (or some) upgraded to head, each in its own transaction.

A tenant whose upgrade fails is rolled back whole and stays on its old revision, intact; the others
go on. `jobs` > 1 runs that many worker *processes*, each with its own connection: alembic's `op`
(what every revision script calls) is a module-level proxy pointed at one connection per run, so two
upgrades interleaved in one process (asyncio tasks or threads) could send one tenant's DDL down the
other's connection. One process per job keeps every run alone with its own `op`.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import re
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import util as mp_util
from typing import Literal

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from tenantgrid.db.engine import create_engine
from tenantgrid.settings import Settings
from tenantgrid.tenancy.control import Control, TenantRecord
from tenantgrid.tenancy.inventory import schema_revisions
from tenantgrid.tenancy.migrate import (
    UnknownRevision,
    current_revision,
    head_revision,
    pending_revisions,
    upgrade_schema,
)
from tenantgrid.tenancy.names import is_reserved_schema

Status = Literal["migrated", "current", "pending", "failed"]


class FleetError(ValueError):
    """The request itself is wrong (an unknown tenant name): nothing was migrated."""


@dataclass(frozen=True, slots=True)
class MigrationResult:
    """One tenant's outcome. `pending` are the revisions run (or, in a dry run, that would run);
    after a failure `failed_revision` is the one that failed and the schema is still at `before`."""

    tenant: str
    schema: str
    before: str | None
    error: str | None = None
    pending: tuple[str, ...] = ()
    failed_revision: str | None = None
    dry_run: bool = False

    @property
    def status(self) -> Status:
        if self.error is not None:
            return "failed"
        if not self.pending:
            return "current"
        return "pending" if self.dry_run else "migrated"

    @property
    def revision(self) -> str | None:
        """Where the schema is now."""
        if self.status == "migrated":
            return self.pending[-1]
        return self.before

    def as_dict(self) -> dict[str, object]:
        return {
            "tenant": self.tenant,
            "schema": self.schema,
            "status": self.status,
            "before": self.before,
            "revision": self.revision,
            "revisions": list(self.pending),
            "failed_revision": self.failed_revision,
            "error": self.error,
        }


async def select_tenants(
    conn: AsyncConnection, settings: Settings, names: Sequence[str] | None
) -> list[TenantRecord]:
    """Every tenant (by name), or the named ones; FleetError naming any unknown."""
    tenants = await Control(conn, settings.control_schema).tenants()
    if names is None:
        return tenants
    known = {t.name for t in tenants}
    missing = [n for n in dict.fromkeys(names) if n not in known]
    if missing:
        raise FleetError("no tenant named " + ", ".join(repr(n) for n in missing))
    wanted = set(names)
    return [t for t in tenants if t.name in wanted]


async def migrate_tenants(
    engine: AsyncEngine,
    settings: Settings,
    names: Sequence[str] | None,
    on_done: Callable[[MigrationResult], None] = lambda result: None,
    *,
    jobs: int = 1,
    dry_run: bool = False,
    on_start: Callable[[int], None] = lambda count: None,
) -> list[MigrationResult]:
    """Upgrade each tenant schema (all, or `names`) to head; one failure does not stop the rest.

    `on_start` is told how many tenants there are, `on_done` sees each result as it comes (in
    completion order); the list returned is in tenant order.
    A dry run only reads: each tenant's revision and the revisions an upgrade would run.
    """
    if jobs < 1:
        raise FleetError("--jobs must be at least 1")
    async with engine.connect() as conn:
        tenants = await select_tenants(conn, settings, names)
        # One look at every schema's revision first: tenants at head are done without a
        # transaction or a worker of their own, and a dry run needs nothing else.
        revisions = await schema_revisions(conn, [t.schema for t in tenants if not _reserved(t, settings)])
    on_start(len(tenants))
    head = head_revision("tenant")
    results: dict[str, MigrationResult] = {}

    def finish(result: MigrationResult) -> None:
        results[result.tenant] = result
        on_done(result)

    todo: list[TenantRecord] = []
    for tenant in tenants:
        revision = revisions.get(tenant.schema)
        if _reserved(tenant, settings):
            error = f"refusing to migrate reserved schema {tenant.schema!r}"
            finish(MigrationResult(tenant.name, tenant.schema, None, error, dry_run=dry_run))
        elif revision == head:
            finish(MigrationResult(tenant.name, tenant.schema, head, dry_run=dry_run))
        elif dry_run:
            finish(plan(tenant.name, tenant.schema, revision))
        else:
            todo.append(tenant)  # checked again inside its own transaction
    if len(todo) > 1 and jobs > 1:
        await _in_processes(engine, settings, todo, min(jobs, len(todo)), finish)
    elif todo:
        async with engine.connect() as conn:
            for tenant in todo:
                finish(await migrate_one(conn, tenant.name, tenant.schema))
    return [results[t.name] for t in tenants]


def plan(tenant: str, schema: str, revision: str | None) -> MigrationResult:
    """A dry run's answer for a schema at `revision`: the revisions an upgrade would run."""
    try:
        return MigrationResult(
            tenant, schema, revision, None, tuple(pending_revisions(revision)), dry_run=True
        )
    except UnknownRevision as exc:
        return MigrationResult(tenant, schema, revision, _unknown(exc), dry_run=True)


def _unknown(exc: UnknownRevision) -> str:
    return f"{exc} (not in this code's chain, head {head_revision('tenant')})"


async def migrate_one(conn: AsyncConnection, tenant: str, schema: str) -> MigrationResult:
    """Upgrade one schema in one transaction on `conn` (which must be outside a transaction)."""
    before: str | None = None
    pending: tuple[str, ...] = ()
    applied: list[str] = []
    try:
        async with conn.begin():
            before = await current_revision(conn, schema)
            pending = tuple(pending_revisions(before))
            if pending:
                await upgrade_schema(conn, schema, "tenant", applied)
    except UnknownRevision as exc:
        return MigrationResult(tenant, schema, before, _unknown(exc))
    except Exception as exc:  # reported per tenant; the fleet goes on
        failed = pending[len(applied)] if len(applied) < len(pending) else None
        return MigrationResult(tenant, schema, before, describe(exc), pending, failed)
    return MigrationResult(tenant, schema, before, None, pending)


_ASYNCPG_CLASS = re.compile(r"^<class '(?:[\w.]+\.)?(\w+)'>: ")


def describe(exc: BaseException) -> str:
    """The reason in one line: the database's own message for a failed statement, not the SQL."""
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        cause = exc.orig.__cause__ or exc.orig  # the driver's own exception (asyncpg's DuplicateTableError)
        message = str(cause).strip()
        message = _ASYNCPG_CLASS.sub("", message.splitlines()[0]) if message else ""
        return f"{type(cause).__name__}: {message}" if message else type(cause).__name__
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


def _reserved(tenant: TenantRecord, settings: Settings) -> bool:
    return is_reserved_schema(tenant.schema, settings.template_schema, settings.control_schema)


# -- parallel: one process per job, each with its own connection -------------------------------------


async def _in_processes(
    engine: AsyncEngine,
    settings: Settings,
    tenants: list[TenantRecord],
    jobs: int,
    finish: Callable[[MigrationResult], None],
) -> None:
    url = engine.url.render_as_string(hide_password=False)
    context = _worker_context()
    loop = asyncio.get_running_loop()
    with ProcessPoolExecutor(
        jobs, mp_context=context, initializer=_start_worker, initargs=(url, settings)
    ) as pool:

        async def one(tenant: TenantRecord) -> None:
            try:
                fields = await loop.run_in_executor(pool, _migrate_in_worker, tenant.name, tenant.schema)
            except Exception as exc:  # the worker process died: its tenant is reported, not lost
                finish(MigrationResult(tenant.name, tenant.schema, None, f"worker failed: {describe(exc)}"))
                return
            finish(MigrationResult(*fields))

        await asyncio.gather(*(one(t) for t in tenants))


def _worker_context() -> multiprocessing.context.BaseContext:
    """Never a plain fork of this process (its event loop, its connections). A fork server when the
    platform has one: it imports this module once and forks every worker from that, instead of each
    worker importing alembic and SQLAlchemy anew (seconds of CPU each on a busy machine)."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([__name__])
        return context
    return multiprocessing.get_context("spawn")


_worker: dict[str, object] = {}


def _start_worker(url: str, settings: Settings) -> None:
    loop = asyncio.new_event_loop()
    engine = create_engine(url, settings)
    _worker.update(loop=loop, engine=engine, conn=None)

    def close() -> None:
        conn = _worker.get("conn")
        if isinstance(conn, AsyncConnection):
            loop.run_until_complete(conn.close())
        loop.run_until_complete(engine.dispose())
        loop.close()

    mp_util.Finalize(None, close, exitpriority=10)


def _migrate_in_worker(tenant: str, schema: str) -> tuple[object, ...]:
    loop = _worker["loop"]
    assert isinstance(loop, asyncio.AbstractEventLoop)
    return loop.run_until_complete(_migrate_on_worker_connection(tenant, schema))


async def _migrate_on_worker_connection(tenant: str, schema: str) -> tuple[object, ...]:
    conn = _worker.get("conn")
    if not isinstance(conn, AsyncConnection) or conn.closed or conn.invalidated:
        engine = _worker["engine"]
        assert isinstance(engine, AsyncEngine)
        conn = _worker["conn"] = await engine.connect()
    result = await migrate_one(conn, tenant, schema)
    return (
        result.tenant,
        result.schema,
        result.before,
        result.error,
        result.pending,
        result.failed_revision,
        result.dry_run,
    )
