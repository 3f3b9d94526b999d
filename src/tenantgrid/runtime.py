"""What a running server holds: settings, the pool, the catalog, the statement compiler, auth,
the rate limiter, the file store."""

from __future__ import annotations

from dataclasses import dataclass

from tenantgrid.auth.authenticate import Authenticator
from tenantgrid.catalog.model import Catalog
from tenantgrid.db.pool import Pools
from tenantgrid.files.model import FileStore
from tenantgrid.query.compile import Compiler
from tenantgrid.ratelimit.limiter import RateLimiter
from tenantgrid.settings import Settings


@dataclass(slots=True)
class Runtime:
    settings: Settings
    pools: Pools
    catalog: Catalog
    compiler: Compiler
    authenticator: Authenticator
    jwt_secret: str
    rate_limiter: RateLimiter
    files: FileStore
