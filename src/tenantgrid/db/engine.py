"""SQLAlchemy engines for the control paths (migrations, provisioning, the CLI, start-up).

The request path does not use these: it runs pre-compiled SQL on a bare asyncpg pool
(see `db/pool.py`), because SQLAlchemy's async execution layer costs more than the query.
"""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from tenantgrid.db.url import sqlalchemy_url
from tenantgrid.settings import Settings, get_settings


def create_engine(url: str, settings: Settings | None = None) -> AsyncEngine:
    """An engine on `url`; one connection per use (NullPool), as the control paths are short.

    `settings` (default: the environment's) says whether a transaction-mode PgBouncer may sit in
    between (`statement_cache_size` 0).
    """
    cache_size = (settings or get_settings()).statement_cache_size
    return create_async_engine(sqlalchemy_url(url), poolclass=NullPool, connect_args=connect_args(cache_size))


def connect_args(statement_cache_size: int) -> dict[str, Any]:
    """asyncpg arguments for SQLAlchemy's connections; none beyond the defaults unless behind PgBouncer.

    SQLAlchemy prepares every statement under a name; asyncpg numbers them `__asyncpg_stmt_1__` and
    up in each connection. In transaction mode PgBouncer hands one server connection to many clients
    in turn, and a statement prepared by one is still there for the next, whose own `_1_` then
    collides ("already exists"). Behind it (SQLAlchemy's documented recipe): a unique name per
    statement, and no statement kept for reuse, since the next transaction may run elsewhere.
    Measured directly on PostgreSQL, the recipe leaves provisioning's time unchanged and makes
    `tenants migrate --all` about a third slower (statements repeated on one connection are prepared
    again), so it is on only where needed. No startup parameters are sent: PgBouncer refuses unknown
    ones.
    """
    if statement_cache_size > 0:
        return {}
    return {
        "statement_cache_size": 0,
        "prepared_statement_cache_size": 0,
        "prepared_statement_name_func": _unique_statement_name,
    }


def _unique_statement_name() -> str:
    return f"__tenantgrid_{uuid4().hex}__"
