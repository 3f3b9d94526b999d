"""alembic's entry point for the control chain when run by hand (see alembic.ini)."""

from tenantgrid.tenancy.migrate import run_alembic_env

run_alembic_env("control")
