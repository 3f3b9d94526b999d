"""Review findings on auth (issue 11): the issuer is verified, made-up API keys cost nothing and
evict nothing, and a local sign-out never reaches another tenant's or another user's session."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
from starlette.testclient import TestClient

from tenantgrid.auth import authenticate
from tenantgrid.auth.authenticate import Authenticator
from tenantgrid.auth.keys import KeyKind, new_key
from tenantgrid.auth.passwords import hash_password
from tenantgrid.runtime import Runtime
from tenantgrid.settings import Settings
from tenantgrid.tenancy.provision import ProvisionedTenant
from tests.api.postgrest.conftest import sign_in
from tests.conftest import Database

OTHER_EMAIL = "other.user@example.com"
OTHER_PASSWORD = "yet another long password"


def _runtime(client: TestClient) -> Runtime:
    return client.app.state.runtime  # type: ignore[attr-defined,no-any-return]


def _bearer(tenant: ProvisionedTenant, access_token: str) -> dict[str, str]:
    return {"apikey": tenant.publishable_key, "Authorization": f"Bearer {access_token}"}


def _signed(client: TestClient, claims: dict[str, Any]) -> str:
    """Signed with the server's own secret (as JWS: PyJWT's encode refuses a non-string `iss`)."""
    runtime = _runtime(client)
    return jwt.PyJWS().encode(
        json.dumps(claims).encode(), runtime.jwt_secret, algorithm=runtime.settings.jwt_algorithm
    )


def _claims(session: dict) -> dict[str, Any]:
    return jwt.decode(session["access_token"], options={"verify_signature": False})


def _pgrst_401(response: Any, code: str) -> dict:
    assert response.status_code == 401, response.text
    body = response.json()
    assert set(body) == {"code", "message", "details", "hint"}
    assert body["code"] == code
    return body


# -- iss ---------------------------------------------------------------------------------------


def test_issued_tokens_carry_the_issuer(
    client: TestClient, alpha: ProvisionedTenant, settings: Settings
) -> None:
    assert _claims(sign_in(client, alpha))["iss"] == settings.jwt_issuer


@pytest.mark.parametrize("issuer", ["someone-else", "", "Tenantgrid", "tenantgrid ", 7, ["tenantgrid"]])
def test_token_of_another_issuer_answers_401(
    client: TestClient, alpha: ProvisionedTenant, alpha_session: dict, issuer: object
) -> None:
    """Signed with the right secret, but not issued by this server: refused."""
    forged = _signed(client, _claims(alpha_session) | {"iss": issuer})
    response = client.get("/rest/v1/things", headers=_bearer(alpha, forged))
    assert _pgrst_401(response, "PGRST303")["message"] == "JWT issuer claim value is not accepted"
    assert response.headers["www-authenticate"].startswith("Bearer ")
    assert client.get("/auth/v1/user", headers=_bearer(alpha, forged)).status_code == 401


@pytest.mark.parametrize("null", [False, True])
def test_token_without_issuer_answers_401(
    client: TestClient, alpha: ProvisionedTenant, alpha_session: dict, null: bool
) -> None:
    claims = _claims(alpha_session)
    if null:
        claims["iss"] = None
    else:
        del claims["iss"]
    response = client.get("/rest/v1/things", headers=_bearer(alpha, _signed(client, claims)))
    assert _pgrst_401(response, "PGRST303")["message"] == "JWT claim missing: iss"


def test_token_of_this_issuer_still_reads(
    client: TestClient, alpha: ProvisionedTenant, alpha_session: dict
) -> None:
    resigned = _signed(client, _claims(alpha_session))
    assert client.get("/rest/v1/things", headers=_bearer(alpha, resigned)).status_code == 200


# -- API keys ----------------------------------------------------------------------------------


class CountingConnections:
    """The server's own control-plane connections, counting the queries sent through them."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.queries = 0

    async def fetchrow(self, sql: str, *args: Any) -> Any:
        self.queries += 1
        return await self.inner.fetchrow(sql, *args)

    async def fetchval(self, sql: str, *args: Any) -> Any:
        self.queries += 1
        return await self.inner.fetchval(sql, *args)


@pytest.fixture
def counted(
    client: TestClient, alpha: ProvisionedTenant
) -> Iterator[tuple[Authenticator, CountingConnections]]:
    """A fresh authenticator that knows alpha's secret key and will not re-check the control plane."""
    runtime = _runtime(client)
    connections = CountingConnections(runtime.pools.control)
    settings = runtime.settings.model_copy(update={"auth_cache_ttl": 300.0})
    authenticator = Authenticator(connections, settings, runtime.jwt_secret)  # type: ignore[arg-type]
    assert client.portal is not None
    entry = client.portal.call(authenticator.lookup_key, alpha.secret_key)
    assert entry is not None and entry[0].name == "alpha"
    connections.queries = 0
    yield authenticator, connections


MALFORMED_KEYS = [
    "nonsense",
    "tg_sk_",
    "' OR 1=1 --",
    "tg_sk_" + "A" * 42,
    "tg_pk_" + "A" * 44,
    "tg_xk_" + "A" * 43,
    "tg_sk_" + "A" * 42 + "=",
    "tg_sk_" + "A" * 42 + "é",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1In0.c2ln",
]


def test_malformed_keys_are_refused_without_a_query(
    client: TestClient, counted: tuple[Authenticator, CountingConnections]
) -> None:
    authenticator, connections = counted
    assert client.portal is not None
    for key in MALFORMED_KEYS * 3:
        assert client.portal.call(authenticator.lookup_key, key) is None
    assert connections.queries == 0


