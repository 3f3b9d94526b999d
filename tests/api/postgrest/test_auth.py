"""`/auth/v1/*` sessions and how every data request is authenticated (keys, JWTs, revocation)."""

from __future__ import annotations

import asyncio
import hashlib
import time
import uuid
from collections.abc import Iterator
from datetime import datetime

import jwt
import pytest
from starlette.testclient import TestClient

from tenantgrid.app import create_app
from tenantgrid.auth.keys import KeyKind, display_prefix, key_digest, new_key
from tenantgrid.auth.passwords import hash_password
from tenantgrid.auth.tokens import issue_access_token
from tenantgrid.db.engine import create_engine
from tenantgrid.settings import Settings
from tenantgrid.tenancy.control import Control
from tenantgrid.tenancy.provision import ProvisionedTenant
from tests.api.postgrest.conftest import sign_in
from tests.conftest import PASSWORD, Database

SECOND_EMAIL = "second.user@example.com"
SECOND_PASSWORD = "another long password"


def token(client: TestClient, key: str, grant: str, body: object, **headers: str):  # type: ignore[no-untyped-def]
    return client.post(f"/auth/v1/token?grant_type={grant}", headers={"apikey": key, **headers}, json=body)


def password_login(client: TestClient, key: str, email: str, password: str, **headers: str):  # type: ignore[no-untyped-def]
    return token(client, key, "password", {"email": email, "password": password}, **headers)


def refresh(client: TestClient, key: str, refresh_token: str, **headers: str):  # type: ignore[no-untyped-def]
    return token(client, key, "refresh_token", {"refresh_token": refresh_token}, **headers)


def bearer(tenant: ProvisionedTenant, access_token: str) -> dict[str, str]:
    return {"apikey": tenant.publishable_key, "Authorization": f"Bearer {access_token}"}


def assert_gotrue_error(response, status: int, error_code: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"code", "error_code", "msg"}
    assert body["code"] == status
    assert body["error_code"] == error_code
    assert isinstance(body["msg"], str) and body["msg"]


def assert_pgrst_error(response, status: int, code: str) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"code", "message", "details", "hint"}
    assert body["code"] == code
    return body


@pytest.fixture(scope="module")
def second_user(db: Database, alpha: ProvisionedTenant) -> Iterator[str]:
    """A second user of tenant alpha, so global logouts never touch the shared admin session."""
    user_id = db.value(
        f'INSERT INTO "{alpha.schema}".users (email, password_hash) VALUES ($1, $2) RETURNING id::text',
        SECOND_EMAIL,
        hash_password(SECOND_PASSWORD),
    )
    yield user_id
    db.fetch("DELETE FROM tenantgrid.auth_sessions WHERE user_id = $1::uuid", user_id)
    db.fetch(f'DELETE FROM "{alpha.schema}".users WHERE id = $1::uuid', user_id)


def login_second(client: TestClient, alpha: ProvisionedTenant) -> dict:
    response = password_login(client, alpha.publishable_key, SECOND_EMAIL, SECOND_PASSWORD)
    assert response.status_code == 200, response.text
    return response.json()


# -- password grant ------------------------------------------------------------------------------


def test_password_grant_answers_a_supabase_session(client: TestClient, alpha: ProvisionedTenant) -> None:
    before = int(time.time())
    response = password_login(client, alpha.publishable_key, alpha.email, PASSWORD)
    after = int(time.time())
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    session = response.json()
    assert isinstance(session["access_token"], str) and session["access_token"]
    assert isinstance(session["refresh_token"], str) and session["refresh_token"]
    assert session["token_type"] == "bearer"
    assert type(session["expires_in"]) is int and session["expires_in"] == 3600
    assert type(session["expires_at"]) is int
    assert before + 3600 <= session["expires_at"] <= after + 3600

    user = session["user"]
    assert {"id", "app_metadata", "user_metadata", "aud", "created_at"} <= set(user)
    assert str(uuid.UUID(user["id"])) == user["id"]
    assert user["aud"] == "authenticated"
    assert user["role"] == "authenticated"
    assert user["email"] == alpha.email
    assert user["app_metadata"]["provider"] == "email"
    assert user["app_metadata"]["providers"] == ["email"]
    assert isinstance(user["user_metadata"], dict)
    datetime.fromisoformat(user["created_at"])
    datetime.fromisoformat(user["updated_at"])
    assert datetime.fromisoformat(user["last_sign_in_at"]).timestamp() >= before - 1
    assert isinstance(user["identities"], list)
    assert user["is_anonymous"] is False


