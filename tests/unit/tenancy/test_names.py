"""Tenant names, generated schema names and identifier quoting."""

from __future__ import annotations

import re

import pytest

from tenantgrid.tenancy.names import (
    InvalidName,
    check_tenant_name,
    is_reserved_schema,
    new_schema_name,
    quote_ident,
)

SCHEMA = re.compile(r"[a-z][a-z0-9_]*_[0-9]{6}")


@pytest.mark.parametrize("name", ["a", "alpha", "acme_corp", "t1", "a" + "b" * 39, "x_"])
def test_valid_tenant_names(name: str) -> None:
    assert check_tenant_name(name) == name


@pytest.mark.parametrize(
    "name",
    ["", "A", "Alpha", "1abc", "_a", "a-b", "a b", "a.b", "a;b", 'a"b', "ä", "a" * 41, "a\n", " a"],
)
def test_invalid_tenant_names(name: str) -> None:
    with pytest.raises(InvalidName, match="invalid tenant name"):
        check_tenant_name(name)


def test_invalid_name_is_a_value_error() -> None:
    """The CLI turns ValueErrors into clean messages."""
    assert issubclass(InvalidName, ValueError)


@pytest.mark.parametrize(
    ("email", "prefix"),
    [
        ("admin@example.com", "admin"),
        ("Admin@Example.com", "admin"),
        ("john.doe+tag@example.com", "john_doe_tag"),
        ("a-b@example.com", "a_b"),
        ("_x_@example.com", "x"),
        ("123@example.com", "t_123"),
        ("9lives@example.com", "t_9lives"),
        ("@example.com", "tenant"),
        ("---@example.com", "tenant"),
        ("jöhn@example.com", "j_hn"),
        ('x"; drop schema public; --@example.com', "x___drop_schema_public"),
        ("pg_admin@example.com", "t_pg_admin"),
        ("PG_Admin@example.com", "t_pg_admin"),
        ("pgadmin@example.com", "pgadmin"),
        ("pg@example.com", "t_pg"),
        ("no-at-sign", "no_at_sign"),
        ("a@b@example.com", "a"),
    ],
)
def test_schema_name_is_email_prefix_and_six_digits(email: str, prefix: str) -> None:
    schema = new_schema_name(email)
    assert SCHEMA.fullmatch(schema), schema
    assert schema[: -len("_000000")] == prefix
    assert not schema.startswith("pg_")


def test_schema_name_fits_a_postgres_identifier() -> None:
    schema = new_schema_name("x" * 200 + "@example.com")
    assert len(schema) <= 63
    assert schema == "x" * 40 + schema[40:]
    assert SCHEMA.fullmatch(schema)


def test_schema_names_are_random() -> None:
    assert len({new_schema_name("admin@example.com") for _ in range(50)}) > 40


@pytest.mark.parametrize(
    ("name", "quoted"),
    [
        ("things", '"things"'),
        ("Things", '"Things"'),
        ('a"b', '"a""b"'),
        ('"; drop table x; --', '"""; drop table x; --"'),
        ("a.b", '"a.b"'),
        ("", '""'),
    ],
)
def test_quote_ident(name: str, quoted: str) -> None:
    assert quote_ident(name) == quoted


@pytest.mark.parametrize(
    ("schema", "reserved"),
    [
        ("public", True),
        ("information_schema", True),
        ("pg_catalog", True),
        ("pg_toast", True),
        ("pg_temp_3", True),
        ("tenantgrid", True),
        ("template", True),
        ("alpha_123456", False),
        ("t_pg_admin_123456", False),
        ("tenantgrid_123456", False),
    ],
)
def test_reserved_schemas(schema: str, reserved: bool) -> None:
    assert is_reserved_schema(schema, "template", "tenantgrid") is reserved


def test_generated_names_are_never_reserved() -> None:
    for email in ("public@x", "pg_catalog@x", "tenantgrid@x", "information_schema@x", "pg@x"):
        assert not is_reserved_schema(new_schema_name(email), "public", "tenantgrid")
