"""Which schema a request may use: `resolve_schema` over methods, headers and callers."""

from __future__ import annotations

import pytest
from starlette.datastructures import Headers

from tenantgrid.auth.keys import KeyKind
from tenantgrid.auth.principal import Principal, Tenant
from tenantgrid.errors import ApiError
from tenantgrid.tenancy.resolve import resolve_schema

OWN = "alpha_123456"
OTHER = "beta_654321"
TEMPLATE = "public"
HINT = f"Only the following schemas are exposed: {OWN}, {TEMPLATE}"
PRINCIPAL = Principal(Tenant(1, "alpha", OWN), KeyKind.SECRET)


def resolve(method: str, **headers: str):  # type: ignore[no-untyped-def]
    names = {k.replace("_", "-"): v for k, v in headers.items()}
    return resolve_schema(PRINCIPAL, method, Headers(names), TEMPLATE)


@pytest.mark.parametrize(
    ("method", "headers", "schema", "read_only"),
    [
        ("GET", {}, OWN, False),
        ("HEAD", {}, OWN, False),
        ("OPTIONS", {}, OWN, False),
        ("GET", {"accept_profile": OWN}, OWN, False),
        ("GET", {"accept_profile": f"  {OWN} "}, OWN, False),
        ("GET", {"accept_profile": TEMPLATE}, TEMPLATE, True),
        ("HEAD", {"accept_profile": TEMPLATE}, TEMPLATE, True),
        # a read ignores Content-Profile, whatever it names
        ("GET", {"content_profile": OTHER}, OWN, False),
        ("GET", {"content_profile": TEMPLATE}, OWN, False),
        ("POST", {}, OWN, False),
        ("POST", {"content_profile": OWN}, OWN, False),
        ("PATCH", {"content_profile": OWN, "accept_profile": OWN}, OWN, False),
        # the response's Accept-Profile may name the (readable) template; the write stays in OWN
        ("PUT", {"content_profile": OWN, "accept_profile": TEMPLATE}, OWN, False),
        ("DELETE", {"accept_profile": OWN}, OWN, False),
    ],
)
def test_allowed(method: str, headers: dict[str, str], schema: str, read_only: bool) -> None:
    choice = resolve(method, **headers)
    assert (choice.schema, choice.read_only) == (schema, read_only)


@pytest.mark.parametrize(
    ("method", "headers", "named"),
    [
        ("GET", {"accept_profile": OTHER}, OTHER),
        ("HEAD", {"accept_profile": OTHER}, OTHER),
        ("OPTIONS", {"accept_profile": OTHER}, OTHER),
        ("GET", {"accept_profile": "tenantgrid"}, "tenantgrid"),
        ("GET", {"accept_profile": "pg_catalog"}, "pg_catalog"),
        ("GET", {"accept_profile": "information_schema"}, "information_schema"),
        ("GET", {"accept_profile": OWN.upper()}, OWN.upper()),
        ("GET", {"accept_profile": f'"{OWN}"'}, f'"{OWN}"'),
        ("GET", {"accept_profile": f"{OWN},{OTHER}"}, f"{OWN},{OTHER}"),
        ("GET", {"accept_profile": ""}, ""),
        ("POST", {"content_profile": OTHER}, OTHER),
        ("PATCH", {"content_profile": OTHER, "accept_profile": OWN}, OTHER),
        ("PUT", {"content_profile": OWN, "accept_profile": OTHER}, OTHER),
        ("DELETE", {"accept_profile": OTHER}, OTHER),
        ("POST", {"content_profile": "pg_catalog"}, "pg_catalog"),
    ],
)
def test_refused_with_pgrst106(method: str, headers: dict[str, str], named: str) -> None:
    with pytest.raises(ApiError) as caught:
        resolve(method, **headers)
    error = caught.value
    assert (error.status, error.code) == (406, "PGRST106")
    assert error.message == f"Invalid schema: {named}"
    assert error.hint == HINT
    assert OTHER not in error.hint


@pytest.mark.parametrize("method", ["POST", "PATCH", "PUT", "DELETE"])
@pytest.mark.parametrize(
    "headers", [{"content_profile": TEMPLATE}, {"content_profile": TEMPLATE, "accept_profile": TEMPLATE}]
)
def test_writing_the_template_is_forbidden(method: str, headers: dict[str, str]) -> None:
    with pytest.raises(ApiError) as caught:
        resolve(method, **headers)
    assert (caught.value.status, caught.value.code) == (403, "42501")
    assert TEMPLATE in caught.value.message


def test_user_principal_has_the_same_rights() -> None:
    from tenantgrid.auth.tokens import AccessClaims

    claims = AccessClaims("u", "e@example.com", "authenticated", OWN, "s", 2**31, {})
    user = Principal(Tenant(1, "alpha", OWN), KeyKind.PUBLISHABLE, claims)
    assert resolve_schema(user, "GET", Headers({"accept-profile": TEMPLATE}), TEMPLATE).read_only
    with pytest.raises(ApiError) as caught:
        resolve_schema(user, "POST", Headers({"content-profile": OTHER}), TEMPLATE)
    assert caught.value.hint == HINT


def test_a_configured_template_schema_is_the_one_listed() -> None:
    choice = resolve_schema(PRINCIPAL, "GET", Headers({"accept-profile": "template"}), "template")
    assert (choice.schema, choice.read_only) == ("template", True)
    with pytest.raises(ApiError) as caught:
        resolve_schema(PRINCIPAL, "GET", Headers({"accept-profile": "public"}), "template")
    assert caught.value.hint == f"Only the following schemas are exposed: {OWN}, template"
