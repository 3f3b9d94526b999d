"""Postgres's refusals as row-form messages: the cases the HTTP tests cannot reach with the shipped
tables (an expression index, values Postgres parses itself, server errors). The errors are asyncpg's
own, built from the fields a server sends."""

from __future__ import annotations

import asyncpg
import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg

from tenantgrid.admin.tables.refusals import Refused, refusal
from tenantgrid.catalog.model import SCHEMA_TOKEN, Column, Resource


def resource() -> Resource:
    table = sa.Table(
        "t",
        sa.MetaData(),
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("email", sa.Text()),
        sa.Column("span", pg.INTERVAL()),
        sa.Column("during", pg.TSTZRANGE()),
        schema=SCHEMA_TOKEN,
    )
    columns = {
        "id": Column("id", sa.BigInteger(), False, True, False, True),
        "email": Column("email", sa.Text(), True, False, False, False),
        "span": Column("span", pg.INTERVAL(), True, False, False, False),
        "during": Column("during", pg.TSTZRANGE(), True, False, False, False),
    }
    return Resource("t", table, columns, ("id",), (), (), False)


def error(sqlstate: str, message: str, **fields: str) -> asyncpg.PostgresError:
    codes = {"detail": "D", "column": "c", "constraint": "n"}
    return asyncpg.PostgresError.new(
        {"C": sqlstate, "M": message, **{codes[k]: v for k, v in fields.items()}}
    )


@pytest.mark.parametrize(
    ("exc", "values", "expected"),
    [
        (
            error("23505", "duplicate key value", detail="Key (lower(email))=(a@b) already exists."),
            {"email": "A@b"},
            Refused(form="duplicate key value. Key (lower(email))=(a@b) already exists."),
        ),
        (
            error("22007", 'invalid input syntax for type interval: "soon"'),
            {"email": "x", "span": "soon"},
            Refused({"span": 'invalid input syntax for type interval: "soon"'}),
        ),
        (
            error("22000", "range lower bound must be less than or equal to range upper bound"),
            {"span": "1 day", "during": "[2,1)"},
            Refused(form="range lower bound must be less than or equal to range upper bound"),
        ),
        (
            error("22001", "value too long", column="email"),
            {"email": "x" * 300},
            Refused({"email": "value too long"}),
        ),
        (
            error("23502", "null value in column", column="nope"),
            {},
            Refused(form="null value in column"),
        ),
        (
            error("23503", "violates foreign key", detail='Key (id)=(1) is still referenced from table "u".'),
            {},
            Refused(form="This row is still referenced from u; change or delete those rows first."),
        ),
        (error("42501", "permission denied for table t"), {}, Refused(form="permission denied for table t")),
    ],
)
def test_a_refusal_lands_where_it_can(
    exc: asyncpg.PostgresError, values: dict[str, str], expected: Refused
) -> None:
    assert refusal(resource(), exc, values) == expected


@pytest.mark.parametrize("sqlstate", ["57P01", "53300", "XX000", "40001", "08006"])
def test_server_failures_are_not_refusals(sqlstate: str) -> None:
    assert refusal(resource(), error(sqlstate, "server trouble"), {"email": "x"}) is None
