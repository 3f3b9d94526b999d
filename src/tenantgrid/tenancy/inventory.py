"""What `tenantgrid tenants list` shows: each tenant's revision, row counts and active keys.

Made for a thousand tenants and more: a fixed handful of catalog queries for the whole fleet, not
one per tenant. Row counts are PostgreSQL's own estimate by default (`n_live_tup` of the cumulative
statistics, kept current by every insert and delete once their transaction ends, and reset by
VACUUM/ANALYZE: near-exact in service, but it can lag a second or so behind a fresh write and is
zero after a statistics reset, when the planner's `reltuples` (as of the last VACUUM/ANALYZE) stands
in). `exact=True` counts every table instead (one statement per tenant:
seconds at a thousand tenants with data, more with millions of rows).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from tenantgrid.settings import Settings
from tenantgrid.tenancy.control import Control
from tenantgrid.tenancy.migrate import UnknownRevision, head_revision, pending_revisions
from tenantgrid.tenancy.names import quote_ident

State = Literal["current", "behind", "unknown", "missing"]
"""current: at this code's head; behind: an ancestor of it (`migrate` would upgrade it); unknown: a
revision this code does not know (a newer deploy's); missing: no schema or no revision recorded."""

API_PREFIXES = (("cmdb_", "cmdb"), ("gridly_", "gridly"), ("gainfully_", "gainfully"))
"""Tables are grouped per API by name; the rest are PostgREST's tables (and `users`, shared by all)."""

_CHUNK = 200
"""Schemas per statement reading revisions: each holds two locks (table, primary key) until commit,
and the lock table is shared (max_locks_per_transaction x max_connections)."""


@dataclass(frozen=True, slots=True)
class TenantInventory:
    tenant: str
    schema: str
    email: str
    created_at: datetime
    revision: str | None
    state: State
    pending: int
    rows: int | None
    rows_by_api: dict[str, int] = field(default_factory=dict)
    rows_exact: bool = False
    keys: int = 0

    def as_dict(self) -> dict[str, object]:
        return {
            "tenant": self.tenant,
            "schema": self.schema,
            "email": self.email,
            "created_at": self.created_at.isoformat(),
            "revision": self.revision,
            "state": self.state,
            "pending_revisions": self.pending,
            "rows": self.rows,
            "rows_by_api": self.rows_by_api,
            "rows_exact": self.rows_exact,
            "keys": self.keys,
        }


def api_of(table: str) -> str:
    for prefix, api in API_PREFIXES:
        if table.startswith(prefix):
            return api
    return "postgrest"


async def inventory(
    conn: AsyncConnection, settings: Settings, *, exact: bool = False
) -> list[TenantInventory]:
    """Every tenant's line. Only reads, committing as it goes on `conn` to hold few locks at a time."""
    tenants = await Control(conn, settings.control_schema).tenants()
    schemas = [t.schema for t in tenants]
    tables = await _tables(conn, schemas)
    revisions = await _revisions(conn, [s for s in schemas if "alembic_version" in tables.get(s, {})])
    counts = await _exact_counts(conn, tables) if exact else tables
    keys = await _active_keys(conn, settings.control_schema)
    head = head_revision("tenant")
    listed: list[TenantInventory] = []
    for t in tenants:
        revision = revisions.get(t.schema)
        state, pending = _state(revision, head)
        per_table = counts.get(t.schema)
        by_api: dict[str, int] = {}
        for table, count in (per_table or {}).items():
            if table != "alembic_version":
                by_api[api_of(table)] = by_api.get(api_of(table), 0) + count
        listed.append(
            TenantInventory(
                tenant=t.name,
                schema=t.schema,
                email=t.email,
                created_at=t.created_at,
                revision=revision,
                state=state,
                pending=pending,
                rows=sum(by_api.values()) if per_table is not None else None,
                rows_by_api=dict(sorted(by_api.items())),
                rows_exact=exact,
                keys=keys.get(t.id, 0),
            )
        )
    return listed


def _state(revision: str | None, head: str) -> tuple[State, int]:
    if revision is None:
        return "missing", 0
    if revision == head:
        return "current", 0
    try:
        return "behind", len(pending_revisions(revision))
    except UnknownRevision:
        return "unknown", 0


async def schema_revisions(conn: AsyncConnection, schemas: list[str]) -> dict[str, str]:
    """The revision recorded in each of `schemas` that has one (a schema missing, or without a
    version row, is left out): a couple of statements for the whole fleet."""
    rows = await conn.execute(
        text(
            "SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relname = 'alembic_version' AND c.relkind = 'r' AND n.nspname = ANY(:schemas)"
        ),
        {"schemas": schemas},
    )
    return await _revisions(conn, [schema for (schema,) in rows])


async def _tables(conn: AsyncConnection, schemas: list[str]) -> dict[str, dict[str, int]]:
    """Every table of those schemas with its estimated row count (one catalog query): the live-row
    count of the statistics, or where that is zero the planner's count as of the last VACUUM/ANALYZE."""
    rows = await conn.execute(
        text(
            "SELECT n.nspname, c.relname, "
            "CASE WHEN pg_stat_get_live_tuples(c.oid) > 0 THEN pg_stat_get_live_tuples(c.oid) "
            "ELSE greatest(c.reltuples, 0)::bigint END "
            "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind IN ('r', 'p') AND n.nspname = ANY(:schemas)"
        ),
        {"schemas": schemas},
    )
    found: dict[str, dict[str, int]] = {}
    for schema, table, estimate in rows:
        found.setdefault(schema, {})[table] = int(estimate)
    return found


async def _revisions(conn: AsyncConnection, schemas: list[str]) -> dict[str, str]:
    """Each schema's alembic revision, read in a few UNION ALL statements (schemas come from the
    catalog, quoted; the name in the result is a bound parameter)."""
    found: dict[str, str] = {}
    for start in range(0, len(schemas), _CHUNK):
        chunk = schemas[start : start + _CHUNK]
        parts = [
            f"(SELECT :s{i} AS schema, version_num FROM {quote_ident(s)}.alembic_version LIMIT 1)"
            for i, s in enumerate(chunk)
        ]
        rows = await conn.execute(text(" UNION ALL ".join(parts)), {f"s{i}": s for i, s in enumerate(chunk)})
        found.update({schema: version for schema, version in rows})
        await conn.commit()  # read only; each table read holds a lock until the transaction ends
    return found


async def _exact_counts(
    conn: AsyncConnection, tables: dict[str, dict[str, int]]
) -> dict[str, dict[str, int]]:
    counted: dict[str, dict[str, int]] = {}
    for schema, names in tables.items():
        wanted = [n for n in names if n != "alembic_version"]
        if not wanted:
            counted[schema] = {}
            continue
        parts = [
            f"SELECT :t{i} AS name, count(*) FROM {quote_ident(schema)}.{quote_ident(n)}"
            for i, n in enumerate(wanted)
        ]
        rows = await conn.execute(text(" UNION ALL ".join(parts)), {f"t{i}": n for i, n in enumerate(wanted)})
        counted[schema] = {name: int(count) for name, count in rows}
        await conn.commit()  # one transaction per tenant: a thousand tenants' locks would not fit at once
    return counted


async def _active_keys(conn: AsyncConnection, control_schema: str) -> dict[int, int]:
    """Keys not revoked (nor expired, nor bound to a panel session, where the control plane has those
    columns: such a key belongs to a sign-in, not to the tenant's own keys)."""
    columns = set(
        (
            await conn.execute(
                text(
                    "SELECT column_name FROM information_schema.columns WHERE table_schema = :s AND table_name = 'api_keys'"
                ),
                {"s": control_schema},
            )
        ).scalars()
    )
    where = ["revoked_at IS NULL"]
    if "expires_at" in columns:
        where.append("(expires_at IS NULL OR expires_at > now())")
    if "session_id" in columns:
        where.append("session_id IS NULL")
    rows = await conn.execute(
        text(
            f"SELECT tenant_id, count(*) FROM {quote_ident(control_schema)}.api_keys "
            f"WHERE {' AND '.join(where)} GROUP BY tenant_id"
        )
    )
    return {int(tenant_id): int(count) for tenant_id, count in rows}
