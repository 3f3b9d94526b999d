"""Request helpers for the PostgREST API: headers for a secret key, a user session, a profile."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from tenantgrid.tenancy.provision import ProvisionedTenant
from tests.api.postgrest.write_support import Rows, forget_rows
from tests.conftest import PASSWORD, Database


def key_headers(tenant: ProvisionedTenant, **extra: str) -> dict[str, str]:
    return {"apikey": tenant.secret_key, **extra}


def sign_in(client: TestClient, tenant: ProvisionedTenant) -> dict:
    response = client.post(
        "/auth/v1/token?grant_type=password",
        headers={"apikey": tenant.publishable_key},
        json={"email": tenant.email, "password": PASSWORD},
    )
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture(scope="session")
def alpha_session(client: TestClient, alpha: ProvisionedTenant) -> dict:
    return sign_in(client, alpha)


@pytest.fixture(scope="session")
def user_headers(alpha: ProvisionedTenant, alpha_session: dict) -> dict[str, str]:
    """What seed 000's client sends: publishable key, user JWT, profile headers."""
    return {
        "apikey": alpha.publishable_key,
        "Authorization": f"Bearer {alpha_session['access_token']}",
        "Accept-Profile": alpha.schema,
        "Content-Profile": alpha.schema,
    }


@pytest.fixture(scope="session")
def secret(alpha: ProvisionedTenant) -> dict[str, str]:
    return key_headers(alpha)


@pytest.fixture(scope="module")
def forget_written_rows(db: Database, alpha: ProvisionedTenant) -> Iterator[None]:
    """After a write-test module: delete the `things` rows it made (children cascade)."""
    yield
    forget_rows(db, alpha.schema)


@pytest.fixture
def rows(db: Database, alpha: ProvisionedTenant) -> Rows:
    return Rows(db, alpha.schema)
