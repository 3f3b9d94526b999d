"""`tenantgrid`: serve the APIs, provision and migrate tenants, manage their keys.

Each subcommand's module is imported only when that subcommand runs: `serve` alone pulls in uvicorn,
the app and its metrics, and `tenants list` should not wait for them.
"""

from __future__ import annotations

from importlib import import_module

import click

COMMANDS = {
    "serve": "tenantgrid.cli.serve",
    "tenants": "tenantgrid.cli.tenants",
    "keys": "tenantgrid.cli.keys",
}
"""Subcommand name -> the module defining a click command of that name."""


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use (click's documented lazy-loading recipe)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in COMMANDS and cmd_name not in self.commands:
            command = getattr(import_module(COMMANDS[cmd_name]), cmd_name)
            assert isinstance(command, click.Command)
            self.add_command(command, cmd_name)
        return super().get_command(ctx, cmd_name)


@click.group(cls=LazyGroup)
@click.version_option(package_name="tenantgrid")
def main() -> None:
    """tenantgrid: five hosted data APIs over one PostgreSQL, a schema per tenant.

    Every command uses TENANTGRID_DATABASE_URL, or the embedded PostgreSQL in TENANTGRID_DATA_DIR
    (default ./.tenantgrid), whether or not a server is running.
    """