def test_access_token_claims(client: TestClient, alpha: ProvisionedTenant, db: Database) -> None:
    session = sign_in(client, alpha)
    claims = jwt.decode(session["access_token"], options={"verify_signature": False})
    assert claims["sub"] == session["user"]["id"]
    assert claims["email"] == alpha.email
    assert claims["role"] == "authenticated"
    assert claims["aud"] == "authenticated"
    assert claims["schema"] == alpha.schema
    assert claims["exp"] == session["expires_at"]
    assert claims["exp"] - claims["iat"] == 3600
    assert abs(claims["iat"] - time.time()) < 60
    assert jwt.get_unverified_header(session["access_token"])["alg"] == "HS256"
    # the session_id claim names the session the refresh token belongs to
    assert (
        db.value(
            "SELECT user_id::text FROM tenantgrid.auth_sessions WHERE id = $1::uuid", claims["session_id"]
        )
        == claims["sub"]
    )


def test_access_token_lifetime_is_a_setting(settings: Settings, alpha: ProvisionedTenant) -> None:
    short = settings.model_copy(update={"access_token_ttl": 120})
    with TestClient(create_app(short), base_url="http://tenantgrid.test") as other:
        session = sign_in(other, alpha)
    assert session["expires_in"] == 120
    claims = jwt.decode(session["access_token"], options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 120


def test_email_is_matched_case_insensitively(client: TestClient, alpha: ProvisionedTenant) -> None:
    response = password_login(client, alpha.publishable_key, alpha.email.upper(), PASSWORD)
    assert response.status_code == 200, response.text
    assert response.json()["user"]["email"] == alpha.email


def test_secret_key_may_sign_in_too(client: TestClient, alpha: ProvisionedTenant) -> None:
    response = password_login(client, alpha.secret_key, alpha.email, PASSWORD)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("alpha@example.com", "wrong password"),
        ("nobody@example.com", PASSWORD),
        ("beta@example.com", PASSWORD),  # beta's admin is not a user of alpha
    ],
)
def test_bad_credentials_are_refused(
    client: TestClient, alpha: ProvisionedTenant, email: str, password: str
) -> None:
    response = password_login(client, alpha.publishable_key, email, password)
    assert_gotrue_error(response, 400, "invalid_credentials")
    assert "access_token" not in response.text


def test_one_tenants_admin_cannot_sign_in_with_another_tenants_key(
    client: TestClient, alpha: ProvisionedTenant, beta: ProvisionedTenant
) -> None:
    response = password_login(client, beta.publishable_key, alpha.email, PASSWORD)
    assert_gotrue_error(response, 400, "invalid_credentials")


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"email": "alpha@example.com"},
        {"password": PASSWORD},
        {"email": "", "password": PASSWORD},
        {"email": "alpha@example.com", "password": ""},
        {"email": ["alpha@example.com"], "password": PASSWORD},
        {"email": "alpha@example.com", "password": 12345678},
        ["alpha@example.com", PASSWORD],
    ],
)
def test_missing_or_malformed_fields_answer_400(
    client: TestClient, alpha: ProvisionedTenant, body: object
) -> None:
    response = token(client, alpha.publishable_key, "password", body)
    assert_gotrue_error(response, 400, "validation_failed")


def test_body_that_is_not_json_answers_400(client: TestClient, alpha: ProvisionedTenant) -> None:
    response = client.post(
        "/auth/v1/token?grant_type=password",
        headers={"apikey": alpha.publishable_key, "Content-Type": "application/json"},
        content=b"{not json",
    )
    assert_gotrue_error(response, 400, "validation_failed")


