"""`POST /api/tenants/register`: the tenant it makes, the input it refuses (DRF-shaped), the policy."""

from __future__ import annotations

import re
import secrets

import pytest
from starlette.testclient import TestClient

from tenantgrid.tenancy.migrate import head_revision
from tests.api.signup.conftest import PASSWORD, REGISTER, TOKEN, fresh_email
from tests.conftest import Database

COPIED = ("things", "fields")


def tenant_rows(db: Database, email: str) -> list[tuple[str, str]]:
    return [
        (r["name"], r["schema_name"])
        for r in db.fetch(
            "SELECT name, schema_name FROM tenantgrid.tenants WHERE lower(email) = lower($1)", email
        )
    ]


def schemas_like(db: Database, prefix: str) -> list[str]:
    return [r[0] for r in db.fetch("SELECT nspname FROM pg_namespace WHERE nspname LIKE $1", prefix + "%")]


def test_sign_up_creates_a_working_tenant(open_client: TestClient, db: Database) -> None:
    email = fresh_email("Ada.Lovelace")
    answer = open_client.post(REGISTER, json={"email": email, "password": PASSWORD})
    assert answer.status_code == 201, answer.text
    assert answer.headers["cache-control"] == "no-store"
    body = answer.json()
    assert set(body) == {"tenant", "schema", "email", "publishable_key", "secret_key"}
    local = email.split("@")[0].lower().replace(".", "_")
    assert re.fullmatch(rf"{local}_[0-9]{{6}}", body["schema"]), body
    assert body["tenant"] == body["schema"]  # no name given: named after its schema
    assert body["email"] == email
    schema = body["schema"]

    assert tenant_rows(db, email) == [(body["tenant"], schema)]
    assert (
        db.value(
            "SELECT count(*) FROM tenantgrid.api_keys k JOIN tenantgrid.tenants t ON t.id = k.tenant_id "
            "WHERE t.schema_name = $1",
            schema,
        )
        == 2
    )
    assert db.value(f'SELECT version_num FROM "{schema}".alembic_version') == head_revision("tenant")
    for table in COPIED:
        assert db.value(f'SELECT count(*) FROM "{schema}".{table}') == db.value(
            f"SELECT count(*) FROM public.{table}"
        )
    users = db.fetch(f'SELECT email, is_admin, password_hash FROM "{schema}".users')
    assert [(u["email"], u["is_admin"]) for u in users] == [(email, True)]
    assert PASSWORD not in users[0]["password_hash"]

    # The keys work at once, and the registering user signs in with the password.
    rows = open_client.get("/rest/v1/things", headers={"apikey": body["secret_key"]})
    assert rows.status_code == 200 and len(rows.json()) == db.value("SELECT count(*) FROM public.things")
    signed_in = open_client.post(
        "/auth/v1/token?grant_type=password",
        headers={"apikey": body["publishable_key"]},
        json={"email": email, "password": PASSWORD},
    )
    assert signed_in.status_code == 200, signed_in.text


def test_a_name_is_taken_when_given(open_client: TestClient) -> None:
    name = "named_" + secrets.token_hex(4)
    answer = open_client.post(REGISTER, json={"email": fresh_email(), "password": PASSWORD, "name": name})
    assert answer.status_code == 201, answer.text
    assert answer.json()["tenant"] == name
    again = open_client.post(REGISTER, json={"email": fresh_email(), "password": PASSWORD, "name": name})
    assert (again.status_code, again.json()) == (400, {"name": ["A tenant with this name already exists."]})


def test_a_form_post_works_too(open_client: TestClient) -> None:
    email = fresh_email()
    answer = open_client.post(REGISTER, data={"email": email, "password": PASSWORD})
    assert answer.status_code == 201, answer.text
    assert answer.json()["email"] == email


def test_the_same_email_twice_is_refused_whatever_its_case(open_client: TestClient, db: Database) -> None:
    email = fresh_email("twice")
    assert open_client.post(REGISTER, json={"email": email, "password": PASSWORD}).status_code == 201
    local = email.split("@")[0].replace(".", "_")
    before = schemas_like(db, local)
    again = open_client.post(REGISTER, json={"email": "  " + email.upper() + " ", "password": PASSWORD})
    assert again.status_code == 400
    assert again.json() == {"email": ["A tenant with this email already exists."]}
    assert schemas_like(db, local) == before
    assert len(tenant_rows(db, email)) == 1


