"""Self-service sign-up over HTTP: `POST /api/tenants/register` (the domain: tenancy/register.py)."""

from tenantgrid.signup.routes import mount_signup

__all__ = ["mount_signup"]
