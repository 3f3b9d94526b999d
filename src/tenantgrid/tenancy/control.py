"""Reads and writes of the control plane (tenants and their API keys), shared by the CLI and the server."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from tenantgrid.auth.keys import KeyKind, display_prefix, key_digest, new_key
from tenantgrid.auth.secret import SETTING, JwtSecretError
from tenantgrid.tenancy.names import quote_ident


@dataclass(frozen=True, slots=True)
class TenantRecord:
    id: int
    name: str
    schema: str
    email: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class KeyRecord:
    id: int
    kind: str
    prefix: str
    created_at: datetime
    revoked_at: datetime | None
    views: list[str] | None = None
    """The Gridly views a scoped key reaches; None for a key with the whole tenant."""


class Control:
    """The control schema's tables, reached through one connection."""

    def __init__(self, conn: AsyncConnection, schema: str) -> None:
        self.conn = conn
        self.schema = schema
        self.s = quote_ident(schema)

    async def tenants(self) -> list[TenantRecord]:
        rows = await self.conn.execute(
            text(f"SELECT id, name, schema_name, email, created_at FROM {self.s}.tenants ORDER BY name")
        )
        return [TenantRecord(*row) for row in rows]

    async def tenant(self, name: str) -> TenantRecord | None:
        row = (
            await self.conn.execute(
                text(
                    f"SELECT id, name, schema_name, email, created_at FROM {self.s}.tenants WHERE name = :n"
                ),
                {"n": name},
            )
        ).first()
        return TenantRecord(*row) if row else None

    async def add_tenant(self, name: str, schema: str, email: str) -> int:
        return int(
            await self.conn.scalar(
                text(
                    f"INSERT INTO {self.s}.tenants (name, schema_name, email) VALUES (:n, :s, :e) RETURNING id"
                ),
                {"n": name, "s": schema, "e": email},
            )
        )

    async def remove_tenant(self, tenant_id: int) -> None:
        await self.conn.execute(text(f"DELETE FROM {self.s}.tenants WHERE id = :i"), {"i": tenant_id})

    async def create_key(self, tenant_id: int, kind: KeyKind, views: Sequence[str] | None = None) -> str:
        """A new key; with `views`, a secret key that reaches only those Gridly views."""
        key = new_key(kind)
        await self.conn.execute(
            text(
                f"INSERT INTO {self.s}.api_keys (tenant_id, kind, prefix, key_hash, views) "
                "VALUES (:t, :k, :p, :h, :v)"
            ),
            {
                "t": tenant_id,
                "k": kind.value,
                "p": display_prefix(key),
                "h": key_digest(key),
                "v": None if views is None else list(views),
            },
        )
        return key

    async def keys(self, tenant_id: int) -> list[KeyRecord]:
        rows = await self.conn.execute(
            text(
                f"SELECT id, kind, prefix, created_at, revoked_at, views FROM {self.s}.api_keys "
                "WHERE tenant_id = :t ORDER BY id"
            ),
            {"t": tenant_id},
        )
        return [KeyRecord(*row) for row in rows]

    async def revoke_key(self, tenant_id: int, key_id: int) -> bool:
        result = await self.conn.execute(
            text(
                f"UPDATE {self.s}.api_keys SET revoked_at = now() "
                "WHERE tenant_id = :t AND id = :i AND revoked_at IS NULL"
            ),
            {"t": tenant_id, "i": key_id},
        )
        return bool(result.rowcount)

    async def jwt_secret(self) -> str:
        """The row `jwt_secret` of `server_secrets`; JwtSecretError when there is none."""
        value = await self.conn.scalar(
            text(f"SELECT value FROM {self.s}.server_secrets WHERE name = 'jwt_secret'")
        )
        if value is None:
            raise JwtSecretError(
                f"no JWT secret: the row 'jwt_secret' of {self.schema}.server_secrets is missing and "
                f"{SETTING} is unset. Set {SETTING}, or restore the row with: INSERT INTO "
                f"{self.s}.server_secrets (name, value) VALUES ('jwt_secret', "
                f"encode({self.s}.gen_random_bytes_compat(), 'hex')). Either way, access tokens "
                "issued before no longer verify."
            )
        return str(value)
