"""The Gridly dialect's parsing, without a database: the AST it makes, the values it types by the
declared column type, and the 400s naming the parameter."""

from __future__ import annotations

import json

import pytest

from tenantgrid import errors
from tenantgrid.query.ast import And, Cond, IsValue, Not, Op, Path, SortKey, Truth
from tenantgrid.query.dialects.gridly import (
    DEFAULT_LIMIT,
    SPELLINGS,
    parse_page,
    parse_query,
    parse_records_list,
    parse_sort,
    timestamp_value,
)

COLUMNS = {
    "n": "number",
    "t": "singleLine",
    "d": "datetime",
    "b": "boolean",
    "m": "multipleSelections",
    "j": "json",
}


def q(value: object) -> object:
    return parse_query(json.dumps(value), COLUMNS)


def path(column: str, kind: str) -> Path:
    return Path("cells", (column,), declared=kind)


def test_values_are_json_of_the_declared_type() -> None:
    assert q({"n": {">": "10"}}) == Cond(path("n", "number"), Op.GT, "10")
    assert q({"n": {"=": 2.5}}) == Cond(path("n", "number"), Op.EQ, "2.5")
    assert q({"t": {"=": 10}}) == Cond(path("t", "text"), Op.EQ, '"10"')
    assert q({"d": {"<": "2024-01-02T03:04:05+02:00"}}) == Cond(
        path("d", "timestamp"), Op.LT, '"2024-01-02T01:04:05.000Z"'
    )
    assert q({"b": {"=": True}}) == Cond(path("b", "boolean"), Op.EQ, "true")
    assert q({"m": {"=": "x"}}) == Cond(path("m", "set"), Op.CONTAINS, '["x"]')
    assert q({"m": {"in": ["x", "y"]}}) == Cond(path("m", "set"), Op.IN, ("x", "y"))
    assert q({"n": {"between": [1, 2]}}) == Cond(path("n", "number"), Op.BETWEEN, ("1", "2"))


def test_negatives_are_two_valued_so_empty_cells_match() -> None:
    assert q({"n": {"!=": 1}}) == Not(Cond(path("n", "number"), Op.EQ, "1"), two_valued=True)
    assert q({"t": {"notContains": "x"}}) == Not(
        Cond(path("t", "text"), Op.CONTAINS_TEXT, "x"), two_valued=True
    )
    assert q({"t": {"isNotEmpty": True}}) == Cond(path("t", "text"), Op.IS, IsValue.NOT_NULL)
    assert q({"t": {"notIn": []}}) == Truth(True)


def test_both_spellings_and_every_operator_parse() -> None:
    for name, (operator, _) in SPELLINGS.items():
        value: object = (
            [1, 2]
            if operator in ("in", "between")
            else "a"
            if operator in ("contains", "startsWith", "endsWith", "regex")
            else None
            if operator == "isEmpty"
            else "a"
        )
        assert q({"t": {name: value}}) is not None


def test_case_insensitive_text_uses_escaped_patterns() -> None:
    assert q({"t": {"contains": "5%_", "caseSensitive": False}}) == Cond(
        path("t", "text"), Op.ILIKE, "%5\\%\\_%"
    )
    assert q({"t": {"regex": "^a", "caseSensitive": False}}) == Cond(path("t", "text"), Op.IMATCH, "^a")


def test_several_columns_and_operators_are_anded() -> None:
    node = q({"n": {">": 1, "<": 5}, "t": {"startsWith": "a"}})
    assert isinstance(node, And) and len(node.items) == 3


def test_sort_keeps_key_order() -> None:
    assert parse_sort(json.dumps({"t": "asc", "n": "DESC"}), COLUMNS) == (
        SortKey(path("t", "text")),
        SortKey(path("n", "number"), descending=True),
    )
    assert parse_sort("{}", COLUMNS) == ()


def test_page_defaults_and_bounds() -> None:
    assert parse_page(None) == (0, DEFAULT_LIMIT)
    assert parse_page('{"offset": 5}') == (5, DEFAULT_LIMIT)
    assert parse_page('{"offset": 5, "limit": 1000}') == (5, 1000)
    listing = parse_records_list({"query": "{}", "sort": "{}"}, COLUMNS)
    assert listing.where is None and listing.order == () and listing.limit == 100


@pytest.mark.parametrize(
    ("parameter", "text"),
    [
        ("page", '{"limit": 1001}'),
        ("page", "[]"),
        ("page", "nope"),
        ("page", '{"offset": 1.5}'),
        ("query", '{"n": {"contains": "1"}}'),
        ("query", '{"b": {"<": true}}'),
        ("query", '{"j": {"in": [1]}}'),
        ("query", '{"zz": {"=": 1}}'),
        ("query", '{"n": {"=": NaN}}'),
        ("query", '{"d": {"=": "soon"}}'),
        ("query", '{"t": {"=": "a", "caseSensitive": "no"}}'),
        ("sort", '{"n": 1}'),
        ("sort", '{"zz": "asc"}'),
    ],
)
def test_errors_name_the_parameter(parameter: str, text: str) -> None:
    with pytest.raises(errors.ApiError) as caught:
        parse_records_list({parameter: text}, COLUMNS)
    assert caught.value.status == 400 and caught.value.details == parameter


def test_timestamps_are_fixed_width_utc() -> None:
    assert timestamp_value("2024-01-02", "d", "query") == "2024-01-02T00:00:00.000Z"
    assert timestamp_value("0099-01-02T00:00:00Z", "d", "query") == "0099-01-02T00:00:00.000Z"
    assert timestamp_value("2024-01-02T00:00:00.123456-01:00", "d", "query") == "2024-01-02T01:00:00.123Z"