def test_an_email_of_an_operator_made_tenant_is_taken_too(open_client: TestClient, alpha) -> None:  # type: ignore[no-untyped-def]
    answer = open_client.post(REGISTER, json={"email": alpha.email, "password": PASSWORD})
    assert (answer.status_code, answer.json()) == (
        400,
        {"email": ["A tenant with this email already exists."]},
    )


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({}, {"email": ["This field is required."], "password": ["This field is required."]}),
        ({"email": fresh_email()}, {"password": ["This field is required."]}),
        ({"email": "", "password": PASSWORD}, {"email": ["This field may not be blank."]}),
        ({"email": None, "password": PASSWORD}, {"email": ["This field may not be null."]}),
        (
            {"email": 5, "password": ["x"]},
            {"email": ["Not a valid string."], "password": ["Not a valid string."]},
        ),
        (
            {"email": fresh_email(), "password": "short"},
            {"password": ["Ensure this field has at least 8 characters."]},
        ),
        (
            {"email": fresh_email(), "password": "x" * 1025},
            {"password": ["Ensure this field has no more than 1024 characters."]},
        ),
        (
            {"email": fresh_email(), "password": PASSWORD, "name": "Bad Name"},
            {"name": ["Use 1-40 lowercase letters, digits or underscores, starting with a letter."]},
        ),
        (
            {"email": "not-an-email", "password": "short", "name": "1x"},
            {
                "email": ["Enter a valid email address."],
                "password": ["Ensure this field has at least 8 characters."],
                "name": ["Use 1-40 lowercase letters, digits or underscores, starting with a letter."],
            },
        ),
    ],
)
def test_bad_fields_are_named_and_only_they(open_client: TestClient, body: dict, errors: dict) -> None:  # type: ignore[type-arg]
    answer = open_client.post(REGISTER, json=body)
    assert answer.status_code == 400, answer.text
    assert answer.json() == errors


@pytest.mark.parametrize(
    "email",
    [
        "plain",
        "a@b",
        "a@localhost",
        "two@@example.com",
        "a@b@example.com",
        "dot.@example.com",
        ".dot@example.com",
        "a..b@example.com",
        "sp ace@example.com",
        '"quoted"@example.com',
        "a@[10.0.0.1]",
        "a@-example.com",
        "a@example.c",
        "a@example.com.",
        "a@exa_mple.com",
        "x" * 65 + "@example.com",
        "a@" + "b" * 250 + ".com",
        "a@exam\nple.com",
        "ünïcode@example.com",
    ],
)
def test_malformed_emails_are_refused(open_client: TestClient, email: str) -> None:
    answer = open_client.post(REGISTER, json={"email": email, "password": PASSWORD})
    assert (answer.status_code, answer.json()) == (400, {"email": ["Enter a valid email address."]}), email


@pytest.mark.parametrize(
    "domain", ["example.co.uk", "bücher.example", "xn--bcher-kva.example", "sub-domain.example.io"]
)
def test_well_formed_emails_are_taken(open_client: TestClient, domain: str) -> None:
    email = f"first.last+tag-{secrets.token_hex(4)}@{domain}"
    answer = open_client.post(REGISTER, json={"email": email, "password": PASSWORD})
    assert answer.status_code == 201, answer.text


@pytest.mark.parametrize(
    ("content", "content_type", "status", "detail"),
    [
        (b"{not json", "application/json", 400, "JSON parse error - "),
        (b"[1, 2]", "application/json", 400, "Invalid data. Expected a dictionary, but got list."),
        (b"email=a", "text/plain", 415, 'Unsupported media type "text/plain" in request.'),
    ],
)
def test_a_body_that_is_no_set_of_fields(
    open_client: TestClient, content: bytes, content_type: str, status: int, detail: str
) -> None:
    answer = open_client.post(REGISTER, content=content, headers={"Content-Type": content_type})
    assert answer.status_code == status
    assert set(answer.json()) == {"detail"} and answer.json()["detail"].startswith(detail)


