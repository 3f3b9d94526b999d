"""Who calls the Gainfully API: a tenant's secret key, and with it the tenant.

The key comes in any form `read_credentials` reads; the seed sends `Authorization: <key>` (no scheme
word). No credentials is a 401 `not_authenticated`; an unknown, revoked, publishable or view-scoped key,
or two different keys, a 401 `authentication_failed`. Gainfully has no users, so any other
`Authorization` (a Bearer JWT, a proxy's `Basic ...`) is a bad key when no key is sent, and a Bearer JWT
beside a key is a second key. Each request then counts against the key's rate limit (a 429).
"""

from __future__ import annotations

from starlette.requests import Request

from tenantgrid.apis.gainfully import failures
from tenantgrid.auth.credentials import read_credentials
from tenantgrid.auth.keys import KeyKind, key_digest
from tenantgrid.auth.principal import Tenant
from tenantgrid.ratelimit.guard import rate_limit
from tenantgrid.runtime import Runtime


async def authenticate(request: Request) -> Tenant:
    credentials = read_credentials(request.headers)
    if credentials.conflicting_keys or (credentials.key and credentials.bearer):
        raise failures.authentication_failed("The request carries two different API keys.")
    if credentials.key is None:
        if credentials.bearer or credentials.unread_authorization:
            raise failures.authentication_failed()
        raise failures.not_authenticated()
    runtime: Runtime = request.app.state.runtime
    entry = await runtime.authenticator.lookup_key(credentials.key)
    if entry is None:
        raise failures.authentication_failed()
    tenant, kind = entry
    if kind is not KeyKind.SECRET:
        raise failures.authentication_failed(
            "A publishable key cannot be used with this API: send the tenant's secret key."
        )
    await rate_limit(request, key_digest(credentials.key).hex())
    return tenant
