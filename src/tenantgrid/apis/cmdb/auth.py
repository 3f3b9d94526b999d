"""Who calls the CMDB API, and for which tenant.

Credentials, all accepted on every route:
- a tenant API key (`Api-Key`, `apikey`, `Authorization: ApiKey`): a secret key holds every right;
  a publishable key only names the tenant and needs a user's credentials beside it;
- `Authorization: Bearer <access token>` from `POST /rest/auth/login` or `/auth/v1/token`: the
  tenant is the token's `schema` claim, the rights those of the user's group;
- HTTP Basic `user_name:password`: the tenant comes from a key beside it or from the URL,
  `/tenants/{schema}/rest/...`.
A key or token for another tenant than the URL names is refused (403). Unknown users, wrong
passwords and deactivated users get the same 401 after the same work (an Argon2 check against a
dummy hash when there is no user). A verified Basic password is remembered for `BASIC_TTL_S`, keyed by
a digest of (schema, user, password) and bound to the stored hash, so a client that sends Basic on
every request pays the hash once, and a changed password stops the old one at once.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import time
from dataclasses import dataclass
from typing import Any

import asyncpg
from starlette.requests import Request

from tenantgrid import errors
from tenantgrid.apis.cmdb import failures, rights
from tenantgrid.auth.credentials import read_credentials
from tenantgrid.auth.keys import KeyKind
from tenantgrid.auth.passwords import check_password
from tenantgrid.auth.principal import Tenant
from tenantgrid.auth.tokens import AccessClaims
from tenantgrid.bounded_cache import BoundedCache
from tenantgrid.db.affinity import TenantConnections
from tenantgrid.db.execute import database_errors
from tenantgrid.runtime import Runtime
from tenantgrid.tenancy.names import quote_ident

BASIC_TTL_S = 60.0
BASIC_CACHE_SIZE = 10_000
TENANT_CACHE_SIZE = 10_000
BAD_LOGIN = "Invalid user name or password"
USER_COLUMNS = "u.id::text, u.public_id, u.user_name, u.active, u.password_hash, g.rights, u.group_id"


@dataclass(frozen=True, slots=True)
class AuthUser:
    uuid: str
    public_id: int
    user_name: str
    active: bool
    password_hash: str
    rights: tuple[str, ...]
    group_id: int | None = None

    @classmethod
    def of(cls, row: asyncpg.Record) -> AuthUser:
        return cls(row[0], row[1], row[2], row[3], row[4], tuple(row[5] or ()), row[6])


@dataclass(frozen=True, slots=True)
class Caller:
    """An authenticated CMDB request: its tenant, its rights, and its user when one signed in."""

    tenant: Tenant
    rights: frozenset[str]
    user_id: int | None = None
    """The user's `public_id`; None for a tenant key alone."""
    user_name: str | None = None
    user_uuid: str | None = None
    acl_group: int | None = None
    """The group whose permissions a type's `acl` grants this caller; None: no acl applies (a
    secret key holds every right, as `service_role` does)."""

    def may(self, right: str) -> bool:
        return rights.holds(self.rights, right)

    def require(self, right: str) -> None:
        rights.require(self.rights, right)

    def is_user(self, public_id: int) -> bool:
        return self.user_id is not None and self.user_id == public_id


@dataclass(frozen=True, slots=True)
class BasicCredentials:
    user_name: str
    password: str


