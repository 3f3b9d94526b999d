"""/rest/users/{id}/settings/: a user's own settings; anyone's with base.user-management.user.*."""

from __future__ import annotations

from collections.abc import Callable

from starlette.testclient import TestClient

from tenantgrid.tenancy.provision import ProvisionedTenant
from tests.api.cmdb.conftest import MadeUser, rest


def test_own_settings_crud(
    client: TestClient, alpha: ProvisionedTenant, make_user: Callable[..., MadeUser]
) -> None:
    user = make_user()
    base = f"{rest(alpha)}/users/{user.public_id}/settings"
    empty = client.get(f"{base}/", headers=user.basic)
    assert empty.status_code == 200
    assert empty.json()["results"] == [] and empty.headers["x-total-count"] == "0"
    setting = {
        "identifier": "test",
        "user_id": user.public_id,
        "payload": {"a": [1, 2]},
        "setting_type": "GLOBAL",
    }
    created = client.post(f"{base}/", headers=user.basic, json=setting)
    assert created.status_code == 201, created.text
    assert created.json()["result_id"] == "test"
    assert created.json()["raw"] == setting
    assert created.json()["model"] == "UserSetting"
    assert created.headers["location"] == f"http://tenantgrid.test{base}/test"
    listed = client.get(base, headers=user.basic).json()
    assert listed["results"] == [setting] and listed["model"] == "UserSetting"
    one = client.get(f"{base}/test", headers=user.basic)
    assert one.status_code == 200
    assert one.json()["results"] == [setting] and one.json()["result"] == setting
    assert client.get(f"{base}/test/", headers=user.basic).status_code == 200  # the web app's trailing slash
    put = client.put(f"{base}/test", headers=user.basic, json={**setting, "setting_type": "APPLICATION"})
    assert put.status_code == 202
    assert put.json()["result"] == {**setting, "setting_type": "APPLICATION"}
    patch = client.patch(f"{base}/test", headers=user.basic, json={"payload": {"b": True}})
    assert patch.json()["result"] == {**setting, "setting_type": "APPLICATION", "payload": {"b": True}}
    deleted = client.delete(f"{base}/test", headers=user.basic)
    assert deleted.status_code == 202
    assert deleted.json()["deleted_entry"]["setting_type"] == "APPLICATION"
    assert client.get(f"{base}/test", headers=user.basic).status_code == 404
    assert client.delete(f"{base}/test", headers=user.basic).status_code == 404


def test_validation(client: TestClient, alpha: ProvisionedTenant, make_user: Callable[..., MadeUser]) -> None:
    user = make_user()
    base = f"{rest(alpha)}/users/{user.public_id}/settings/"
    assert client.post(base, headers=user.basic, json={"identifier": "a"}).status_code == 201
    duplicate = client.post(base, headers=user.basic, json={"identifier": "a"})
    assert duplicate.status_code == 400
    for body in (
        {"identifier": ""},
        {"identifier": 5},
        {"identifier": "b", "setting_type": "LOCAL"},
        {"identifier": "b", "user_id": user.public_id + 1},
    ):
        response = client.post(base, headers=user.basic, json=body)
        assert response.status_code == 400, (body, response.text)
    assert client.put(f"{base}a", headers=user.basic, json={"identifier": "other"}).status_code == 400


def test_other_users_settings_need_user_management(
    client: TestClient,
    alpha: ProvisionedTenant,
    make_user: Callable[..., MadeUser],
    alpha_key: dict[str, str],
) -> None:
    owner = make_user()
    other = make_user()
    base = f"{rest(alpha)}/users/{owner.public_id}/settings/"
    denied = client.get(base, headers=other.basic)
    assert denied.status_code == 403
    assert "base.user-management.user.*" in denied.json()["description"]
    assert client.post(base, headers=other.basic, json={"identifier": "x"}).status_code == 403
    assert (
        client.post(
            f"/rest/users/{owner.public_id}/settings/", headers=alpha_key, json={"identifier": "x"}
        ).status_code
        == 201
    )
    assert client.get(f"/rest/users/{owner.public_id}/settings/x", headers=alpha_key).status_code == 200
    assert client.get("/rest/users/987654/settings/", headers=alpha_key).status_code == 404
    assert client.get("/rest/users/abc/settings/", headers=alpha_key).status_code == 404
