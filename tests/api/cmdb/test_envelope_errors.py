"""Every CMDB answer carries X-API-Version: 1.0 and errors use {status, response, description, message},
unmatched /rest/ paths included; PostgREST's /rest/v1 is left alone."""

from __future__ import annotations

from starlette.testclient import TestClient

from tenantgrid.tenancy.provision import ProvisionedTenant
from tests.api.cmdb.conftest import rest


def test_unmatched_rest_paths_are_cmdb_404s(
    client: TestClient, alpha: ProvisionedTenant, alpha_key: dict[str, str]
) -> None:
    for path in (
        "/rest/nothing",
        "/rest/",
        "/rest",
        "/rest/users/1/nope",
        f"{rest(alpha)}/nothing",
        "/tenants/x/rest/",
    ):
        response = client.get(path, headers=alpha_key)
        assert response.status_code == 404, path
        assert response.headers["x-api-version"] == "1.0"
        body = response.json()
        assert body["status"] == 404
        assert body["response"] == f"Not Found: http://tenantgrid.test{path}"
        assert set(body) == {"status", "response", "description", "message"}


def test_postgrest_paths_are_untouched(client: TestClient, alpha_key: dict[str, str]) -> None:
    rows = client.get("/rest/v1/things?limit=1", headers=alpha_key)
    assert rows.status_code == 200
    assert "x-api-version" not in rows.headers
    missing = client.get("/rest/v1/nope", headers=alpha_key)
    assert missing.status_code == 404
    assert "x-api-version" not in missing.headers
    assert set(missing.json()) == {"code", "message", "details", "hint"}
    for path in ("/rest/v1", "/rest/v1/"):
        assert "x-api-version" not in client.get(path, headers=alpha_key).headers


def test_wrong_method_is_a_cmdb_405_and_options_lists_methods(
    client: TestClient, alpha_key: dict[str, str]
) -> None:
    response = client.request("PATCH", "/rest/users/", headers=alpha_key)
    assert response.status_code == 405
    assert response.headers["x-api-version"] == "1.0"
    assert response.json()["status"] == 405
    assert "POST" in response.headers["allow"]
    options = client.options("/rest/users/1", headers=alpha_key)
    assert options.status_code == 204
    assert set(options.headers["allow"].split(", ")) == {"GET", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS"}


def test_errors_carry_the_version_header(client: TestClient, alpha_key: dict[str, str]) -> None:
    for response in (
        client.get("/rest/users/"),
        client.get("/rest/users/123456", headers=alpha_key),
        client.get("/rest/users/?page=0", headers=alpha_key),
        client.post("/rest/users/", headers=alpha_key, content=b"{"),
    ):
        assert response.status_code in (400, 401, 404)
        assert response.headers["x-api-version"] == "1.0"
        assert response.headers["content-type"] == "application/json"
        assert response.json()["status"] == response.status_code


def test_validation_errors_name_the_key(client: TestClient, alpha_key: dict[str, str]) -> None:
    body = client.post(
        "/rest/users/", headers=alpha_key, json={"user_name": "v", "password": "p", "active": 1}
    ).json()
    assert body == {
        "status": 400,
        "response": "Bad Request: http://tenantgrid.test/rest/users/",
        "description": "'active' must be true or false",
        "message": {"validation_error": {"active": "'active' must be true or false"}},
    }


def test_invalid_content_length_is_a_cmdb_400(client: TestClient, alpha_key: dict[str, str]) -> None:
    response = client.post(
        "/rest/users/",
        headers={**alpha_key, "Content-Length": "1_2", "Content-Type": "application/json"},
        content=b"{}",
    )
    assert response.status_code in (400, 413)
    assert response.json()["status"] == response.status_code