def test_a_huge_body_is_413(open_client: TestClient) -> None:
    answer = open_client.post(REGISTER, json={"email": fresh_email(), "password": "x" * 20_000})
    assert answer.status_code == 413
    assert set(answer.json()) == {"detail"}


def test_only_post(open_client: TestClient) -> None:
    assert open_client.get(REGISTER).status_code == 405


def test_sign_up_is_off_by_default(client: TestClient, db: Database) -> None:
    email = fresh_email()
    answer = client.post(REGISTER, json={"email": email, "password": PASSWORD})
    assert (answer.status_code, answer.json()) == (404, {"detail": "Sign-up is closed."})
    assert tenant_rows(db, email) == []


def test_token_mode_needs_the_operator_token(token_client: TestClient, db: Database) -> None:
    email = fresh_email()
    body = {"email": email, "password": PASSWORD}
    missing = token_client.post(REGISTER, json=body)
    assert (missing.status_code, missing.json()) == (
        401,
        {"detail": "Authentication credentials were not provided."},
    )
    assert missing.headers["www-authenticate"].startswith("Bearer")
    for headers in ({"Authorization": "Bearer wrong"}, {"X-Registration-Token": TOKEN + "x"}):
        wrong = token_client.post(REGISTER, json=body, headers=headers)
        assert (wrong.status_code, wrong.json()) == (401, {"detail": "Invalid registration token."})
    assert tenant_rows(db, email) == []

    ok = token_client.post(REGISTER, json=body, headers={"Authorization": f"Bearer {TOKEN}"})
    assert ok.status_code == 201, ok.text
    by_header = token_client.post(
        REGISTER, json={"email": fresh_email(), "password": PASSWORD}, headers={"X-Registration-Token": TOKEN}
    )
    assert by_header.status_code == 201, by_header.text
    in_body = token_client.post(
        REGISTER, json={"email": fresh_email(), "password": PASSWORD, "registration_token": TOKEN}
    )
    assert in_body.status_code == 201, in_body.text


def test_token_mode_without_a_configured_token_is_closed(settings) -> None:  # type: ignore[no-untyped-def]
    from tests.api.signup.conftest import serve

    for c in serve(settings, registration="token", registration_token=""):
        answer = c.post(
            REGISTER,
            json={"email": fresh_email(), "password": PASSWORD},
            headers={"Authorization": "Bearer "},
        )
        assert (answer.status_code, answer.json()) == (404, {"detail": "Sign-up is closed."})


def test_sign_ups_are_limited_per_address(settings, db: Database) -> None:  # type: ignore[no-untyped-def]
    from tests.api.signup.conftest import serve

    for c in serve(settings, registration="open", registration_rate_limit="3 per 7 hours"):
        answers = [c.post(REGISTER, json={"email": "bad", "password": PASSWORD}) for _ in range(3)]
        assert [a.status_code for a in answers] == [400, 400, 400]  # bad input counts too
        email = fresh_email()
        throttled = c.post(REGISTER, json={"email": email, "password": PASSWORD})
        assert throttled.status_code == 429
        assert throttled.json()["detail"].startswith("Request was throttled. Expected available in ")
        assert 1 <= int(throttled.headers["retry-after"]) <= 7 * 3600
        assert tenant_rows(db, email) == []


def test_openapi_documents_sign_up(open_client: TestClient) -> None:
    spec = open_client.get("/openapi.json").json()
    operation = spec["paths"][REGISTER]["post"]
    assert operation["tags"] == ["Sign-up"]
    request = operation["requestBody"]["content"]["application/json"]["schema"]
    assert request["required"] == ["email", "password"]
    assert set(request["properties"]) >= {"email", "password", "name"}
    created = operation["responses"]["201"]["content"]["application/json"]["schema"]
    assert set(created["required"]) == {"tenant", "schema", "email", "publishable_key", "secret_key"}
    assert {"400", "401", "404", "429"} <= set(operation["responses"])
    assert "200" not in operation["responses"]