def test_oversized_body_answers_413(client: TestClient, alpha: ProvisionedTenant) -> None:
    response = token(
        client, alpha.publishable_key, "password", {"email": alpha.email, "password": "x" * 70_000}
    )
    assert_gotrue_error(response, 413, "request_too_large")


@pytest.mark.parametrize("grant", ["", "client_credentials", "PASSWORD"])
def test_unknown_grant_type_answers_400(client: TestClient, alpha: ProvisionedTenant, grant: str) -> None:
    response = token(client, alpha.publishable_key, grant, {"email": alpha.email, "password": PASSWORD})
    assert response.status_code == 400
    assert response.json()["error_code"] == "unsupported_grant_type"


def test_token_endpoint_needs_a_valid_key(client: TestClient, alpha: ProvisionedTenant) -> None:
    missing = client.post(
        "/auth/v1/token?grant_type=password", json={"email": alpha.email, "password": PASSWORD}
    )
    assert missing.status_code == 401
    unknown = password_login(client, "tg_pk_" + "x" * 43, alpha.email, PASSWORD)
    assert unknown.status_code == 401
    assert unknown.json()["error_code"] == "bad_jwt"


def test_token_endpoint_refuses_another_tenants_content_profile(
    client: TestClient, alpha: ProvisionedTenant, beta: ProvisionedTenant
) -> None:
    ok = password_login(
        client, alpha.publishable_key, alpha.email, PASSWORD, **{"Content-Profile": alpha.schema}
    )
    assert ok.status_code == 200, ok.text
    other = password_login(
        client, alpha.publishable_key, alpha.email, PASSWORD, **{"Content-Profile": beta.schema}
    )
    assert other.status_code == 406
    assert "access_token" not in other.text


# -- refresh tokens ------------------------------------------------------------------------------


def test_refresh_rotates_and_each_token_works_once(
    client: TestClient, alpha: ProvisionedTenant, db: Database
) -> None:
    first = sign_in(client, alpha)
    second_response = refresh(client, alpha.publishable_key, first["refresh_token"])
    assert second_response.status_code == 200, second_response.text
    second = second_response.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["user"]["id"] == first["user"]["id"]
    assert type(second["expires_in"]) is int and second["token_type"] == "bearer"
    first_claims = jwt.decode(first["access_token"], options={"verify_signature": False})
    second_claims = jwt.decode(second["access_token"], options={"verify_signature": False})
    assert second_claims["session_id"] == first_claims["session_id"]
    # the new access token works on the data routes
    data = client.get("/rest/v1/things?select=id&limit=1", headers=bearer(alpha, second["access_token"]))
    assert data.status_code == 200, data.text

    third_response = refresh(client, alpha.publishable_key, second["refresh_token"])
    assert third_response.status_code == 200, third_response.text
    third = third_response.json()

    # Reusing a spent token is refused and revokes the whole session ...
    reused = refresh(client, alpha.publishable_key, first["refresh_token"])
    assert_gotrue_error(reused, 400, "refresh_token_already_used")
    revoked_at = db.value(
        "SELECT revoked_at FROM tenantgrid.auth_sessions WHERE id = $1::uuid", first_claims["session_id"]
    )
    assert revoked_at is not None
    # ... so even the newest token of that session stops working.
    newest = refresh(client, alpha.publishable_key, third["refresh_token"])
    assert newest.status_code == 400
    assert newest.json()["error_code"] in {"session_not_found", "refresh_token_already_used"}
    # and the session's user endpoint answers that the session is gone
    me = client.get("/auth/v1/user", headers=bearer(alpha, third["access_token"]))
    assert_gotrue_error(me, 403, "session_not_found")


def test_reuse_revokes_only_that_session(client: TestClient, alpha: ProvisionedTenant) -> None:
    victim, bystander = sign_in(client, alpha), sign_in(client, alpha)
    rotated = refresh(client, alpha.publishable_key, victim["refresh_token"])
    assert rotated.status_code == 200
    assert refresh(client, alpha.publishable_key, victim["refresh_token"]).status_code == 400
    other = refresh(client, alpha.publishable_key, bystander["refresh_token"])
    assert other.status_code == 200, other.text


