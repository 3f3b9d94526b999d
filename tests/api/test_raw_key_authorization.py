"""A key sent as the whole `Authorization` value (`Authorization: tg_sk_...`, Gainfully's seed form) is
read the same way by every API: it works alone, and beside a different key it is a second caller (401)."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from tenantgrid.tenancy.provision import ProvisionedTenant

ROUTES = {
    "postgrest": "/rest/v1/things?select=id",
    "cmdb": "/rest/users/",
    "gridly": "/v1/projects",
    "gainfully": "/v1.0/relationships/",
}


@pytest.mark.parametrize("api", list(ROUTES))
def test_a_raw_secret_key_in_authorization_works_everywhere(
    client: TestClient, alpha: ProvisionedTenant, api: str
) -> None:
    response = client.get(ROUTES[api], headers={"Authorization": alpha.secret_key})
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("api", list(ROUTES))
def test_a_raw_key_beside_another_key_is_two_callers(
    client: TestClient, alpha: ProvisionedTenant, beta: ProvisionedTenant, api: str
) -> None:
    response = client.get(ROUTES[api], headers={"apikey": alpha.secret_key, "Authorization": beta.secret_key})
    assert response.status_code == 401, response.text


@pytest.mark.parametrize("api", list(ROUTES))
def test_a_raw_value_that_is_no_key_is_still_no_key(
    client: TestClient, alpha: ProvisionedTenant, api: str
) -> None:
    """A JWT needs its `Bearer`: without one it is no token, and does not compete with the key."""
    response = client.get(
        ROUTES[api], headers={"apikey": alpha.secret_key, "Authorization": "eyJhbGciOiJIUzI1NiJ9.e30.c2ln"}
    )
    assert response.status_code == 200, response.text
