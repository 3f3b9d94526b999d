"""Turn a request's credentials into a Principal, with caches for keys and tokens.

A key lookup is cached for `auth_cache_ttl` seconds (2 by default): a revoked key stops working
within that time on every process, without a round trip per request. A verified JWT is cached until
it expires: its signature and claims cannot change, so checking its `exp` on each use is enough.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

from cachetools import LRUCache, TTLCache

from tenantgrid import errors
from tenantgrid.auth.credentials import Credentials, read_credentials
from tenantgrid.auth.keys import KeyKind, key_digest
from tenantgrid.auth.principal import Principal, Tenant
from tenantgrid.auth.tokens import AccessClaims, verify_access_token
from tenantgrid.db.affinity import TenantConnections
from tenantgrid.db.execute import database_errors
from tenantgrid.settings import Settings
from tenantgrid.tenancy.names import quote_ident

KeyEntry = tuple[Tenant, KeyKind] | None


class Authenticator:
    def __init__(self, pool: TenantConnections, settings: Settings, jwt_secret: str) -> None:
        self.pool = pool
        self.settings = settings
        self.jwt_secret = jwt_secret
        ttl = settings.auth_cache_ttl
        self._keys: TTLCache[str, KeyEntry] = TTLCache(maxsize=50_000, ttl=ttl)
        self._tokens: LRUCache[str, AccessClaims] = LRUCache(maxsize=50_000)
        control = quote_ident(settings.control_schema)
        self._key_sql = (
            f"SELECT t.id, t.name, t.schema_name, k.kind FROM {control}.api_keys k "
            f"JOIN {control}.tenants t ON t.id = k.tenant_id WHERE k.key_hash = $1 AND k.revoked_at IS NULL"
        )

    async def authenticate(self, headers: Mapping[str, str]) -> Principal:
        """The key's tenant and kind, and the user of the Bearer JWT if one is sent."""
        credentials = read_credentials(headers)
        tenant, kind = await self._key_entry(credentials)
        user = self.verify_token(credentials.bearer) if credentials.bearer else None
        if user is not None and user.schema != tenant.schema:
            raise errors.jwt_claims("JWT was issued for another tenant than this API key's")
        return Principal(tenant=tenant, key_kind=kind, user=user)

    async def authenticate_key(self, headers: Mapping[str, str]) -> Principal:
        """The key's tenant and kind alone; a Bearer JWT, even an expired one, is not looked at.

        For the token endpoint: clients refresh because their access token expired, and still send
        it in `Authorization`; GoTrue ignores it there, and so do we.
        """
        tenant, kind = await self._key_entry(read_credentials(headers))
        return Principal(tenant=tenant, key_kind=kind)

    async def _key_entry(self, credentials: Credentials) -> tuple[Tenant, KeyKind]:
        if credentials.conflicting_keys:
            raise errors.jwt_invalid("The request carries two different API keys or tokens")
        if credentials.key is None:
            raise errors.anonymous_refused("No API key found in request")
        entry = await self.lookup_key(credentials.key)
        if entry is None:
            raise errors.jwt_invalid("Invalid API key")
        return entry

    async def lookup_key(self, key: str) -> KeyEntry:
        try:
            return self._keys[key]
        except KeyError:
            pass
        with database_errors():
            row = await self.pool.fetchrow(self._key_sql, key_digest(key))
        entry = (Tenant(row[0], row[1], row[2]), KeyKind(row[3])) if row else None
        self._keys[key] = entry
        return entry

    def verify_token(self, token: str) -> AccessClaims:
        claims = self._tokens.get(token)
        if claims is not None:
            if claims.expires_at > time.time():
                return claims
            del self._tokens[token]
        claims = verify_access_token(self.settings, self.jwt_secret, token)
        self._tokens[token] = claims
        return claims