@pytest.mark.parametrize("refresh_token", ["not-a-token", "x" * 32, "tg_sk_" + "a" * 43])
def test_unknown_refresh_token_answers_400(
    client: TestClient, alpha: ProvisionedTenant, refresh_token: str
) -> None:
    response = refresh(client, alpha.publishable_key, refresh_token)
    assert_gotrue_error(response, 400, "refresh_token_not_found")


@pytest.mark.parametrize("body", [{}, {"refresh_token": ""}, {"refresh_token": 123}])
def test_refresh_without_a_token_answers_400(
    client: TestClient, alpha: ProvisionedTenant, body: object
) -> None:
    response = token(client, alpha.publishable_key, "refresh_token", body)
    assert_gotrue_error(response, 400, "validation_failed")


def test_refresh_token_of_another_tenant_is_unknown(
    client: TestClient, alpha: ProvisionedTenant, beta: ProvisionedTenant
) -> None:
    beta_session = sign_in(client, beta)
    response = refresh(client, alpha.publishable_key, beta_session["refresh_token"])
    assert_gotrue_error(response, 400, "refresh_token_not_found")
    # the failed attempt neither spent nor revoked beta's token
    assert refresh(client, beta.publishable_key, beta_session["refresh_token"]).status_code == 200


def test_expired_refresh_token_answers_400(
    client: TestClient, alpha: ProvisionedTenant, db: Database
) -> None:
    session = sign_in(client, alpha)
    digest = hashlib.sha256(session["refresh_token"].encode()).digest()
    db.fetch(
        "UPDATE tenantgrid.refresh_tokens SET expires_at = now() - interval '1 second' WHERE token_hash = $1",
        digest,
    )
    response = refresh(client, alpha.publishable_key, session["refresh_token"])
    assert_gotrue_error(response, 400, "refresh_token_not_found")


def test_refresh_works_while_the_expired_access_token_is_still_sent(
    client: TestClient, settings: Settings, alpha: ProvisionedTenant
) -> None:
    """Clients refresh because the access token expired, and send it along in Authorization."""
    session = sign_in(client, alpha)
    claims = jwt.decode(session["access_token"], options={"verify_signature": False})
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    expired, _ = issue_access_token(
        settings,
        runtime.jwt_secret,
        user_id=claims["sub"],
        email=claims["email"],
        role="authenticated",
        schema=alpha.schema,
        tenant="alpha",
        session_id=uuid.UUID(claims["session_id"]),
        now=int(time.time()) - 7200,
    )
    response = refresh(
        client, alpha.publishable_key, session["refresh_token"], Authorization=f"Bearer {expired}"
    )
    assert response.status_code == 200, response.text
    assert response.json()["refresh_token"] != session["refresh_token"]


# -- user and logout -----------------------------------------------------------------------------


def test_get_user_answers_the_signed_in_user(client: TestClient, alpha: ProvisionedTenant) -> None:
    session = sign_in(client, alpha)
    response = client.get("/auth/v1/user", headers=bearer(alpha, session["access_token"]))
    assert response.status_code == 200, response.text
    user = response.json()
    assert user["id"] == session["user"]["id"]
    assert user["email"] == alpha.email
    assert user["aud"] == "authenticated"
    assert {"app_metadata", "user_metadata", "created_at"} <= set(user)


def test_get_user_needs_a_user_token(client: TestClient, alpha: ProvisionedTenant) -> None:
    assert client.get("/auth/v1/user", headers={"apikey": alpha.secret_key}).status_code == 401
    assert client.get("/auth/v1/user", headers={"apikey": alpha.publishable_key}).status_code == 401
    garbage = client.get("/auth/v1/user", headers=bearer(alpha, "not.a.jwt"))
    assert garbage.status_code == 401
    assert garbage.json()["error_code"] == "bad_jwt"


def test_get_user_with_another_tenants_key_is_refused(
    client: TestClient, alpha: ProvisionedTenant, beta: ProvisionedTenant
) -> None:
    session = sign_in(client, alpha)
    response = client.get("/auth/v1/user", headers=bearer(beta, session["access_token"]))
    assert response.status_code == 401
    assert alpha.email not in response.text


