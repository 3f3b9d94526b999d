"""Two tenants' CMDB people never mix: keys, tokens and users of one tenant are refused at the other."""

from __future__ import annotations

import secrets

from starlette.testclient import TestClient

from tenantgrid.tenancy.provision import ProvisionedTenant
from tests.api.cmdb.conftest import basic, key, rest


def test_alpha_key_on_beta_url_is_403(
    client: TestClient, alpha: ProvisionedTenant, beta: ProvisionedTenant
) -> None:
    for path in ("/users/", "/groups/", "/users/1", "/users/1/settings/"):
        response = client.get(f"{rest(beta)}{path}", headers=key(alpha))
        assert response.status_code == 403, path
        assert response.json()["status"] == 403


def test_alpha_users_are_invisible_to_beta(
    client: TestClient, alpha: ProvisionedTenant, beta: ProvisionedTenant
) -> None:
    name = f"only-alpha-{secrets.token_hex(4)}"
    made = client.post("/rest/users/", headers=key(alpha), json={"user_name": name, "password": "pw-alpha"})
    assert made.status_code == 201
    public_id = made.json()["result_id"]
    try:
        beta_users = client.get("/rest/users/?limit=0", headers=key(beta)).json()["results"]
        assert name not in {u["user_name"] for u in beta_users}
        assert {u["user_name"] for u in beta_users} >= {beta.email.lower()}
        assert alpha.email.lower() not in {u["user_name"] for u in beta_users}
        assert client.get(f"{rest(beta)}/users/", headers=basic(name, "pw-alpha")).status_code == 401
        assert (
            client.post(
                f"{rest(beta)}/auth/login", json={"user_name": name, "password": "pw-alpha"}
            ).status_code
            == 401
        )
        beta_same_id = client.get(f"/rest/users/{public_id}", headers=key(beta))
        assert beta_same_id.status_code == 404 or beta_same_id.json()["result"]["user_name"] != name
    finally:
        client.delete(f"/rest/users/{public_id}", headers=key(alpha))


def test_groups_of_one_tenant_stay_there(
    client: TestClient, alpha: ProvisionedTenant, beta: ProvisionedTenant
) -> None:
    name = f"alpha-group-{secrets.token_hex(4)}"
    made = client.post("/rest/groups/", headers=key(alpha), json={"name": name, "rights": []})
    assert made.status_code == 201
    try:
        beta_groups = client.get("/rest/groups/?limit=0", headers=key(beta)).json()["results"]
        assert name not in {g["name"] for g in beta_groups}
    finally:
        client.delete(f"/rest/groups/{made.json()['result_id']}", headers=key(alpha))
