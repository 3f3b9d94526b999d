"""Who is calling and which tenant: API keys, Basic, Bearer (login), the tenant in the URL, 401/403."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from starlette.testclient import TestClient

from tenantgrid.auth import passwords
from tenantgrid.tenancy.provision import ProvisionedTenant
from tests.api.cmdb.conftest import MadeUser, basic, key, rest
from tests.conftest import PASSWORD


@pytest.mark.parametrize(
    "headers",
    [
        lambda t: {"Api-Key": t.secret_key},
        lambda t: {"apikey": t.secret_key},
        lambda t: {"Authorization": f"ApiKey {t.secret_key}"},
    ],
    ids=["Api-Key", "apikey", "Authorization-ApiKey"],
)
def test_secret_key_in_every_header_form(
    client: TestClient, alpha: ProvisionedTenant, headers: Callable[[ProvisionedTenant], dict[str, str]]
) -> None:
    response = client.get("/rest/users/", headers=headers(alpha))
    assert response.status_code == 200, response.text
    assert response.json()["results"][0]["user_name"] == alpha.email.lower()


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": ""},
        {"Authorization": "Basic"},
        {"Authorization": "Basic !!!"},
        {"Api-Key": "nope"},
    ],
    ids=["none", "empty-authorization", "basic-no-value", "basic-not-base64", "bad-key"],
)
def test_no_valid_credentials_is_401_with_challenge(client: TestClient, headers: dict[str, str]) -> None:
    response = client.get("/rest/users/", headers=headers)
    assert response.status_code == 401, response.text
    assert "Basic" in response.headers["www-authenticate"]
    assert "Bearer" in response.headers["www-authenticate"]
    assert response.headers["x-api-version"] == "1.0"
    assert response.json()["status"] == 401


def test_publishable_key_alone_is_not_enough(client: TestClient, alpha: ProvisionedTenant) -> None:
    response = client.get("/rest/users/", headers={"apikey": alpha.publishable_key})
    assert response.status_code == 401
    assert "www-authenticate" in response.headers


def test_basic_needs_the_tenant_in_the_url_or_a_key(
    client: TestClient, alpha: ProvisionedTenant, alpha_admin: dict[str, str]
) -> None:
    assert client.get(f"{rest(alpha)}/users/", headers=alpha_admin).status_code == 200
    assert client.get("/rest/users/", headers=alpha_admin).status_code == 401
    with_key = client.get("/rest/users/", headers={**alpha_admin, "apikey": alpha.publishable_key})
    assert with_key.status_code == 200


def test_wrong_password_unknown_user_and_unknown_tenant_get_the_same_401(
    client: TestClient, alpha: ProvisionedTenant
) -> None:
    answers = []
    for url, headers in [
        (f"{rest(alpha)}/users/", basic(alpha.email, "wrong password")),
        (f"{rest(alpha)}/users/", basic("nobody@example.com", PASSWORD)),
        ("/tenants/no_such_schema/rest/users/", basic(alpha.email, PASSWORD)),
    ]:
        response = client.get(url, headers=headers)
        assert response.status_code == 401
        answers.append(
            (response.json()["description"], response.json()["message"], response.headers["www-authenticate"])
        )
    assert answers[0] == answers[1] == answers[2]


def test_unknown_user_costs_the_same_password_check_as_a_wrong_password(
    client: TestClient, alpha: ProvisionedTenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Counted, not timed: each refusal runs exactly one real Argon2 verification, so an unknown user
    takes as long as a wrong password (without the dummy check it would take none, ~1 ms)."""
    checks: list[str] = []
    verify = passwords._context.verify

    def counted(secret: str, stored: str) -> bool:
        checks.append(stored)
        return bool(verify(secret, stored))

    monkeypatch.setattr(passwords._context, "verify", counted)
    url = f"{rest(alpha)}/users/"
    for headers in (basic(alpha.email, "wrong password"), basic("ghost@example.com", "x")):
        checks.clear()
        assert client.get(url, headers=headers).status_code == 401
        assert len(checks) == 1 and checks[0].startswith("$argon2id$"), checks


