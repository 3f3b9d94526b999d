"""How a CLI command reaches the database: settings, URL (embedded or configured), a prepared engine."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import click
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncEngine

from tenantgrid.db.engine import create_engine
from tenantgrid.db.url import resolve_database_url
from tenantgrid.settings import Settings, get_settings
from tenantgrid.tenancy.provision import ProvisionError, prepare_database

T = TypeVar("T")


def load_settings() -> Settings:
    """The settings, or one line per bad variable instead of pydantic's traceback.

    The values themselves are left out: one of them may be a secret."""
    try:
        return get_settings()
    except ValidationError as exc:
        lines = [f"  {_variable(error['loc'])}: {error['msg']}" for error in exc.errors(include_input=False)]
        raise click.ClickException("invalid settings:\n" + "\n".join(lines)) from None


def _variable(location: tuple[int | str, ...]) -> str:
    field = str(location[0]) if location else ""
    return field if field.startswith(("TENANTGRID_", "DATABASE_URL")) else f"TENANTGRID_{field.upper()}"


def run_with_engine(work: Callable[[AsyncEngine, Settings], Awaitable[T]]) -> T:
    """Prepare the database (control plane and template) and run `work` against it."""
    settings = load_settings()
    url = resolve_database_url(settings)

    async def main() -> T:
        engine = create_engine(url, settings)
        try:
            await prepare_database(engine, settings)
            return await work(engine, settings)
        finally:
            await engine.dispose()

    try:
        return asyncio.run(main())
    except ProvisionError as exc:
        raise click.ClickException(str(exc)) from None
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
