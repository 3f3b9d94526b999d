"""Who calls the Gainfully API: a tenant's secret key, and with it the tenant.

The key comes as the seed sends it, `Authorization: <key>` (no scheme word), or as
`Authorization: ApiKey <key>` / `Bearer <key>`, `Api-Key: <key>` or `apikey: <key>`. No key is a 401
`not_authenticated`; an unknown, revoked, publishable or view-scoped key, or two different keys, a
401 `authentication_failed`. Each request then counts against the key's rate limit (a 429).
"""

from __future__ import annotations

from starlette.requests import Request

from tenantgrid.apis.gainfully import failures
from tenantgrid.auth.keys import KeyKind, key_digest, looks_like_key
from tenantgrid.auth.principal import Tenant
from tenantgrid.ratelimit.guard import rate_limit
from tenantgrid.runtime import Runtime

SCHEMES = ("apikey", "bearer")


def read_keys(request: Request) -> list[str]:
    """Every key the request carries. An `Authorization` value that is neither `ApiKey`/`Bearer`
    nor shaped like a key (`Basic ...` from a proxy) competes with no `Api-Key`: it counts only when
    nothing else was sent, and then is refused as an invalid key."""
    keys = [v.strip() for name in ("api-key", "apikey") for v in request.headers.getlist(name) if v.strip()]
    others: list[str] = []
    for value in request.headers.getlist("authorization"):
        scheme, _, rest = value.strip().partition(" ")
        if rest.strip() and scheme.lower() in SCHEMES:
            keys.append(rest.strip())
        elif looks_like_key(value.strip()):
            keys.append(value.strip())
        elif value.strip():
            others.append(value.strip())
    return keys or others


async def authenticate(request: Request) -> Tenant:
    keys = read_keys(request)
    if not keys:
        raise failures.not_authenticated()
    if len(set(keys)) > 1:
        raise failures.authentication_failed("The request carries two different API keys.")
    runtime: Runtime = request.app.state.runtime
    entry = await runtime.authenticator.lookup_key(keys[0])
    if entry is None:
        raise failures.authentication_failed()
    tenant, kind = entry
    if kind is not KeyKind.SECRET:
        raise failures.authentication_failed(
            "A publishable key cannot be used with this API: send the tenant's secret key."
        )
    await rate_limit(request, key_digest(keys[0]).hex())
    return tenant
