"""The SQLAlchemy engine a running server uses for its own control paths (sign-up, the panel's
tenant deletion): provisioning runs alembic, which needs SQLAlchemy, not the request path's pool.

One per app, made on first use. NullPool (db/engine.py): it holds no connection between uses, so
there is nothing to close at shutdown.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from tenantgrid.db.engine import create_engine
from tenantgrid.db.url import resolve_database_url
from tenantgrid.runtime import Runtime


def control_engine(app: Starlette) -> AsyncEngine:
    engine: AsyncEngine | None = getattr(app.state, "control_engine", None)
    if engine is None:
        runtime: Runtime = app.state.runtime
        engine = create_engine(resolve_database_url(runtime.settings), runtime.settings)
        app.state.control_engine = engine
    return engine
