"""tenantgrid: one multi-tenant REST server, five hosted data APIs, a Postgres schema per tenant."""

__version__ = "0.1.0"
