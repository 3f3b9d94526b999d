"""Who calls the Gridly API: a tenant's key in `Authorization: ApiKey KEY` (also `Api-Key` or
`apikey`). The tenant comes from the key. A secret key sees the whole tenant; a publishable key is
refused (401): Gridly has no signed-in users. A key scoped to some views (`Caller.views`) sees only
those views, and no project, database or grid (see `context.Ctx.view` and `require_unscoped`).
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request

from tenantgrid.apis.gridly import failures
from tenantgrid.auth.credentials import read_credentials
from tenantgrid.auth.keys import KeyKind
from tenantgrid.auth.principal import Tenant
from tenantgrid.runtime import Runtime


@dataclass(frozen=True, slots=True)
class Caller:
    tenant: Tenant
    views: frozenset[str] | None = None
    """The views a scoped key may use; None: every view of the tenant."""

    def sees_view(self, view_id: str) -> bool:
        return self.views is None or view_id in self.views


async def authenticate(request: Request) -> Caller:
    credentials = read_credentials(request.headers)
    if credentials.conflicting_keys:
        raise failures.unauthorized("The request carries two different API keys.")
    if credentials.key is None:
        raise failures.unauthorized("No API key provided: send Authorization: ApiKey <key>.")
    runtime: Runtime = request.app.state.runtime
    # A key scoped to some views (control plane `api_keys.views`, `tenantgrid keys create --views`)
    # is accepted here alone: every other API takes it for no key.
    entry = await runtime.authenticator.lookup_scoped_key(credentials.key)
    if entry is None:
        raise failures.unauthorized("Invalid API key.")
    tenant, kind, views = entry
    if kind is not KeyKind.SECRET:
        raise failures.unauthorized("A publishable key cannot use the Gridly API: send a secret key.")
    request.scope.setdefault("state", {})["tenant"] = tenant.name
    return Caller(tenant, None if views is None else frozenset(views))