def test_logout_local_ends_only_that_session(
    client: TestClient, alpha: ProvisionedTenant, second_user: str
) -> None:
    one, two = login_second(client, alpha), login_second(client, alpha)
    response = client.post("/auth/v1/logout?scope=local", headers=bearer(alpha, one["access_token"]))
    assert response.status_code == 204
    assert response.content == b""
    assert refresh(client, alpha.publishable_key, one["refresh_token"]).status_code == 400
    assert refresh(client, alpha.publishable_key, two["refresh_token"]).status_code == 200


def test_logout_global_ends_every_session_of_the_user(
    client: TestClient, alpha: ProvisionedTenant, second_user: str
) -> None:
    one, two = login_second(client, alpha), login_second(client, alpha)
    admin = sign_in(client, alpha)
    response = client.post("/auth/v1/logout?scope=global", headers=bearer(alpha, one["access_token"]))
    assert response.status_code == 204
    assert refresh(client, alpha.publishable_key, one["refresh_token"]).status_code == 400
    assert refresh(client, alpha.publishable_key, two["refresh_token"]).status_code == 400
    # another user's sessions are untouched
    assert refresh(client, alpha.publishable_key, admin["refresh_token"]).status_code == 200


def test_logout_without_scope_is_global(
    client: TestClient, alpha: ProvisionedTenant, second_user: str
) -> None:
    one, two = login_second(client, alpha), login_second(client, alpha)
    assert client.post("/auth/v1/logout", headers=bearer(alpha, one["access_token"])).status_code == 204
    assert refresh(client, alpha.publishable_key, two["refresh_token"]).status_code == 400


def test_logout_others_keeps_the_current_session(
    client: TestClient, alpha: ProvisionedTenant, second_user: str
) -> None:
    one, two = login_second(client, alpha), login_second(client, alpha)
    response = client.post("/auth/v1/logout?scope=others", headers=bearer(alpha, one["access_token"]))
    assert response.status_code == 204
    assert refresh(client, alpha.publishable_key, two["refresh_token"]).status_code == 400
    assert refresh(client, alpha.publishable_key, one["refresh_token"]).status_code == 200


def test_logout_after_logout_user_endpoint_says_session_gone(
    client: TestClient, alpha: ProvisionedTenant, second_user: str
) -> None:
    one = login_second(client, alpha)
    client.post("/auth/v1/logout?scope=local", headers=bearer(alpha, one["access_token"]))
    me = client.get("/auth/v1/user", headers=bearer(alpha, one["access_token"]))
    assert_gotrue_error(me, 403, "session_not_found")


def test_logout_rejects_unknown_scope_and_needs_a_token(client: TestClient, alpha: ProvisionedTenant) -> None:
    session = sign_in(client, alpha)
    bad = client.post("/auth/v1/logout?scope=everyone", headers=bearer(alpha, session["access_token"]))
    assert_gotrue_error(bad, 400, "validation_failed")
    assert client.post("/auth/v1/logout", headers={"apikey": alpha.publishable_key}).status_code == 401
    # nothing was revoked by either
    assert refresh(client, alpha.publishable_key, session["refresh_token"]).status_code == 200


# -- data routes: JWTs ---------------------------------------------------------------------------


def _claims_for(alpha: ProvisionedTenant, session: dict, **changes: object) -> dict:
    claims = jwt.decode(session["access_token"], options={"verify_signature": False})
    return claims | changes


def test_user_jwt_with_publishable_key_reads(
    client: TestClient, user_headers: dict[str, str], alpha: ProvisionedTenant
) -> None:
    response = client.get("/rest/v1/things?select=id", headers=user_headers)
    assert response.status_code == 200
    assert response.headers["content-profile"] == alpha.schema


