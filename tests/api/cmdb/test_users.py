"""/rest/users/: list, one, POST, PUT/PATCH, DELETE in DATAGERRY's envelopes; never a password or hash."""

from __future__ import annotations

import secrets
from collections.abc import Callable

import pytest
from starlette.testclient import TestClient

from tenantgrid.tenancy.provision import ProvisionedTenant
from tests.api.cmdb.conftest import MadeUser, rest
from tests.conftest import Database

USER_KEYS = {
    "public_id",
    "user_name",
    "active",
    "group_id",
    "registration_time",
    "authenticator",
    "email",
    "image",
    "first_name",
    "last_name",
}


def _name() -> str:
    return f"u-{secrets.token_hex(4)}"


def test_list_envelope(client: TestClient, alpha: ProvisionedTenant, alpha_key: dict[str, str]) -> None:
    for path in ("/rest/users/", "/rest/users"):
        response = client.get(path, headers=alpha_key)
        assert response.status_code == 200
        assert response.headers["x-api-version"] == "1.0"
        body = response.json()
        assert set(body) == {
            "results",
            "count",
            "total",
            "parameters",
            "pager",
            "pagination",
            "response_type",
            "model",
            "time",
        }
        assert response.headers["x-total-count"] == str(body["total"])
        assert body["model"] == "User"
        assert body["parameters"] == {
            "limit": 10,
            "sort": "public_id",
            "order": 1,
            "page": 1,
            "filter": {},
            "optional": {},
        }
        admin = body["results"][0]
        assert set(admin) == USER_KEYS
        assert admin["public_id"] == 1 and admin["group_id"] == 1
        assert admin["user_name"] == alpha.email.lower()
        assert admin["authenticator"] == "LocalAuthenticationProvider"
        assert isinstance(admin["registration_time"]["$date"], int)
        assert "password" not in response.text and "argon2" not in response.text


def test_head_has_headers_and_no_body(client: TestClient, alpha_key: dict[str, str]) -> None:
    get = client.get("/rest/users/", headers=alpha_key)
    head = client.head("/rest/users/", headers=alpha_key)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["x-total-count"] == get.headers["x-total-count"]
    assert head.headers["x-api-version"] == "1.0"
    one = client.head("/rest/users/1", headers=alpha_key)
    assert one.status_code == 200 and one.content == b""
    missing = client.head("/rest/users/999999", headers=alpha_key)
    assert missing.status_code == 404 and missing.content == b""


def test_insert_get_update_delete(
    client: TestClient, alpha_key: dict[str, str], db: Database, alpha: ProvisionedTenant
) -> None:
    name = _name()
    created = client.post(
        "/rest/users/",
        headers=alpha_key,
        json={
            "user_name": name,
            "active": True,
            "group_id": 2,
            "password": "s3cret-pw",
            "email": None,
            "first_name": "Ada",
            "public_id": 999,
            "registration_time": "2020-01-01 00:00:00.000000",
            "authenticator": "LocalAuthenticationProvider",
        },
    )
    assert created.status_code == 201, created.text
    body = created.json()
    public_id = body["result_id"]
    assert created.headers["location"] == f"http://tenantgrid.test/rest/users/{public_id}"
    assert created.headers["x-api-version"] == "1.0"
    assert body["response_type"] == "INSERT" and body["model"] == "User"
    assert body["raw"]["user_name"] == name and body["raw"]["first_name"] == "Ada"
    assert body["raw"]["public_id"] == public_id and set(body["raw"]) == USER_KEYS
    assert "password" not in created.text and "argon2" not in created.text
    stored = db.fetch(
        f"SELECT password_hash, email FROM {alpha.schema}.users WHERE public_id = $1", public_id
    )[0]
    assert stored["password_hash"].startswith("$argon2") and stored["email"] is None

    one = client.get(f"/rest/users/{public_id}", headers=alpha_key)
    assert one.status_code == 200
    assert one.json()["result"] == body["raw"]
    assert set(one.json()) == {"result", "response_type", "model", "time"}

    # PUT with keys left out keeps them (the web app's update sends no `active`).
    put = client.put(
        f"/rest/users/{public_id}", headers=alpha_key, json={"user_name": name, "last_name": "Lovelace"}
    )
    assert put.status_code == 202, put.text
    assert put.headers["location"] == f"http://tenantgrid.test/rest/users/{public_id}"
    result = put.json()["result"]
    assert put.json()["response_type"] == "UPDATE"
    assert (result["first_name"], result["last_name"], result["active"], result["group_id"]) == (
        "Ada",
        "Lovelace",
        True,
        2,
    )
    patch = client.patch(f"/rest/users/{public_id}/", headers=alpha_key, json={"active": False})
    assert patch.status_code == 202
    assert patch.json()["result"]["active"] is False and patch.json()["result"]["last_name"] == "Lovelace"

    deleted = client.delete(f"/rest/users/{public_id}", headers=alpha_key)
    assert deleted.status_code == 202
    assert deleted.json()["deleted_entry"]["public_id"] == public_id
    assert deleted.json()["raw"] == deleted.json()["deleted_entry"]
    assert deleted.json()["response_type"] == "DELETE"
    assert client.get(f"/rest/users/{public_id}", headers=alpha_key).status_code == 404
    assert client.delete(f"/rest/users/{public_id}", headers=alpha_key).status_code == 404