@pytest.mark.parametrize("key", MALFORMED_KEYS)
def test_malformed_key_answers_401_as_any_unknown_key(client: TestClient, key: str) -> None:
    raw = key.encode()  # sent as bytes: a header may carry any octets
    for headers in ({"apikey": raw}, {"Authorization": b"ApiKey " + raw}):
        body = _pgrst_401(client.get("/rest/v1/things", headers=headers), "PGRST301")
        assert body["message"] == "Invalid API key"
    token = client.post("/auth/v1/token?grant_type=password", headers={"apikey": raw}, json={})
    assert token.status_code == 401
    assert token.json()["error_code"] == "bad_jwt"


def test_an_unknown_key_asked_again_costs_no_second_query(
    client: TestClient, counted: tuple[Authenticator, CountingConnections]
) -> None:
    authenticator, connections = counted
    assert client.portal is not None
    key = new_key(KeyKind.SECRET)
    assert client.portal.call(authenticator.lookup_key, key) is None
    assert client.portal.call(authenticator.lookup_key, key) is None
    assert connections.queries == 1


def test_a_flood_of_unknown_keys_never_evicts_a_known_one(
    client: TestClient, alpha: ProvisionedTenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The issue's 60,000 made-up keys against a 50,000-entry cache, scaled down: 1,500 against 200."""
    monkeypatch.setattr(authenticate, "KEY_CACHE_SIZE", 200)
    runtime = _runtime(client)
    connections = CountingConnections(runtime.pools.control)
    settings = runtime.settings.model_copy(update={"auth_cache_ttl": 300.0})
    authenticator = Authenticator(connections, settings, runtime.jwt_secret)  # type: ignore[arg-type]

    async def flood() -> tuple[int, str | None]:
        assert await authenticator.lookup_key(alpha.secret_key) is not None
        for _ in range(1_500):
            assert await authenticator.lookup_key(new_key(KeyKind.SECRET)) is None
        before = connections.queries
        entry = await authenticator.lookup_key(alpha.secret_key)
        return connections.queries - before, entry[0].name if entry else None

    assert client.portal is not None
    queries, tenant = client.portal.call(flood)
    assert (queries, tenant) == (0, "alpha")


# -- sign-out ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def other_user(db: Database, alpha: ProvisionedTenant) -> Iterator[str]:
    """A second user of tenant alpha, whose sessions the admin must not be able to end."""
    user_id = db.value(
        f'INSERT INTO "{alpha.schema}".users (email, password_hash) VALUES ($1, $2) RETURNING id::text',
        OTHER_EMAIL,
        hash_password(OTHER_PASSWORD),
    )
    yield user_id
    db.fetch("DELETE FROM tenantgrid.auth_sessions WHERE user_id = $1::uuid", user_id)
    db.fetch(f'DELETE FROM "{alpha.schema}".users WHERE id = $1::uuid', user_id)


def _refreshes(client: TestClient, tenant: ProvisionedTenant, session: dict) -> bool:
    response = client.post(
        "/auth/v1/token?grant_type=refresh_token",
        headers={"apikey": tenant.publishable_key},
        json={"refresh_token": session["refresh_token"]},
    )
    return response.status_code == 200


def _revoked(db: Database, session: dict) -> bool:
    return bool(
        db.value(
            "SELECT revoked_at IS NOT NULL FROM tenantgrid.auth_sessions WHERE id = $1::uuid",
            _claims(session)["session_id"],
        )
    )


def test_local_sign_out_never_ends_another_tenants_session(
    client: TestClient, db: Database, alpha: ProvisionedTenant, beta: ProvisionedTenant
) -> None:
    """The server only signs tokens naming the caller's own session, so this token is forged with the
    server's secret: the tenant condition is what holds even then (say, after a secret leaked)."""
    mine, theirs = sign_in(client, alpha), sign_in(client, beta)
    crossing = _signed(client, _claims(mine) | {"session_id": _claims(theirs)["session_id"]})
    response = client.post("/auth/v1/logout?scope=local", headers=_bearer(alpha, crossing))
    assert response.status_code == 204
    assert not _revoked(db, theirs)
    assert _refreshes(client, beta, theirs)
    assert not _revoked(db, mine)  # the token's session_id named no session of alpha's


def test_local_sign_out_never_ends_another_users_session(
    client: TestClient, db: Database, alpha: ProvisionedTenant, other_user: str
) -> None:
    admin = sign_in(client, alpha)
    other = client.post(
        "/auth/v1/token?grant_type=password",
        headers={"apikey": alpha.publishable_key},
        json={"email": OTHER_EMAIL, "password": OTHER_PASSWORD},
    ).json()
    crossing = _signed(client, _claims(admin) | {"session_id": _claims(other)["session_id"]})
    assert client.post("/auth/v1/logout?scope=local", headers=_bearer(alpha, crossing)).status_code == 204
    assert not _revoked(db, other)
    assert _refreshes(client, alpha, other)


def test_local_sign_out_still_ends_the_callers_session(
    client: TestClient, db: Database, alpha: ProvisionedTenant
) -> None:
    session = sign_in(client, alpha)
    response = client.post("/auth/v1/logout?scope=local", headers=_bearer(alpha, session["access_token"]))
    assert response.status_code == 204
    assert _revoked(db, session)
    assert not _refreshes(client, alpha, session)