def test_login_answers_user_and_token_usable_as_bearer(client: TestClient, alpha: ProvisionedTenant) -> None:
    response = client.post(
        f"{rest(alpha)}/auth/login", json={"user_name": alpha.email.upper(), "password": PASSWORD}
    )
    assert response.status_code == 200, response.text
    assert response.headers["x-api-version"] == "1.0"
    body = response.json()
    assert set(body) == {"user", "token", "token_issued_at", "token_expire"}
    assert body["user"]["user_name"] == alpha.email.lower()
    assert "password" not in body["user"] and "argon2" not in response.text
    assert body["token_expire"] > body["token_issued_at"] > 0
    bearer = {"Authorization": f"Bearer {body['token']}"}
    assert client.get("/rest/users/", headers=bearer).status_code == 200
    assert client.get(f"{rest(alpha)}/groups/", headers=bearer).status_code == 200
    # The same kind of token as /auth/v1/token: the PostgREST API and GoTrue's user route take it.
    assert client.get("/auth/v1/user", headers={"apikey": alpha.publishable_key, **bearer}).status_code == 200
    rows = client.get("/rest/v1/things?limit=1", headers={"apikey": alpha.publishable_key, **bearer})
    assert rows.status_code == 200


def test_login_with_a_key_naming_the_tenant_and_failures(
    client: TestClient, alpha: ProvisionedTenant
) -> None:
    ok = client.post(
        "/rest/auth/login",
        headers={"apikey": alpha.publishable_key},
        json={"user_name": alpha.email, "password": PASSWORD},
    )
    assert ok.status_code == 200
    wrong = client.post(f"{rest(alpha)}/auth/login", json={"user_name": alpha.email, "password": "nope"})
    unknown = client.post(f"{rest(alpha)}/auth/login", json={"user_name": "ghost", "password": "nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["description"] == unknown.json()["description"]
    assert (
        client.post("/rest/auth/login", json={"user_name": alpha.email, "password": PASSWORD}).status_code
        == 401
    )
    missing = client.post(f"{rest(alpha)}/auth/login", json={"user_name": alpha.email})
    assert missing.status_code == 400
    assert missing.json()["message"] == {"validation_error": {"password": "'password' is required"}}
    assert client.post(f"{rest(alpha)}/auth/login", content=b"{not json").status_code == 400


def test_supabase_session_token_works_on_the_cmdb(client: TestClient, alpha: ProvisionedTenant) -> None:
    session = client.post(
        "/auth/v1/token?grant_type=password",
        headers={"apikey": alpha.publishable_key},
        json={"email": alpha.email, "password": PASSWORD},
    ).json()
    bearer = {"Authorization": f"Bearer {session['access_token']}"}
    response = client.get("/rest/users/1", headers=bearer)
    assert response.status_code == 200
    assert client.get("/rest/users/", headers={**bearer, "apikey": alpha.publishable_key}).status_code == 200
    assert client.get("/rest/users/", headers={"Authorization": "Bearer not.a.jwt"}).status_code == 401


def test_credentials_for_another_tenant_than_the_url_are_403(
    client: TestClient, alpha: ProvisionedTenant, beta: ProvisionedTenant
) -> None:
    response = client.get(f"{rest(beta)}/users/", headers=key(alpha))
    assert response.status_code == 403
    assert response.headers["x-api-version"] == "1.0"
    token = client.post(f"{rest(alpha)}/auth/login", json={"user_name": alpha.email, "password": PASSWORD})
    bearer = {"Authorization": f"Bearer {token.json()['token']}"}
    assert client.get(f"{rest(beta)}/users/", headers=bearer).status_code == 403
    # alpha's token with beta's key: two tenants in one request.
    assert client.get("/rest/users/", headers={**bearer, "apikey": beta.publishable_key}).status_code == 401
    # alpha's admin over Basic at beta's URL: no such user there.
    assert client.get(f"{rest(beta)}/users/", headers=basic(alpha.email, PASSWORD)).status_code == 401


def test_missing_right_is_403_naming_it(
    client: TestClient, make_user: Callable[..., MadeUser], alpha: ProvisionedTenant
) -> None:
    user = make_user(group_id=2)
    assert client.get(f"{rest(alpha)}/groups/", headers=user.basic).status_code == 200  # group.view
    response = client.post(
        f"{rest(alpha)}/users/", headers=user.basic, json={"user_name": "x", "password": "y"}
    )
    assert response.status_code == 403
    assert "base.user-management.user.add" in response.json()["description"]
    assert response.headers["x-api-version"] == "1.0"


def test_wildcard_rights_are_inherited(
    client: TestClient,
    make_user: Callable[..., MadeUser],
    alpha: ProvisionedTenant,
    alpha_key: dict[str, str],
) -> None:
    group = client.post(
        "/rest/groups/",
        headers=alpha_key,
        json={"name": "managers-wild", "rights": ["base.user-management.*"]},
    ).json()["result_id"]
    narrow = client.post(
        "/rest/groups/",
        headers=alpha_key,
        json={"name": "viewers-narrow", "rights": ["base.user-management.user.view"]},
    ).json()["result_id"]
    try:
        manager = make_user(group_id=group)
        viewer = make_user(group_id=narrow)
        made = client.post(
            f"{rest(alpha)}/users/",
            headers=manager.basic,
            json={"user_name": "by-wildcard", "password": "pw"},
        )
        assert made.status_code == 201, made.text
        assert (
            client.delete(
                f"{rest(alpha)}/users/{made.json()['result_id']}", headers=manager.basic
            ).status_code
            == 202
        )
        assert client.get(f"{rest(alpha)}/users/", headers=viewer.basic).status_code == 200
        denied = client.get(f"{rest(alpha)}/groups/", headers=viewer.basic)
        assert denied.status_code == 403
        assert "base.user-management.group.view" in denied.json()["description"]
    finally:
        for gid in (group, narrow):
            client.delete(f"/rest/groups/{gid}?action=DELETE", headers=alpha_key)


def test_own_record_and_own_password_need_no_right(
    client: TestClient,
    make_user: Callable[..., MadeUser],
    alpha: ProvisionedTenant,
    alpha_key: dict[str, str],
) -> None:
    nothing = client.post(
        "/rest/groups/", headers=alpha_key, json={"name": "no-rights", "rights": []}
    ).json()["result_id"]
    try:
        user = make_user(group_id=nothing)
        other = make_user(group_id=2)
        own = client.get(f"{rest(alpha)}/users/{user.public_id}", headers=user.basic)
        assert own.status_code == 200
        assert own.json()["result"]["user_name"] == user.user_name
        assert client.get(f"{rest(alpha)}/users/{other.public_id}", headers=user.basic).status_code == 403
        assert client.get(f"{rest(alpha)}/users/", headers=user.basic).status_code == 403
        # Not their own group or name: editing a user record needs user.edit.
        assert (
            client.put(
                f"{rest(alpha)}/users/{user.public_id}", headers=user.basic, json={"group_id": 1}
            ).status_code
            == 403
        )
        # Other people's passwords need user.edit.
        assert (
            client.patch(
                f"{rest(alpha)}/users/{other.public_id}/password", headers=user.basic, json={"password": "x"}
            ).status_code
            == 403
        )
        changed = client.patch(
            f"{rest(alpha)}/users/{user.public_id}/password",
            headers=user.basic,
            json={"password": "new secret"},
        )
        assert changed.status_code == 202, changed.text
        assert "password" not in changed.json()["result"]
        # The old password stops at once (the Basic cache is bound to the stored hash).
        assert client.get(f"{rest(alpha)}/users/{user.public_id}", headers=user.basic).status_code == 401
        fresh = basic(user.user_name, "new secret")
        assert client.get(f"{rest(alpha)}/users/{user.public_id}", headers=fresh).status_code == 200
    finally:
        client.delete(f"/rest/groups/{nothing}?action=DELETE", headers=alpha_key)


def test_deactivated_user_gets_the_same_401(
    client: TestClient,
    make_user: Callable[..., MadeUser],
    alpha: ProvisionedTenant,
    alpha_key: dict[str, str],
) -> None:
    user = make_user()
    assert client.get(f"{rest(alpha)}/users/{user.public_id}", headers=user.basic).status_code == 200
    assert (
        client.patch(f"/rest/users/{user.public_id}", headers=alpha_key, json={"active": False}).status_code
        == 202
    )
    response = client.get(f"{rest(alpha)}/users/{user.public_id}", headers=user.basic)
    assert response.status_code == 401
    assert response.json()["description"] == "Invalid user name or password"
    login = client.post(
        f"{rest(alpha)}/auth/login", json={"user_name": user.user_name, "password": user.password}
    )
    assert login.status_code == 401