def test_insert_through_the_tenant_url_has_a_tenant_location(
    client: TestClient, alpha: ProvisionedTenant, alpha_admin: dict[str, str], alpha_key: dict[str, str]
) -> None:
    created = client.post(
        f"{rest(alpha)}/users", headers=alpha_admin, json={"user_name": _name(), "password": "pw"}
    )
    assert created.status_code == 201
    public_id = created.json()["result_id"]
    assert created.headers["location"] == f"http://tenantgrid.test{rest(alpha)}/users/{public_id}"
    assert created.json()["raw"]["group_id"] == 2  # new users default to group 2
    client.delete(f"/rest/users/{public_id}", headers=alpha_key)


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ({"password": "pw"}, "user_name"),
        ({"user_name": "x-nopw"}, "password"),
        ({"user_name": 5, "password": "pw"}, "user_name"),
        ({"user_name": "x-bad", "password": "pw", "active": "yes"}, "active"),
        ({"user_name": "x-bad", "password": "pw", "group_id": "2"}, "group_id"),
        ({"user_name": "x-bad", "password": "pw", "group_id": 424242}, "group_id"),
        ({"user_name": "x-bad", "password": "pw", "group_id": 2**70}, "group_id"),
        ({"user_name": "x-bad", "password": ""}, "password"),
        ({"user_name": "   ", "password": "pw"}, "user_name"),
    ],
)
def test_insert_validation_names_the_key(
    client: TestClient, alpha_key: dict[str, str], body: dict, key: str
) -> None:
    response = client.post("/rest/users/", headers=alpha_key, json=body)
    assert response.status_code == 400, response.text
    assert key in response.json()["message"]["validation_error"]


def test_duplicate_user_name_is_400(
    client: TestClient, alpha: ProvisionedTenant, alpha_key: dict[str, str]
) -> None:
    response = client.post(
        "/rest/users/", headers=alpha_key, json={"user_name": alpha.email.upper(), "password": "pw"}
    )
    assert response.status_code == 400
    assert "user_name" in response.json()["message"]["validation_error"]


def test_rename_onto_a_taken_name_is_400(
    client: TestClient,
    make_user: Callable[..., MadeUser],
    alpha_key: dict[str, str],
    alpha: ProvisionedTenant,
) -> None:
    user = make_user()
    response = client.put(f"/rest/users/{user.public_id}", headers=alpha_key, json={"user_name": alpha.email})
    assert response.status_code == 400
    assert client.put("/rest/users/987654", headers=alpha_key, json={"first_name": "x"}).status_code == 404


