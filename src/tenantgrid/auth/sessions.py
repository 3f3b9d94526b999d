"""Sign-in sessions: password login, rotating refresh tokens, logout.

A session is a chain of refresh tokens. Each token works once; using a spent one again revokes the
whole session (the thief and the owner are both signed out), as GoTrue does with a reuse interval
of zero. Users live in the tenant's schema; sessions and token digests in the control schema.
A deactivated user (`users.active` false) signs in nowhere: the same error as a wrong password,
after the same work, and their refresh tokens no longer refresh.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from tenantgrid.auth.passwords import check_password
from tenantgrid.auth.principal import Tenant
from tenantgrid.auth.tokens import new_refresh_token, refresh_digest
from tenantgrid.db.affinity import TenantConnections
from tenantgrid.settings import Settings
from tenantgrid.tenancy.names import quote_ident

USER_COLUMNS = (
    "id, email, role, user_metadata::text, app_metadata::text, email_confirmed_at, last_sign_in_at, "
    "created_at, updated_at"
)


class AuthFailure(Exception):
    def __init__(self, status: int, error_code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.error_code = error_code
        self.message = message


@dataclass(frozen=True, slots=True)
class User:
    id: str
    email: str
    role: str
    user_metadata: str
    app_metadata: str
    email_confirmed_at: datetime | None
    last_sign_in_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: Any) -> User:
        return cls(str(row[0]), *row[1:])


@dataclass(frozen=True, slots=True)
class Session:
    id: uuid.UUID
    user: User
    refresh_token: str


class SessionStore:
    def __init__(self, pool: TenantConnections, settings: Settings) -> None:
        self.pool = pool
        self.settings = settings
        self.c = quote_ident(settings.control_schema)

    async def sign_in(self, tenant: Tenant, email: str, password: str) -> Session:
        s = quote_ident(tenant.schema)
        row = await self.pool.fetchrow(
            f"SELECT password_hash, {USER_COLUMNS}, active FROM {s}.users WHERE lower(email) = lower($1)",
            email,
        )
        valid = await check_password(password, row[0] if row else None)
        if not valid or row is None or not row["active"]:
            raise AuthFailure(400, "invalid_credentials", "Invalid login credentials")
        async with self.pool.acquire() as conn, conn.transaction():
            user_row = await conn.fetchrow(
                f"UPDATE {s}.users SET last_sign_in_at = now() WHERE id = $1 RETURNING {USER_COLUMNS}", row[1]
            )
            session_id = uuid.uuid4()
            await conn.execute(
                f"INSERT INTO {self.c}.auth_sessions (id, tenant_id, user_id) VALUES ($1, $2, $3)",
                session_id,
                tenant.id,
                row[1],
            )
            token = await self._new_token(conn, session_id)
        return Session(session_id, User.from_row(user_row), token)

    async def refresh(self, tenant: Tenant, token: str) -> Session:
        digest = refresh_digest(token)
        failure: AuthFailure | None = None
        async with self.pool.acquire() as conn, conn.transaction():
            found = await conn.fetchrow(
                f"SELECT r.session_id, r.spent_at IS NOT NULL, r.expires_at <= now(), s.revoked_at IS NOT NULL, s.user_id "
                f"FROM {self.c}.refresh_tokens r JOIN {self.c}.auth_sessions s ON s.id = r.session_id "
                "WHERE r.token_hash = $1 AND s.tenant_id = $2 FOR UPDATE OF r",
                digest,
                tenant.id,
            )
            if found is None:
                raise AuthFailure(
                    400, "refresh_token_not_found", "Invalid Refresh Token: Refresh Token Not Found"
                )
            session_id, spent, expired, revoked, user_id = found
            if revoked:
                raise AuthFailure(
                    400, "session_not_found", "Invalid Refresh Token: Session Expired (Revoked)"
                )
            if spent:
                # The revocation must outlive the refusal: commit it, then answer the error.
                await self._revoke(conn, "s.id = $1", session_id)
                failure = AuthFailure(
                    400, "refresh_token_already_used", "Invalid Refresh Token: Already Used"
                )
            elif expired:
                raise AuthFailure(
                    400, "refresh_token_not_found", "Invalid Refresh Token: Refresh Token Expired"
                )
            else:
                await conn.execute(
                    f"UPDATE {self.c}.refresh_tokens SET spent_at = now() WHERE token_hash = $1", digest
                )
                user_row = await conn.fetchrow(
                    f"SELECT {USER_COLUMNS} FROM {quote_ident(tenant.schema)}.users WHERE id = $1 AND active",
                    user_id,
                )
                if user_row is None:
                    raise AuthFailure(400, "user_not_found", "User from refresh token not found")
                new_token = await self._new_token(conn, session_id)
        if failure is not None:
            raise failure
        return Session(session_id, User.from_row(user_row), new_token)

    async def user(self, tenant: Tenant, user_id: str, session_id: str) -> User:
        if session_id:
            revoked = await self.pool.fetchval(
                f"SELECT revoked_at IS NOT NULL FROM {self.c}.auth_sessions WHERE id = $1::uuid AND tenant_id = $2",
                session_id,
                tenant.id,
            )
            if revoked is None or revoked:
                raise AuthFailure(
                    403, "session_not_found", "Session from session_id claim in JWT does not exist"
                )
        row = await self.pool.fetchrow(
            f"SELECT {USER_COLUMNS} FROM {quote_ident(tenant.schema)}.users WHERE id = $1::uuid", user_id
        )
        if row is None:
            raise AuthFailure(403, "user_not_found", "User from sub claim in JWT does not exist")
        return User.from_row(row)

    async def sign_out(self, tenant: Tenant, user_id: str, session_id: str, scope: str) -> None:
        where = {
            "local": (
                "s.tenant_id = $1 AND s.user_id = $2::uuid AND s.id = $3::uuid",
                (tenant.id, user_id, session_id),
            ),
            "global": ("s.tenant_id = $1 AND s.user_id = $2::uuid", (tenant.id, user_id)),
            "others": (
                "s.tenant_id = $1 AND s.user_id = $2::uuid AND s.id <> $3::uuid",
                (tenant.id, user_id, session_id),
            ),
        }[scope]
        async with self.pool.acquire() as conn, conn.transaction():
            await self._revoke(conn, where[0], *where[1])

    async def _revoke(self, conn: asyncpg.Connection, where: str, *args: Any) -> None:
        await conn.execute(
            f"WITH gone AS (UPDATE {self.c}.auth_sessions s SET revoked_at = now() WHERE {where} "
            "AND s.revoked_at IS NULL RETURNING s.id) "
            f"UPDATE {self.c}.refresh_tokens SET spent_at = coalesce(spent_at, now()) "
            "WHERE session_id IN (SELECT id FROM gone)",
            *args,
        )

    async def _new_token(self, conn: asyncpg.Connection, session_id: uuid.UUID) -> str:
        token = new_refresh_token()
        await conn.execute(
            f"INSERT INTO {self.c}.refresh_tokens (token_hash, session_id, expires_at) "
            "VALUES ($1, $2, now() + make_interval(secs => $3))",
            refresh_digest(token),
            session_id,
            float(self.settings.refresh_token_ttl),
        )
        return token
