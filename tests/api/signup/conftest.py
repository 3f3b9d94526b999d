"""Apps with sign-up open or behind a token (the session's shared app keeps the default: off), and
a fresh e-mail per use so that tests never collide on the uniqueness check."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from tenantgrid.app import create_app
from tenantgrid.settings import Settings
from tenantgrid.tenancy.provision import ProvisionedTenant

TOKEN = "operator-token-" + "x" * 24
REGISTER = "/api/tenants/register"
PASSWORD = "sign-up password 1"


def fresh_email(prefix: str = "signup") -> str:
    return f"{prefix}.{secrets.token_hex(4)}@example.com"


def serve(settings: Settings, **changes: object) -> Iterator[TestClient]:
    with TestClient(create_app(settings.model_copy(update=changes)), base_url="http://tenantgrid.test") as c:
        yield c


@pytest.fixture(scope="session")
def open_client(settings: Settings, tenants: dict[str, ProvisionedTenant]) -> Iterator[TestClient]:
    yield from serve(settings, registration="open", registration_rate_limit="100000/hour")


@pytest.fixture(scope="session")
def token_client(settings: Settings, tenants: dict[str, ProvisionedTenant]) -> Iterator[TestClient]:
    yield from serve(
        settings, registration="token", registration_token=TOKEN, registration_rate_limit="100000/hour"
    )