@pytest.mark.parametrize("bad", ["abc", "99999999999999999999999999", "\u0661", "1.5", "-1", "0"])
def test_odd_ids_are_404_never_500(client: TestClient, alpha_key: dict[str, str], bad: str) -> None:
    for method in ("GET", "PUT", "DELETE"):
        response = client.request(method, f"/rest/users/{bad}", headers=alpha_key, json={"first_name": "x"})
        assert response.status_code == 404, (method, bad, response.text)
        assert response.json()["status"] == 404
        assert response.headers["x-api-version"] == "1.0"


@pytest.mark.parametrize(
    "query", ["order=0", "order=abc", "page=0", "page=x", "limit=-5", "filter=é", "filter={", "limit=1e3"]
)
def test_bad_list_parameters_are_400(client: TestClient, alpha_key: dict[str, str], query: str) -> None:
    response = client.get(f"/rest/users/?{query}", headers=alpha_key)
    assert response.status_code == 400, response.text
    assert set(response.json()) == {"status", "response", "description", "message"}
    assert response.headers["x-api-version"] == "1.0"


def test_paging_and_limit_0(
    client: TestClient, make_user: Callable[..., MadeUser], alpha_key: dict[str, str]
) -> None:
    for _ in range(3):
        make_user()
    total = int(client.get("/rest/users/", headers=alpha_key).headers["x-total-count"])
    assert total >= 4
    page = client.get("/rest/users/?limit=2&page=2", headers=alpha_key).json()
    assert page["count"] == 2 and page["pager"] == {"page": 2, "page_size": 2, "total_pages": -(-total // 2)}
    assert page["pagination"]["prev"] == "http://tenantgrid.test/rest/users/?limit=2&page=1"
    last_page = -(-total // 2)
    assert (
        page["pagination"]["next"] == f"http://tenantgrid.test/rest/users/?limit=2&page={min(3, last_page)}"
    )
    assert page["pagination"]["last"] == f"http://tenantgrid.test/rest/users/?limit=2&page={last_page}"
    everyone = client.get("/rest/users/?limit=0", headers=alpha_key).json()
    assert everyone["count"] == total and everyone["pager"]["total_pages"] == 1
    descending = client.get("/rest/users/?order=-1&limit=0", headers=alpha_key).json()["results"]
    ids = [u["public_id"] for u in descending]
    assert ids == sorted(ids, reverse=True)


def test_bad_bodies(client: TestClient, alpha_key: dict[str, str], settings: object) -> None:
    assert client.post("/rest/users/", headers=alpha_key, content=b"{nope").status_code == 400
    assert client.post("/rest/users/", headers=alpha_key, json=[1, 2]).status_code == 400
    assert client.post("/rest/users/", headers=alpha_key, content=b"").status_code == 400
    big = b'{"user_name": "' + b"x" * (70 * 1024) + b'"}'
    response = client.post(
        "/rest/users/", headers={**alpha_key, "Content-Type": "application/json"}, content=big
    )
    assert response.status_code == 413
    assert response.json()["status"] == 413 and set(response.json()) == {
        "status",
        "response",
        "description",
        "message",
    }
    assert response.headers["x-api-version"] == "1.0"


def test_a_user_cannot_delete_themselves(
    client: TestClient, alpha: ProvisionedTenant, alpha_admin: dict[str, str]
) -> None:
    response = client.delete(f"{rest(alpha)}/users/1", headers=alpha_admin)
    assert response.status_code == 403
    assert client.get(f"{rest(alpha)}/users/1", headers=alpha_admin).status_code == 200


def test_password_route_validates(
    client: TestClient, make_user: Callable[..., MadeUser], alpha_key: dict[str, str]
) -> None:
    user = make_user()
    assert (
        client.patch(f"/rest/users/{user.public_id}/password", headers=alpha_key, json={}).status_code == 400
    )
    assert (
        client.patch(
            f"/rest/users/{user.public_id}/password", headers=alpha_key, json={"password": 5}
        ).status_code
        == 400
    )
    assert (
        client.patch("/rest/users/987654/password", headers=alpha_key, json={"password": "x"}).status_code
        == 404
    )
    assert (
        client.put(
            f"/rest/users/{user.public_id}/password", headers=alpha_key, json={"password": "x"}
        ).status_code
        == 405
    )