def test_expired_jwt_answers_401_pgrst303(
    client: TestClient, settings: Settings, alpha: ProvisionedTenant, alpha_session: dict
) -> None:
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    now = int(time.time())
    claims = _claims_for(alpha, alpha_session, iat=now - 7200, exp=now - 3600)
    expired = jwt.encode(claims, runtime.jwt_secret, algorithm="HS256")
    response = client.get("/rest/v1/things", headers=bearer(alpha, expired))
    body = assert_pgrst_error(response, 401, "PGRST303")
    assert body["message"] == "JWT expired"
    assert response.headers["www-authenticate"].startswith("Bearer ")
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


def test_jwt_with_bad_signature_answers_401_pgrst301(
    client: TestClient, alpha: ProvisionedTenant, alpha_session: dict
) -> None:
    forged = jwt.encode(
        _claims_for(alpha, alpha_session),
        "not the server's secret, but long enough to sign",
        algorithm="HS256",
    )
    response = client.get("/rest/v1/things", headers=bearer(alpha, forged))
    assert_pgrst_error(response, 401, "PGRST301")
    assert response.headers["www-authenticate"].startswith("Bearer ")


def test_tampered_jwt_answers_401(client: TestClient, alpha: ProvisionedTenant, alpha_session: dict) -> None:
    header, _payload, signature = alpha_session["access_token"].split(".")
    other = jwt.encode({"schema": "public", "sub": "x", "exp": 2**31}, "k" * 32, algorithm="HS256").split(
        "."
    )[1]
    response = client.get("/rest/v1/things", headers=bearer(alpha, f"{header}.{other}.{signature}"))
    assert_pgrst_error(response, 401, "PGRST301")


def test_unsigned_jwt_is_refused(client: TestClient, alpha: ProvisionedTenant, alpha_session: dict) -> None:
    unsigned = jwt.encode(_claims_for(alpha, alpha_session), None, algorithm="none")
    response = client.get("/rest/v1/things", headers=bearer(alpha, unsigned))
    assert_pgrst_error(response, 401, "PGRST301")


@pytest.mark.parametrize("value", ["garbage", "a.b.c", "a.b", "eyJhbGciOiJIUzI1NiJ9..", "....", "Bearer"])
def test_malformed_jwt_answers_401(client: TestClient, alpha: ProvisionedTenant, value: str) -> None:
    response = client.get("/rest/v1/things", headers=bearer(alpha, value))
    assert_pgrst_error(response, 401, "PGRST301")
    assert "www-authenticate" in response.headers


def test_jwt_of_wrong_audience_answers_401(
    client: TestClient, alpha: ProvisionedTenant, alpha_session: dict
) -> None:
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    claims = _claims_for(alpha, alpha_session, aud="service")
    response = client.get(
        "/rest/v1/things", headers=bearer(alpha, jwt.encode(claims, runtime.jwt_secret, algorithm="HS256"))
    )
    assert_pgrst_error(response, 401, "PGRST303")


@pytest.mark.parametrize("missing", ["exp", "sub", "schema"])
def test_jwt_missing_a_required_claim_answers_401(
    client: TestClient, alpha: ProvisionedTenant, alpha_session: dict, missing: str
) -> None:
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    claims = _claims_for(alpha, alpha_session)
    del claims[missing]
    response = client.get(
        "/rest/v1/things", headers=bearer(alpha, jwt.encode(claims, runtime.jwt_secret, algorithm="HS256"))
    )
    assert_pgrst_error(response, 401, "PGRST303")


# -- data routes: keys ---------------------------------------------------------------------------


def test_publishable_key_alone_is_refused_on_data_routes(
    client: TestClient, alpha: ProvisionedTenant
) -> None:
    for method in ("GET", "HEAD", "POST", "PATCH", "DELETE"):
        response = client.request(
            method, "/rest/v1/things?id=eq.1", headers={"apikey": alpha.publishable_key}, json={"name": "x"}
        )
        assert response.status_code == 401, (method, response.text)
        if method != "HEAD":
            assert response.json()["code"] == "PGRST302"


def test_publishable_key_as_bearer_alone_is_refused(client: TestClient, alpha: ProvisionedTenant) -> None:
    """What a Supabase client sends before anyone signs in: the key as apikey and as Bearer."""
    headers = {"apikey": alpha.publishable_key, "Authorization": f"Bearer {alpha.publishable_key}"}
    response = client.get("/rest/v1/things", headers=headers)
    assert_pgrst_error(response, 401, "PGRST302")


