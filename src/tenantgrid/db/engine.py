"""SQLAlchemy engines for the control paths (migrations, provisioning, the CLI).

The request path does not use these: it runs pre-compiled SQL on a bare asyncpg pool
(see `db/pool.py`), because SQLAlchemy's async execution layer costs more than the query.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from tenantgrid.db.url import sqlalchemy_url


def create_engine(url: str) -> AsyncEngine:
    return create_async_engine(sqlalchemy_url(url), poolclass=NullPool)
