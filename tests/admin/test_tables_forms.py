"""The row form's parsers, one table of input -> value (or message) per column kind, and the row
key's URL token. Pure functions: no database, no app."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg

from tenantgrid.admin.tables.forms import Invalid, Kind, kind_of, parse_form, parse_value
from tenantgrid.admin.tables.listing import columns_read
from tenantgrid.admin.tables.row_keys import decode_key, encode_key
from tenantgrid.catalog.model import SCHEMA_TOKEN, Column, Resource


def column(type_: sa.types.TypeEngine[Any], *, nullable: bool = True, default: bool = False) -> Column:
    return Column("c", type_, nullable, default, False, False)


@pytest.mark.parametrize(
    ("type_", "kind"),
    [
        (sa.BigInteger(), Kind.INTEGER),
        (sa.SmallInteger(), Kind.INTEGER),
        (sa.Numeric(), Kind.NUMBER),
        (sa.Float(), Kind.NUMBER),
        (sa.Boolean(), Kind.BOOLEAN),
        (pg.UUID(), Kind.UUID),
        (sa.DateTime(timezone=True), Kind.TIMESTAMP),
        (sa.Date(), Kind.DATE),
        (sa.Time(), Kind.TIME),
        (pg.JSONB(), Kind.JSON),
        (pg.JSON(), Kind.JSON),
        (pg.ARRAY(sa.Text()), Kind.ARRAY),
        (pg.ENUM("a", "b", name="e"), Kind.ENUM),
        (sa.Text(), Kind.TEXT),
        (pg.DATERANGE(), Kind.OTHER),
        (pg.INTERVAL(), Kind.OTHER),
    ],
)
def test_kind_of_each_type(type_: sa.types.TypeEngine[Any], kind: Kind) -> None:
    assert kind_of(type_) is kind


@pytest.mark.parametrize(
    ("type_", "text", "value"),
    [
        (sa.Integer(), "42", 42),
        (sa.Integer(), " -7 ", -7),
        (sa.Integer(), "2147483647", 2147483647),
        (sa.BigInteger(), "9223372036854775807", 9223372036854775807),
        (sa.SmallInteger(), "-32768", -32768),
        (sa.Numeric(), "12.50", "12.50"),
        (sa.Numeric(), "-3e4", "-3e4"),
        (sa.Numeric(), ".5", ".5"),
        (sa.Float(), "1.25", "1.25"),
        (sa.Boolean(), "TRUE", True),
        (sa.Boolean(), "off", False),
        (pg.UUID(), "123E4567E89B12D3A456426614174000", "123e4567-e89b-12d3-a456-426614174000"),
        (sa.DateTime(timezone=True), "2024-01-31T12:00:00Z", "2024-01-31T12:00:00+00:00"),
        (sa.DateTime(timezone=True), "2024-01-31 12:00", "2024-01-31T12:00:00"),
        (sa.Date(), "2024-02-29", "2024-02-29"),
        (sa.Time(), "07:30", "07:30:00"),
        (pg.JSONB(), '{"a": [1, null]}', {"a": [1, None]}),
        (pg.JSONB(), '"text"', "text"),
        (pg.JSONB(), "3", 3),
        (pg.ARRAY(sa.Text()), '["a", "b,c"]', ["a", "b,c"]),
        (pg.ARRAY(sa.BigInteger()), '[1, "2", null]', [1, 2, None]),
        (pg.ARRAY(sa.Boolean()), "[true, false]", [True, False]),
        (pg.ENUM("a", "b", name="e"), "b", "b"),
        (sa.Text(), "  spaced  ", "  spaced  "),
        (sa.String(3), "abc", "abc"),
        (pg.INTERVAL(), "1 day", "1 day"),
    ],
)
def test_values_that_parse(type_: sa.types.TypeEngine[Any], text: str, value: Any) -> None:
    assert parse_value(column(type_), text) == value


@pytest.mark.parametrize(
    ("type_", "text", "message"),
    [
        (sa.Integer(), "1.0", "whole number"),
        (sa.Integer(), "+5", "whole number"),
        (sa.Integer(), "1_000", "whole number"),
        (sa.Integer(), "²", "whole number"),
        (sa.Integer(), "2147483648", "Out of range"),
        (sa.SmallInteger(), "32768", "Out of range"),
        (sa.BigInteger(), "9" * 5000, "whole number"),
        (sa.Numeric(), "NaN", "number"),
        (sa.Numeric(), "1_000", "number"),
        (sa.Numeric(), "١٢", "number"),
        (sa.Numeric(), "1e", "number"),
        (sa.Boolean(), "maybe", "true or false"),
        (pg.UUID(), "123", "UUID"),
        (sa.DateTime(), "31/01/2024", "date and time"),
        (sa.Date(), "2023-02-29", "date"),
        (sa.Time(), "25:00", "time"),
        (pg.JSONB(), "{", "valid JSON"),
        (pg.JSONB(), '"\\u0000"', "\\u0000"),
        (pg.ARRAY(sa.Text()), '{"a": 1}', "JSON array"),
        (pg.ARRAY(sa.Integer()), "[1, 1.5]", "Item 2"),
        (pg.ARRAY(sa.Integer()), "[[1]]", "Item 1"),
        (pg.ENUM("a", "b", name="e"), "c", "one of: a, b"),
        (sa.String(3), "abcd", "At most 3"),
        (sa.Text(), "a\x00b", "NUL"),
    ],
)
def test_values_that_do_not(type_: sa.types.TypeEngine[Any], text: str, message: str) -> None:
    with pytest.raises(Invalid, match=None) as raised:
        parse_value(column(type_), text)
    assert message in str(raised.value)


def resource() -> Resource:
    metadata = sa.MetaData()
    table = sa.Table(
        "t",
        metadata,
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), primary_key=True),
        sa.Column("seq", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("flag", sa.Boolean(), nullable=False, server_default=sa.true()),
        schema=SCHEMA_TOKEN,
    )
    columns = {
        "id": Column("id", sa.BigInteger(), False, True, False, True),
        "seq": Column("seq", sa.BigInteger(), False, True, False, False),
        "name": Column("name", sa.Text(), False, False, False, False),
        "note": Column("note", sa.Text(), True, False, False, False),
        "flag": Column("flag", sa.Boolean(), False, True, False, False),
    }
    return Resource("t", table, columns, ("id",), (), (), False)


def test_a_new_row_takes_defaults_for_empty_inputs_and_requires_the_rest() -> None:
    values, problems = parse_form(
        resource(), {"id": "", "seq": "5", "name": "", "note": "", "flag": ""}, creating=True
    )
    assert values == {"note": None}  # id and flag: their defaults; seq: never set
    assert problems == {"name": "This field is required."}


def test_an_edit_keeps_the_key_and_requires_not_null_columns() -> None:
    form = {"id": "9", "name": "n", "note": "", "flag": ""}
    values, problems = parse_form(resource(), form, creating=False)
    assert values == {"name": "n", "note": None}
    assert problems == {"flag": "This field is required."}
    values, problems = parse_form(resource(), {"name": "only"}, creating=False)
    assert (values, problems) == ({"name": "only"}, {})  # what was not sent is left alone


def test_an_edit_sends_only_the_fields_whose_text_changed() -> None:
    shown = {"id": "9", "seq": "1", "name": "n", "note": "", "flag": "true"}
    form = {"id": "9", "name": "n", "note": "", "flag": "false"}
    assert parse_form(resource(), form, creating=False, shown=shown) == ({"flag": False}, {})
    form = {"name": "two\r\nlines", "note": "", "flag": "true"}
    assert parse_form(resource(), form, creating=False, shown=shown) == ({"name": "two\nlines"}, {})


def test_numeric_columns_are_read_as_text_so_no_digit_is_lost() -> None:
    table = sa.Table(
        "n",
        sa.MetaData(),
        sa.Column("a", sa.Numeric()),
        sa.Column("b", sa.Float()),
        sa.Column("c", sa.Integer()),
    )
    columns = {n: Column(n, table.c[n].type, True, False, False, False) for n in ("a", "b", "c")}
    items = columns_read(Resource("n", table, columns, (), (), (), False))
    assert [(i.path.column, i.cast) for i in items] == [("a", "text"), ("b", None), ("c", None)]


@pytest.mark.parametrize("key", [1, "a/b?c=d&e#f", "ünï.cøde%2F", ""])
def test_a_row_key_round_trips_through_its_token(key: Any) -> None:
    token = encode_key(resource(), {"id": key})
    assert token.isascii() and not set(token) & set("/?#&%=+.")
    assert decode_key(resource(), token) == (str(key),)