def test_no_credentials_answers_401(client: TestClient) -> None:
    response = client.get("/rest/v1/things")
    assert_pgrst_error(response, 401, "PGRST302")
    assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "form",
    ["apikey", "Api-Key", "APIKEY", "authorization-apikey", "authorization-bearer", "apikey+bearer"],
)
def test_secret_key_alone_in_every_header_form(
    client: TestClient, alpha: ProvisionedTenant, form: str
) -> None:
    key = alpha.secret_key
    headers = {
        "apikey": {"apikey": key},
        "Api-Key": {"Api-Key": key},
        "APIKEY": {"APIKEY": key},
        "authorization-apikey": {"Authorization": f"ApiKey {key}"},
        "authorization-bearer": {"Authorization": f"Bearer {key}"},
        "apikey+bearer": {"apikey": key, "Authorization": f"Bearer {key}"},
    }[form]
    response = client.get("/rest/v1/things?select=id,name&order=id", headers=headers)
    assert response.status_code == 200, response.text
    assert [t["name"] for t in response.json()][:3] == ["Customer", "Asset", "Ticket"]
    assert response.headers["content-profile"] == alpha.schema


def test_publishable_key_as_api_key_header_with_a_jwt(
    client: TestClient, alpha: ProvisionedTenant, alpha_session: dict
) -> None:
    headers = {"Api-Key": alpha.publishable_key, "Authorization": f"Bearer {alpha_session['access_token']}"}
    response = client.get("/rest/v1/things", headers=headers)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    "key", ["tg_sk_" + "A" * 43, "tg_pk_" + "A" * 43, "nonsense", "tg_sk_", "' OR 1=1 --"]
)
def test_unknown_key_answers_401(client: TestClient, key: str) -> None:
    response = client.get("/rest/v1/things", headers={"apikey": key})
    assert_pgrst_error(response, 401, "PGRST301")


def test_two_different_keys_answer_401(
    client: TestClient, alpha: ProvisionedTenant, beta: ProvisionedTenant
) -> None:
    pairs = [
        {"apikey": alpha.secret_key, "Api-Key": beta.secret_key},
        {"apikey": alpha.secret_key, "Authorization": f"Bearer {beta.secret_key}"},
        {"apikey": alpha.secret_key, "Authorization": f"ApiKey {alpha.publishable_key}"},
        {"Api-Key": alpha.publishable_key, "Authorization": f"Bearer {alpha.secret_key}"},
    ]
    for headers in pairs:
        response = client.get("/rest/v1/things", headers=headers)
        assert_pgrst_error(response, 401, "PGRST301")


def test_repeated_apikey_header_with_different_keys_answers_401(
    client: TestClient, alpha: ProvisionedTenant, beta: ProvisionedTenant
) -> None:
    response = client.get(
        "/rest/v1/things", headers=[("apikey", alpha.secret_key), ("apikey", beta.secret_key)]
    )
    assert_pgrst_error(response, 401, "PGRST301")
    same = client.get("/rest/v1/things", headers=[("apikey", alpha.secret_key), ("apikey", alpha.secret_key)])
    assert same.status_code == 200


def _run_control(settings: Settings, work):  # type: ignore[no-untyped-def]
    async def main():  # type: ignore[no-untyped-def]
        engine = create_engine(settings.database_url or "")
        try:
            async with engine.begin() as conn:
                return await work(Control(conn, settings.control_schema))
        finally:
            await engine.dispose()

    return asyncio.run(main())


