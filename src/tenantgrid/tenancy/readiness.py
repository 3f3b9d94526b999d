"""Is a tenant's schema at the revision this code expects? If not, its requests answer 503.

A schema behind the code's head (a migration that failed, or has not run yet) lacks columns and
tables the code uses: rather than failing on them mid-request, or worse half-succeeding, every API
answers 503 with Retry-After until the schema is migrated. The check sits where every request of
every API takes its tenant's connection (`Pools.for_schema`, db/pool.py), and costs nothing once a
schema was seen ready: a schema at head stays at head for this code, so "ready" is remembered for
good, a set lookup per request. "Behind" is remembered for `recheck` seconds (auth_cache_ttl), then
the revision is read again, so a migrated tenant is served again within that time.

A revision this code does not know counts as ready: a newer deploy migrated the schema first
(rolling deploys), and the old code's queries still work on the newer schema. A schema without any
revision (no alembic_version table, or no schema at all) is not ready: its provisioning did not
finish, and the code never serves a half schema.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

import asyncpg

from tenantgrid.errors import ApiError
from tenantgrid.tenancy.migrate import head_revision, script_directory
from tenantgrid.tenancy.names import quote_ident

RETRY_AFTER_S = 5
"""A migration takes seconds; a failed one lasts until an operator acts. Clients retry patiently."""
NOT_READY = "tenant_not_ready"


def not_ready(schema: str, revision: str | None, head: str) -> ApiError:
    at = f"at revision {revision}" if revision is not None else "not provisioned"
    return ApiError(
        503,
        NOT_READY,
        "This tenant's database schema is being set up or migrated; try again shortly.",
        f"schema {schema} is {at}; this server needs revision {head}",
        "If this lasts, the operator runs `tenantgrid tenants migrate --all`.",
        headers={"Retry-After": str(RETRY_AFTER_S)},
    )


class SchemaReadiness:
    def __init__(self, head: str, known: Iterable[str], recheck: float) -> None:
        self.head = head
        self.known = frozenset(known)
        """Every revision of this code's tenant chain, head included."""
        self.recheck = recheck
        self.ready: set[str] = set()
        """Schemas seen at head (or newer): never checked again."""
        self._behind: dict[str, tuple[float, str | None]] = {}
        """Schema -> (time.monotonic() until which it counts as behind without asking, its revision)."""

    @classmethod
    def for_code(cls, recheck: float) -> SchemaReadiness:
        """Against this code's tenant chain (parsed once per process, already at start-up)."""
        revisions = (r.revision for r in script_directory("tenant").walk_revisions())
        return cls(head_revision("tenant"), revisions, recheck)

    async def check(self, connection: asyncpg.Connection, schema: str) -> None:
        """Return when `schema` is ready; raise the 503 ApiError otherwise. Called with a connection
        the request holds anyway, only while the schema is not yet known to be ready."""
        if schema in self.ready:  # a TenantConnections taken before the schema was seen ready
            return
        behind = self._behind.get(schema)
        if behind is not None and time.monotonic() < behind[0]:
            raise not_ready(schema, behind[1], self.head)
        revisions = await _revisions(connection, schema)
        if self.head in revisions or any(r not in self.known for r in revisions):
            self.ready.add(schema)
            self._behind.pop(schema, None)
            return
        revision = revisions[0] if revisions else None
        self._behind[schema] = (time.monotonic() + self.recheck, revision)
        raise not_ready(schema, revision, self.head)


async def _revisions(connection: asyncpg.Connection, schema: str) -> list[str]:
    """The schema's recorded revisions (one on a linear chain); none without a version table."""
    try:
        rows = await connection.fetch(f"SELECT version_num FROM {quote_ident(schema)}.alembic_version")
    except (asyncpg.UndefinedTableError, asyncpg.InvalidSchemaNameError):
        return []
    return [row[0] for row in rows]