class CmdbAuth:
    """Per-process caches of the CMDB's authentication; one per app, see `cmdb_auth`."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self._tenants: BoundedCache[str, tuple[Tenant | None, float]] = BoundedCache(TENANT_CACHE_SIZE)
        self._basic: BoundedCache[bytes, tuple[str, float]] = BoundedCache(BASIC_CACHE_SIZE)
        self._token_users: BoundedCache[tuple[str, str], tuple[AuthUser | None, float]] = BoundedCache(
            BASIC_CACHE_SIZE
        )
        control = quote_ident(runtime.settings.control_schema)
        self._tenant_sql = f"SELECT id, name, schema_name FROM {control}.tenants WHERE schema_name = $1"
        self._session_sql = (
            f"INSERT INTO {control}.auth_sessions (id, tenant_id, user_id) VALUES ($1, $2, $3)"
        )

    def pool(self, tenant: Tenant) -> TenantConnections:
        return self.runtime.pools.for_schema(tenant.schema)

    async def tenant_by_schema(self, schema: str) -> Tenant | None:
        now = time.monotonic()
        cached = self._tenants.get(schema)
        if cached is not None and cached[1] > now:
            return cached[0]
        with database_errors():
            row = await self.runtime.pools.control.fetchrow(self._tenant_sql, schema)
        tenant = Tenant(row[0], row[1], row[2]) if row else None
        self._tenants.put(schema, (tenant, now + self.runtime.settings.auth_cache_ttl))
        return tenant

    async def user_by_name(self, tenant: Tenant, user_name: str) -> AuthUser | None:
        s = quote_ident(tenant.schema)
        with database_errors():
            row = await self.pool(tenant).fetchrow(
                f"SELECT {USER_COLUMNS} FROM {s}.users u JOIN {s}.cmdb_groups g ON g.public_id = u.group_id "
                "WHERE lower(u.user_name) = lower($1)",
                user_name,
            )
        return AuthUser.of(row) if row else None

    async def token_user(self, tenant: Tenant, uuid: str) -> AuthUser | None:
        """A Bearer token's user, remembered for `auth_cache_ttl` (2 s by default) as API keys are:
        a request with a token then costs no query of its own. A user deactivated, deleted or moved
        to another group keeps their old rights for at most that long in other processes; this
        process forgets at once (`forget_users`)."""
        now = time.monotonic()
        cached = self._token_users.get((tenant.schema, uuid))
        if cached is not None and cached[1] > now:
            return cached[0]
        user = await self.user_by_uuid(tenant, uuid)
        self._token_users.put((tenant.schema, uuid), (user, now + self.runtime.settings.auth_cache_ttl))
        return user

    def forget_users(self) -> None:
        """After a write to users or groups: no remembered token user outlives it in this process."""
        self._token_users.clear()

    async def user_by_uuid(self, tenant: Tenant, uuid: str) -> AuthUser | None:
        s = quote_ident(tenant.schema)
        with database_errors():
            row = await self.pool(tenant).fetchrow(
                f"SELECT {USER_COLUMNS} FROM {s}.users u JOIN {s}.cmdb_groups g ON g.public_id = u.group_id "
                "WHERE u.id = $1::uuid",
                uuid,
            )
        return AuthUser.of(row) if row else None

    async def verify_password(self, tenant: Tenant, user_name: str, password: str) -> AuthUser:
        """The active user with this name and password, else the one 401 for every failure."""
        user = await self.user_by_name(tenant, user_name)
        key = hashlib.sha256("\0".join((tenant.schema, user_name.lower(), password)).encode()).digest()
        cached = self._basic.get(key)
        now = time.monotonic()
        if not (
            user is not None and cached is not None and cached[0] == user.password_hash and cached[1] > now
        ):
            valid = await check_password(password, user.password_hash if user else None)
            if user is None or not valid:
                raise failures.unauthorized(BAD_LOGIN)
            self._basic.put(key, (user.password_hash, now + BASIC_TTL_S))
        if not user.active:
            raise failures.unauthorized(BAD_LOGIN)
        return user

    async def record_session(self, tenant: Tenant, user: AuthUser, session_id: Any) -> None:
        """A login's session row, so its token works on `/auth/v1/user` and `/auth/v1/logout` too."""
        with database_errors():
            await self.runtime.pools.control.execute(self._session_sql, session_id, tenant.id, user.uuid)
            await self.pool(tenant).execute(
                f"UPDATE {quote_ident(tenant.schema)}.users SET last_sign_in_at = now() WHERE id = $1::uuid",
                user.uuid,
            )

    async def request_tenant(self, request: Request) -> tuple[Tenant, KeyKind | None]:
        """The tenant a request names by its key or token, checked against its URL, or by its URL
        alone; for the login route, which needs no user yet."""
        credentials = read_credentials(request.headers)
        if credentials.conflicting_keys:
            raise failures.unauthorized("The request carries two different API keys or tokens")
        tenant, kind = await self._key_tenant(credentials.key)
        if tenant is None and credentials.bearer:
            tenant = await self._token_tenant(self._claims(credentials.bearer))
        tenant = await self._url_tenant(request, tenant)
        if tenant is None:
            raise failures.unauthorized("Name the tenant: send its API key, or use /tenants/{schema}/rest/")
        return tenant, kind

    async def caller(self, request: Request) -> Caller:
        credentials = read_credentials(request.headers)
        basic = basic_credentials(request.headers.getlist("authorization"))
        if credentials.conflicting_keys or (basic is not None and credentials.bearer):
            raise failures.unauthorized("The request carries two different API keys or tokens")
        tenant, kind = await self._key_tenant(credentials.key)
        claims = self._claims(credentials.bearer) if credentials.bearer else None
        if claims is not None:
            if tenant is not None and claims.schema != tenant.schema:
                raise failures.unauthorized("The token was issued for another tenant than this API key's")
            if tenant is None:
                tenant = await self._token_tenant(claims)
        tenant = await self._url_tenant(request, tenant)
        if tenant is None:
            if basic is not None:
                await check_password(basic.password, None)  # the same work as a wrong password
                raise failures.unauthorized(BAD_LOGIN)
            raise failures.unauthorized(
                "No credentials: send an API key, a Bearer token or Basic credentials"
            )
        user: AuthUser | None = None
        if claims is not None:
            user = await self.token_user(tenant, claims.user_id)
            if user is None or not user.active:
                raise failures.unauthorized("The token's user does not exist or is deactivated")
        elif basic is not None:
            user = await self.verify_password(tenant, basic.user_name, basic.password)
        request.scope.setdefault("state", {})["tenant"] = tenant.name
        if kind is KeyKind.SECRET:
            granted = rights.ALL
        elif user is not None:
            granted = frozenset(user.rights)
        else:
            raise failures.unauthorized("A publishable key needs a user's credentials (Basic or Bearer)")
        if user is None:
            return Caller(tenant, granted)
        acl_group = None if kind is KeyKind.SECRET else user.group_id
        return Caller(tenant, granted, user.public_id, user.user_name, user.uuid, acl_group)

    async def _key_tenant(self, key: str | None) -> tuple[Tenant | None, KeyKind | None]:
        if key is None:
            return None, None
        entry = await self.runtime.authenticator.lookup_key(key)
        if entry is None:
            raise failures.unauthorized("Invalid API key")
        return entry

    def _claims(self, token: str) -> AccessClaims:
        try:
            return self.runtime.authenticator.verify_token(token)
        except errors.ApiError as error:
            raise failures.unauthorized(error.message) from None

    async def _token_tenant(self, claims: AccessClaims) -> Tenant:
        tenant = await self.tenant_by_schema(claims.schema)
        if tenant is None:
            raise failures.unauthorized("The token's tenant does not exist")
        return tenant

    async def _url_tenant(self, request: Request, tenant: Tenant | None) -> Tenant | None:
        schema = request.path_params.get("schema")
        if schema is None:
            return tenant
        if tenant is not None:
            if tenant.schema != schema:
                raise failures.forbidden(
                    "These credentials belong to another tenant than the URL names",
                    f"/tenants/{schema}/ is not the tenant of this key or token",
                )
            return tenant
        return await self.tenant_by_schema(schema)


def basic_credentials(authorizations: list[str]) -> BasicCredentials | None:
    """`Authorization: Basic base64(user:password)`; malformed Basic is a 401, not ignored."""
    for value in authorizations:
        scheme, _, encoded = value.strip().partition(" ")
        if scheme.lower() != "basic":
            continue
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            raise failures.unauthorized("Malformed Basic credentials") from None
        user_name, colon, password = decoded.partition(":")
        if not colon or not user_name:
            raise failures.unauthorized("Malformed Basic credentials")
        return BasicCredentials(user_name, password)
    return None


def cmdb_auth(request: Request) -> CmdbAuth:
    state = request.app.state
    auth: CmdbAuth | None = getattr(state, "cmdb_auth", None)
    runtime: Runtime = state.runtime
    if auth is None or auth.runtime is not runtime:
        auth = CmdbAuth(runtime)
        state.cmdb_auth = auth
    return auth


async def authenticate(request: Request) -> Caller:
    return await cmdb_auth(request).caller(request)