def test_revoked_key_stops_working_within_the_cache_ttl(
    client: TestClient, settings: Settings, alpha: ProvisionedTenant, alpha_session: dict
) -> None:
    async def create(control: Control) -> tuple[str, str]:
        tenant = await control.tenant("alpha")
        assert tenant is not None
        return (
            await control.create_key(tenant.id, KeyKind.SECRET),
            await control.create_key(tenant.id, KeyKind.PUBLISHABLE),
        )

    secret_key, publishable_key = _run_control(settings, create)
    user = {"apikey": publishable_key, "Authorization": f"Bearer {alpha_session['access_token']}"}
    assert client.get("/rest/v1/things", headers={"apikey": secret_key}).status_code == 200
    assert client.get("/rest/v1/things", headers=user).status_code == 200

    async def revoke(control: Control) -> None:
        tenant = await control.tenant("alpha")
        assert tenant is not None
        for record in await control.keys(tenant.id):
            if record.prefix in (secret_key[:12] + "…", publishable_key[:12] + "…") and not record.revoked_at:
                assert await control.revoke_key(tenant.id, record.id)

    _run_control(settings, revoke)
    time.sleep(settings.auth_cache_ttl + 0.1)
    assert client.get("/rest/v1/things", headers={"apikey": secret_key}).status_code == 401
    assert client.get("/rest/v1/things", headers=user).status_code == 401
    assert password_login(client, publishable_key, alpha.email, PASSWORD).status_code == 401
    # the tenant's other keys still work
    assert client.get("/rest/v1/things", headers={"apikey": alpha.secret_key}).status_code == 200


def _insert_key_by_hand(db: Database, settings: Settings, tenant: str, key: str) -> None:
    control = f'"{settings.control_schema}"'
    db.fetch(
        f"INSERT INTO {control}.api_keys (tenant_id, kind, prefix, key_hash) "
        f"SELECT id, 'secret', $2, $3 FROM {control}.tenants WHERE name = $1",
        tenant,
        display_prefix(key),
        key_digest(key),
    )


def test_key_changes_made_in_sql_by_hand_reach_the_cache_within_the_ttl(
    client: TestClient, settings: Settings, db: Database
) -> None:
    """The key cache follows the control plane's triggers, not the server's own code paths: a key
    inserted, revoked or restored with plain SQL is seen, even one first looked up as unknown."""
    control = f'"{settings.control_schema}"'
    key = new_key(KeyKind.SECRET)
    headers = {"apikey": key}
    assert client.get("/rest/v1/things", headers=headers).status_code == 401  # cached as unknown

    _insert_key_by_hand(db, settings, "alpha", key)
    time.sleep(settings.auth_cache_ttl + 0.1)
    assert client.get("/rest/v1/things", headers=headers).status_code == 200

    db.fetch(f"UPDATE {control}.api_keys SET revoked_at = now() WHERE key_hash = $1", key_digest(key))
    time.sleep(settings.auth_cache_ttl + 0.1)
    assert client.get("/rest/v1/things", headers=headers).status_code == 401

    db.fetch(f"UPDATE {control}.api_keys SET revoked_at = NULL WHERE key_hash = $1", key_digest(key))
    time.sleep(settings.auth_cache_ttl + 0.1)
    assert client.get("/rest/v1/things", headers=headers).status_code == 200

    db.fetch(f"DELETE FROM {control}.api_keys WHERE key_hash = $1", key_digest(key))
    time.sleep(settings.auth_cache_ttl + 0.1)
    assert client.get("/rest/v1/things", headers=headers).status_code == 401


def test_within_the_ttl_a_cached_key_answers_without_the_control_plane(
    client: TestClient, settings: Settings, alpha: ProvisionedTenant, db: Database
) -> None:
    """What the cache buys, and the price: for up to `auth_cache_ttl` a revocation is not seen."""
    slow = create_app(settings.model_copy(update={"auth_cache_ttl": 30.0}))
    with TestClient(slow, base_url="http://tenantgrid.test") as cached:
        key = new_key(KeyKind.SECRET)
        control = f'"{settings.control_schema}"'
        _insert_key_by_hand(db, settings, "alpha", key)
        assert cached.get("/rest/v1/things", headers={"apikey": key}).status_code == 200
        db.fetch(f"DELETE FROM {control}.api_keys WHERE key_hash = $1", key_digest(key))
        assert cached.get("/rest/v1/things", headers={"apikey": key}).status_code == 200
    # a process that never cached it refuses it at once
    assert client.get("/rest/v1/things", headers={"apikey": key}).status_code == 401
