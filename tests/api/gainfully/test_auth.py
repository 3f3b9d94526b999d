"""Gainfully's credentials: the tenant's secret key as the raw `Authorization` header (the seed's
form), `Authorization: ApiKey`, `Api-Key`; 401s in this API's shape; tenants never see each other's rows."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from tenantgrid.tenancy.provision import ProvisionedTenant
from tests.api.gainfully.conftest import NewTenant, auth


@pytest.fixture(scope="module")
def pair(new_tenant: NewTenant) -> tuple[ProvisionedTenant, ProvisionedTenant]:
    return new_tenant("gf_one"), new_tenant("gf_two")


@pytest.mark.parametrize(
    "headers",
    [
        lambda key: {"Authorization": key},
        lambda key: {"Authorization": f"ApiKey {key}"},
        lambda key: {"Authorization": f"apikey {key}"},
        lambda key: {"Api-Key": key},
        lambda key: {"apikey": key},
        lambda key: {"Authorization": key, "Api-Key": key},  # the same key twice is one caller
        lambda key: {"Authorization": "Basic YTpi", "Api-Key": key},  # a proxy's Authorization is no key
    ],
)
def test_each_form_of_the_key(
    client: TestClient, pair: tuple[ProvisionedTenant, ...], headers: object
) -> None:
    response = client.get("/v1.0/relationships/", headers=headers(pair[0].secret_key))  # type: ignore[operator]
    assert response.status_code == 200, response.text
    assert response.json()["count"] == 0


@pytest.mark.parametrize(
    ("headers", "code", "detail"),
    [
        ({}, "not_authenticated", "Authentication credentials were not provided."),
        ({"Authorization": ""}, "not_authenticated", "Authentication credentials were not provided."),
        ({"Authorization": "tg_sk_" + "A" * 43}, "authentication_failed", "Invalid API key."),
        ({"Authorization": "Basic YTpi"}, "authentication_failed", "Invalid API key."),
        # no users here: a Bearer JWT, or a scheme word alone, is a bad key
        (
            {"Authorization": "Bearer eyJhbGciOiJIUzI1NiJ9.e30.c2ln"},
            "authentication_failed",
            "Invalid API key.",
        ),
        ({"Authorization": "Bearer"}, "authentication_failed", "Invalid API key."),
        ({"Api-Key": "nonsense"}, "authentication_failed", "Invalid API key."),
    ],
)
def test_missing_or_bad_keys_are_401(
    client: TestClient, headers: dict[str, str], code: str, detail: str
) -> None:
    for method, path in (
        ("GET", "/v1.0/content/"),
        ("POST", "/v1.0/events"),
        ("DELETE", "/v1.0/relationships/1"),
    ):
        response = client.request(method, path, headers=headers)
        assert response.status_code == 401
        assert response.json() == {"field": None, "error_code": code, "detail": detail}
        assert response.headers["WWW-Authenticate"] == 'ApiKey realm="gainfully"'


def test_publishable_and_mixed_keys_are_refused(
    client: TestClient, pair: tuple[ProvisionedTenant, ...]
) -> None:
    one, two = pair
    response = client.get("/v1.0/content/", headers={"Authorization": one.publishable_key})
    assert response.status_code == 401
    assert response.json()["error_code"] == "authentication_failed"
    assert "secret key" in response.json()["detail"]
    response = client.get(
        "/v1.0/content/", headers={"Authorization": one.secret_key, "Api-Key": two.secret_key}
    )
    assert response.status_code == 401
    assert response.json()["detail"] == "The request carries two different API keys."
    response = client.get(
        "/v1.0/content/",
        headers={"Api-Key": one.secret_key, "Authorization": "Bearer eyJhbGciOiJIUzI1NiJ9.e30.c2ln"},
    )
    assert response.status_code == 401
    assert response.json()["detail"] == "The request carries two different API keys."


def test_tenants_are_isolated(client: TestClient, pair: tuple[ProvisionedTenant, ...]) -> None:
    one, two = pair
    mine = client.post(
        "/v1.0/relationships/", json={"name": "Mine", "email": "mine@example.com"}, headers=auth(one)
    ).json()
    content = client.post("/v1.0/content/", json={"name": "Secret"}, headers=auth(one)).json()
    assert client.get(f"/v1.0/relationships/{mine['id']}", headers=auth(two)).status_code == 404
    assert client.get("/v1.0/relationships/", headers=auth(two)).json()["count"] == 0
    assert (
        client.patch(f"/v1.0/content/{content['id']}", json={"name": "x"}, headers=auth(two)).status_code
        == 404
    )
    assert client.delete(f"/v1.0/content/{content['id']}", headers=auth(two)).status_code == 404
    # another tenant's ids are no related objects either
    response = client.post("/v1.0/content/", json={"name": "x", "author": mine["id"]}, headers=auth(two))
    assert response.status_code == 400 and response.json()["field"] == "author"
    assert client.get(f"/v1.0/content/{content['id']}", headers=auth(one)).json()["name"] == "Secret"
    # the same email is free in another tenant
    other = client.post(
        "/v1.0/relationships/", json={"name": "Mine", "email": "mine@example.com"}, headers=auth(two)
    )
    assert other.status_code == 201


def test_the_tables_are_not_exposed_by_postgrest(
    client: TestClient, pair: tuple[ProvisionedTenant, ...]
) -> None:
    response = client.get("/rest/v1/gainfully_content", headers={"apikey": pair[0].secret_key})
    assert response.status_code == 404
