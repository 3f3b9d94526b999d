"""Turn a request's credentials into a Principal, with caches for keys and tokens.

Key lookups are cached, and the whole key cache is dropped when the control plane's
`auth_generation` counter moves (triggers bump it whenever a key or tenant is created, revoked or
deleted). Each process reads that one row at most every `auth_cache_ttl` seconds (2 by default),
so a revoked key stops working within that time on every process. Rechecking each cached key
instead cost a control-plane query per tenant every 2 s: at 1,000 tenants one request in ten.
Only well-formed keys are looked up: anything else is refused at once. Keys found and keys not
found live in separate caches, so that a flood of made-up keys can only ever flush the small cache
of unknown ones, never the tenants' real keys.
A verified JWT is cached until it expires: its signature and claims cannot change, so checking its
`exp` on each use is enough.
A key scoped to some Gridly views (control-plane `api_keys.views`) is taken by the Gridly API alone,
through `lookup_scoped_key`; everywhere else (`authenticate`, `lookup_key`) it is an invalid key.
A key bound to a sign-in session (the admin panel's key for /docs) has an `expires_at`: it is
checked on each use, cached or not, so such a key stops at its time without any cache change.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

from tenantgrid import errors
from tenantgrid.auth.credentials import Credentials, read_credentials
from tenantgrid.auth.keys import KeyKind, is_well_formed, key_digest
from tenantgrid.auth.principal import Principal, Tenant
from tenantgrid.auth.tokens import AccessClaims, verify_access_token
from tenantgrid.bounded_cache import BoundedCache
from tenantgrid.db.affinity import TenantConnections
from tenantgrid.db.execute import database_errors
from tenantgrid.settings import Settings
from tenantgrid.tenancy.names import quote_ident

KeyEntry = tuple[Tenant, KeyKind] | None
Views = tuple[str, ...] | None
ScopedKeyEntry = tuple[Tenant, KeyKind, Views]
KEY_CACHE_SIZE = 50_000
UNKNOWN_KEY_CACHE_SIZE = 1_000
"""Enough for clients retrying a revoked or mistyped key; a flood of new ones flushes only this."""
TOKEN_CACHE_SIZE = 50_000


class Authenticator:
    def __init__(self, pool: TenantConnections, settings: Settings, jwt_secret: str) -> None:
        self.pool = pool
        self.settings = settings
        self.jwt_secret = jwt_secret
        self._keys: BoundedCache[str, tuple[ScopedKeyEntry, float | None]] = BoundedCache(KEY_CACHE_SIZE)
        """Known keys, each with its expiry (a Unix time; None: it never expires), so that a cached
        session-bound key stops at its time, however long the cache keeps it."""
        self._unknown_keys: BoundedCache[str, None] = BoundedCache(UNKNOWN_KEY_CACHE_SIZE)
        self._generation: int | None = None
        self._checked_until = 0.0
        """Until this time.monotonic(), the key cache counts as current without asking."""
        self._tokens: BoundedCache[str, AccessClaims] = BoundedCache(TOKEN_CACHE_SIZE)
        control = quote_ident(settings.control_schema)
        self._key_sql = (
            f"SELECT t.id, t.name, t.schema_name, k.kind, k.views, extract(epoch FROM k.expires_at) "
            f"FROM {control}.api_keys k JOIN {control}.tenants t ON t.id = k.tenant_id "
            "WHERE k.key_hash = $1 AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now())"
        )
        self._generation_sql = f"SELECT value FROM {control}.auth_generation"

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
        entry = await self.lookup_scoped_key(credentials.key)
        if entry is None:
            raise errors.jwt_invalid("Invalid API key")
        if entry[2] is not None:
            raise errors.jwt_invalid("This API key is scoped to Gridly views: it works only under /v1/")
        return entry[0], entry[1]

    async def lookup_key(self, key: str) -> KeyEntry:
        """A key with the whole of its tenant; a view-scoped key is none here (the Gridly API alone takes it)."""
        entry = await self.lookup_scoped_key(key)
        if entry is None or entry[2] is not None:
            return None
        return entry[0], entry[1]

    async def lookup_scoped_key(self, key: str) -> ScopedKeyEntry | None:
        """Any key's tenant, kind and views (None: not scoped); for the Gridly API, which checks the views."""
        if not is_well_formed(key):
            return None
        if time.monotonic() >= self._checked_until:
            await self._drop_keys_if_changed()
        cached = self._keys.get(key)
        if cached is not None:
            entry, expires_at = cached
            if expires_at is not None and expires_at <= time.time():
                return None
            return entry
        if key in self._unknown_keys:
            return None
        generation = self._generation
        with database_errors():
            row = await self.pool.fetchrow(self._key_sql, key_digest(key))
        entry = (Tenant(row[0], row[1], row[2]), KeyKind(row[3]), _views(row[4])) if row else None
        if generation == self._generation:  # not read before a change the cache has since seen
            if entry is None:
                self._unknown_keys.put(key, None)
            else:
                self._keys.put(key, (entry, None if row[5] is None else float(row[5])))
        return entry

    async def _drop_keys_if_changed(self) -> None:
        """One control-plane read per `auth_cache_ttl`; requests meanwhile use the cache as it is."""
        self._checked_until = time.monotonic() + self.settings.auth_cache_ttl
        try:
            with database_errors():
                generation = await self.pool.fetchval(self._generation_sql)
        except BaseException:
            self._checked_until = 0.0  # the next request asks again
            raise
        if generation != self._generation:
            self._keys.clear()
            self._unknown_keys.clear()
            self._generation = generation

    def verify_token(self, token: str) -> AccessClaims:
        claims = self._tokens.get(token)
        if claims is not None:
            if claims.expires_at > time.time():
                return claims
            self._tokens.pop(token)
        return self._tokens.put(token, verify_access_token(self.settings, self.jwt_secret, token))


def _views(stored: list[str] | None) -> Views:
    return None if stored is None else tuple(stored)
