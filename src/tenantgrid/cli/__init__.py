"""`tenantgrid`: serve the APIs, provision and migrate tenants, manage their keys."""

from __future__ import annotations

import click

from tenantgrid.cli.keys import keys
from tenantgrid.cli.serve import serve
from tenantgrid.cli.tenants import tenants


@click.group()
@click.version_option(package_name="tenantgrid")
def main() -> None:
    """tenantgrid: five hosted data APIs over one PostgreSQL, a schema per tenant.

    Every command uses TENANTGRID_DATABASE_URL, or the embedded PostgreSQL in TENANTGRID_DATA_DIR
    (default ./.tenantgrid), whether or not a server is running.
    """


main.add_command(serve)
main.add_command(tenants)
main.add_command(keys)
