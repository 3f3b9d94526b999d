"""The first two steps of every data request: authenticate, then resolve the tenant's schema."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request

from tenantgrid import errors
from tenantgrid.auth.principal import Principal
from tenantgrid.catalog.model import Resource
from tenantgrid.runtime import Runtime
from tenantgrid.tenancy.resolve import SchemaChoice, resolve_schema


@dataclass(frozen=True, slots=True)
class DataContext:
    runtime: Runtime
    principal: Principal
    schema: SchemaChoice
    resource: Resource


async def data_context(request: Request, table: str) -> DataContext:
    runtime: Runtime = request.app.state.runtime
    principal = await runtime.authenticator.authenticate(request.headers)
    request.scope.setdefault("state", {})["tenant"] = principal.tenant.name
    if not principal.may_use_data:
        raise errors.anonymous_refused(
            "A publishable key needs a signed-in user's Bearer token for data routes"
        )
    schema = resolve_schema(principal, request.method, request.headers, runtime.settings.template_schema)
    resource = runtime.catalog.exposed(table)
    if resource is None:
        raise errors.table_not_found(schema.schema, table)
    return DataContext(runtime, principal, schema, resource)
