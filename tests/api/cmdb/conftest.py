"""Request helpers for the CMDB API: alpha's secret key, alpha's admin over HTTP Basic, the
`/tenants/{schema}/rest` prefix, and throwaway users in a group of one's choice."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from starlette.testclient import TestClient

from tenantgrid.tenancy.provision import ProvisionedTenant
from tests.conftest import PASSWORD


def basic(user_name: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user_name}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def key(tenant: ProvisionedTenant) -> dict[str, str]:
    """The tenant's secret key, as DATAGERRY clients name it (`Api-Key`): every right."""
    return {"Api-Key": tenant.secret_key}


def rest(tenant: ProvisionedTenant) -> str:
    """The tenant-named prefix that Basic credentials need: `/tenants/<schema>/rest`."""
    return f"/tenants/{tenant.schema}/rest"


@pytest.fixture(scope="session")
def alpha_key(alpha: ProvisionedTenant) -> dict[str, str]:
    return key(alpha)


@pytest.fixture(scope="session")
def beta_key(beta: ProvisionedTenant) -> dict[str, str]:
    return key(beta)


@pytest.fixture(scope="session")
def alpha_admin(alpha: ProvisionedTenant) -> dict[str, str]:
    """Basic for alpha's provisioned admin (group 1): user_name is the email lower-cased."""
    return basic(alpha.email.lower(), PASSWORD)


@pytest.fixture(scope="session")
def alpha_rest(alpha: ProvisionedTenant) -> str:
    return rest(alpha)


@pytest.fixture(scope="session")
def beta_rest(beta: ProvisionedTenant) -> str:
    return rest(beta)


@dataclass(frozen=True, slots=True)
class MadeUser:
    public_id: int
    user_name: str
    password: str

    @property
    def basic(self) -> dict[str, str]:
        return basic(self.user_name, self.password)


@pytest.fixture
def make_user(client: TestClient, alpha: ProvisionedTenant) -> Iterator[Callable[..., MadeUser]]:
    """`make_user(group_id=2, **keys)`: a new alpha user (deleted afterwards), with a random name
    and password; `.basic` are its Basic headers for `rest(alpha)` URLs."""
    made: list[int] = []

    def make(group_id: int = 2, **extra: object) -> MadeUser:
        name = f"user-{secrets.token_hex(4)}"
        password = secrets.token_urlsafe(12)
        response = client.post(
            "/rest/users/",
            headers=key(alpha),
            json={"user_name": name, "password": password, "group_id": group_id, **extra},
        )
        assert response.status_code == 201, response.text
        public_id = response.json()["result_id"]
        made.append(public_id)
        return MadeUser(public_id, name, password)

    yield make
    for public_id in made:
        client.delete(f"/rest/users/{public_id}", headers=key(alpha))
