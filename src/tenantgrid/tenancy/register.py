"""Self-service sign-up: a new tenant for whoever registers, the registering user its only user.

Shared by `POST /api/tenants/register` (tenantgrid.signup) and the panel's sign-up form. The caller
checks the policy (`registration_allowed`) and the rate limit first; `register_tenant` checks the
input and provisions the tenant, all or nothing (tenancy/provision.py).
"""

from __future__ import annotations

import hmac

import anyio.to_thread
from sqlalchemy.ext.asyncio import AsyncEngine

from tenantgrid.auth.passwords import hash_password
from tenantgrid.settings import Settings
from tenantgrid.tenancy.email_address import INVALID, valid_email
from tenantgrid.tenancy.names import TENANT_NAME
from tenantgrid.tenancy.provision import ProvisionedTenant, ProvisionError, provision_tenant

MIN_PASSWORD = 8
MAX_PASSWORD = 1024
"""Argon2 hashes any length, at a cost that grows with it; no passphrase needs more."""
CLOSED = "Sign-up is closed."
BAD_TOKEN = "Invalid registration token."


class RegistrationError(Exception):
    """Sign-up refused. `field`: the input at fault (`email`, `password`, `name`,
    `registration_token`), None when it is no one field's; `message` in Django REST Framework's words."""

    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def registration_allowed(settings: Settings, token: str | None) -> RegistrationError | None:
    """None when sign-up may go ahead under `settings.registration`; else why not."""
    if settings.registration == "open":
        return None
    if settings.registration == "off" or not settings.registration_token:
        return RegistrationError(None, CLOSED)  # token mode without a token configured: nobody
    if token is None or not hmac.compare_digest(token.encode(), settings.registration_token.encode()):
        return RegistrationError("registration_token", BAD_TOKEN)
    return None


def check_input(email: str, password: str, name: str | None) -> list[RegistrationError]:
    """Every field's problem at once (a form shows them all), none for good input."""
    problems = []
    if not valid_email(email):
        problems.append(RegistrationError("email", INVALID))
    if len(password) < MIN_PASSWORD:
        problems.append(
            RegistrationError("password", f"Ensure this field has at least {MIN_PASSWORD} characters.")
        )
    elif len(password) > MAX_PASSWORD:
        problems.append(
            RegistrationError("password", f"Ensure this field has no more than {MAX_PASSWORD} characters.")
        )
    if name is not None and not TENANT_NAME.fullmatch(name):
        problems.append(
            RegistrationError(
                "name", "Use 1-40 lowercase letters, digits or underscores, starting with a letter."
            )
        )
    return problems


async def register_tenant(
    engine: AsyncEngine, settings: Settings, email: str, password: str, name: str | None
) -> ProvisionedTenant:
    """A new tenant owned by `email`, which no tenant may have yet (case-insensitive, race-safe).

    Raises the first RegistrationError of `check_input`, or the one provisioning found: a taken
    email or name, or (field None) a failure worth retrying.
    """
    email = email.strip()
    problems = check_input(email, password, name)
    if problems:
        raise problems[0]
    password_hash = await anyio.to_thread.run_sync(hash_password, password)  # ~20 ms of Argon2
    try:
        return await provision_tenant(engine, settings, name, email, password_hash, unique_email=True)
    except ProvisionError as exc:  # a taken email or name; field None: no free schema name (retry)
        message = "A tenant with this name already exists." if exc.field == "name" else exc.message
        raise RegistrationError(exc.field, message) from None
