"""The CMDB dialect on whole columns of every kind (scalar, bigint[], jsonb), on real rows: `$in` lists
bound as one array, the bound on a filter's size, sorting by paths into columns that hold no JSON,
and jsonpath escaping of keys and values Postgres reads back exactly."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from tests.unit.query.mongo_rows import Rows

from tenantgrid.errors import ApiError
from tenantgrid.query.ast import Path, SelectItem
from tenantgrid.query.compile import Body
from tenantgrid.query.dialects.mongo import MAX_CONDITIONS, Document, parse_list
from tenantgrid.query.shape import split

DDL = """
CREATE TABLE objects (
    public_id bigint PRIMARY KEY,
    type_id bigint,
    active boolean,
    name text,
    tags bigint[],
    fields jsonb NOT NULL DEFAULT '[]',
    meta jsonb
);
CREATE INDEX objects_type_id_idx ON objects (type_id);
"""
DOC = Document(
    "objects", {k: k for k in ("public_id", "type_id", "active", "name", "tags", "fields", "meta")}
)
ODD = ['"', "\\", "$", "@", "\n", "\t", "é", "\u2028", "\x1f", "\x7f", "😀", "'", '") || (1 == 1) || ("', ""]
ROWS: list[dict[str, Any]] = [
    {"public_id": 1, "type_id": 1, "active": True, "name": "a", "tags": [1, 2], "meta": 1},
    {"public_id": 2, "type_id": 2, "active": False, "name": "b", "tags": [3], "meta": "a"},
    {"public_id": 3, "type_id": 3, "active": None, "name": None, "tags": None, "meta": [1, "b", None]},
    {"public_id": 4, "type_id": None, "active": True, "name": "10", "tags": [], "meta": None},
    {"public_id": 5, "type_id": 5, "name": "é😀", "meta": {f"k{c}": c for c in ODD}},
]
ALL = [1, 2, 3, 4, 5]


@pytest.fixture(scope="module")
def rows(database_url: str) -> Iterator[Rows]:
    rows = Rows(database_url, DDL)
    try:
        # jsonb columns as JSON text, also where the value is a scalar (Rows.insert sends those as is)
        rows.insert(
            "objects", [{**r, "meta": json.dumps(r["meta"]) if r["meta"] is not None else None} for r in ROWS]
        )
        rows.execute(
            "INSERT INTO objects (public_id, type_id) SELECT i, i % 7 FROM generate_series(100, 5099) i"
        )
        rows.execute("ANALYZE objects")
        yield rows
    finally:
        rows.close()


def small(rows: Rows, filter: Any, **params: str) -> list[int]:
    """The matched ids among the five documents above (the rest are filler for the planner)."""
    return [i for i in rows.ids(DOC, filter, **params) if i < 100]


IN_CASES: list[tuple[str, Any, list[int]]] = [
    ("integers", {"type_id": {"$in": [1, 2, 2, 9]}}, [1, 2]),
    ("kinds apart", {"type_id": {"$in": [1, "2", True, 3.0]}}, [1, 3]),
    ("a float on a bigint column", {"type_id": {"$in": [1.0, 2.5, 5.0]}}, [1, 5]),
    ("null is a NULL column", {"type_id": {"$in": [None, 5, 1]}}, [1, 4, 5]),
    ("$nin keeps NULL", {"type_id": {"$nin": [1, 2, 3]}}, [4, 5]),
    ("$nin null", {"type_id": {"$nin": [None, 1]}}, [2, 3, 5]),
    ("text", {"name": {"$in": ["a", "10", "é😀", 10]}}, [1, 4, 5]),
    ("booleans", {"active": {"$in": [True, False]}}, [1, 2, 4]),
    ("booleans and null", {"active": {"$nin": [True, False]}}, [3, 5]),
    ("no cross-kind", {"active": {"$in": [1, 0, "true"]}}, []),
    ("bigint[]: any element", {"tags": {"$in": [2, 3, 99]}}, [1, 2]),
    ("bigint[]: strings are no match", {"tags": {"$in": ["2", "3"]}}, []),
    ("bigint[]: $nin", {"tags": {"$nin": [1, 3]}}, [3, 4, 5]),
    ("jsonb: any element, kinds kept", {"meta": {"$in": ["b", 2, 3]}}, [3]),
    ("jsonb: numbers", {"meta": {"$in": [1, 2]}}, [1, 3]),
    ("jsonb: text", {"meta": {"$in": ["a", "c"]}}, [2]),
    ("jsonb: null is NULL or a null element", {"meta": {"$in": [None, "zz"]}}, [3, 4]),
    ("jsonb: $nin", {"meta": {"$nin": [1, "a"]}}, [4, 5]),
]


@pytest.mark.parametrize(("name", "filter", "expected"), IN_CASES, ids=[c[0] for c in IN_CASES])
def test_in_on_whole_columns(rows: Rows, name: str, filter: Any, expected: list[int]) -> None:
    assert small(rows, filter) == expected


def test_a_long_in_list_is_one_parameter(rows: Rows) -> None:
    """Regression: `$in` on a column was an OR of one bound equality per value: 10,000 ids took
    9.6 s to compile, and more than 32,767 failed in the driver (a 503)."""
    ids = list(range(50_000))
    listing = parse_list(DOC, {"filter": json.dumps({"public_id": {"$in": ids}}), "limit": "0"})
    _, values = split(listing.query)
    assert len(values) == 1
    assert rows.ids(DOC, {"public_id": {"$in": ids}}) == [1, 2, 3, 4, 5, *range(100, 5100)]


def test_the_shape_of_in_does_not_depend_on_the_list(rows: Rows) -> None:
    def shape(filter: Any) -> Any:
        return split(parse_list(DOC, {"filter": json.dumps(filter)}).query)[0]

    assert shape({"type_id": {"$in": [1, 2]}}) == shape({"type_id": {"$in": [3, 4, 5, 6]}})


def plan(rows: Rows, filter: Any) -> str:
    listing = parse_list(DOC, {"filter": json.dumps(filter), "limit": "10"})
    shape, values = split(replace(listing.query, select=(SelectItem(Path("public_id")),)))
    compiled = rows.compiler.read(shape, Body.ARRAY)
    lines = rows.execute("EXPLAIN " + compiled.render(rows.schema), *compiled.arguments(values))
    return "\n".join(line[0] for line in lines)


@pytest.mark.parametrize(
    ("filter", "index"),
    [
        ({"public_id": {"$in": list(range(1, 40))}}, "objects_pkey"),
        ({"type_id": {"$in": [1, 2]}}, "objects_type_id_idx"),
    ],
)
def test_in_uses_the_column_index(rows: Rows, filter: Any, index: str) -> None:
    assert index in plan(rows, filter)


def test_too_many_conditions_is_a_400() -> None:
    """Regression: an `$or` of 3,000 conditions cost 2 s of compile; a bound is a clear 400."""
    many = {"$or": [{"type_id": i} for i in range(MAX_CONDITIONS + 1)]}
    with pytest.raises(ApiError) as caught:
        parse_list(DOC, {"filter": json.dumps(many)})
    assert caught.value.status == 400
    assert f"{MAX_CONDITIONS + 1} conditions" in caught.value.message
    enough = {"$or": [{"type_id": i} for i in range(MAX_CONDITIONS)]}
    assert parse_list(DOC, {"filter": json.dumps(enough)}).query.where is not None
    with pytest.raises(ApiError, match="conditions"):
        parse_list(DOC, {"filter": json.dumps({"tags": {"$all": list(range(MAX_CONDITIONS + 1))}})})


@pytest.mark.parametrize("sort", ["name.x", "public_id.x", "tags.0", "active.a.b", "meta.no.such"])
@pytest.mark.parametrize("order", ["1", "-1"])
def test_sort_by_a_path_into_a_column_without_json(rows: Rows, sort: str, order: str) -> None:
    """Regression: a dotted sort key into a text, bigint or array column was a 400 (`operator does
    not exist: text -> unknown`); MongoDB sorts every document as missing there: public_id breaks the tie."""
    assert small(rows, {}, sort=sort, order=order) == ALL


def test_sort_by_a_path_follows_arrays(rows: Rows) -> None:
    """A dotted sort key is a lax path: into an array of objects it reaches their values (the first
    one; MongoDB takes the least ascending and the greatest descending: the same order here)."""
    rows.execute('UPDATE objects SET meta = \'[{"x": 3}, {"x": 9}]\' WHERE public_id = 2')
    rows.execute("UPDATE objects SET meta = '[{\"x\": 1}]' WHERE public_id = 4")
    some = {"public_id": {"$in": [1, 2, 4]}}
    try:
        assert rows.ids(DOC, some, sort="meta.x") == [1, 4, 2]  # missing first, then 1, 3
        assert rows.ids(DOC, some, sort="meta.x", order="-1") == [2, 4, 1]  # missing last
        assert rows.ids(DOC, some, sort="meta.x.y", order="-1") == [1, 2, 4]  # no such path
    finally:
        rows.execute("UPDATE objects SET meta = to_jsonb('a'::text) WHERE public_id = 2")
        rows.execute("UPDATE objects SET meta = NULL WHERE public_id = 4")


@pytest.mark.parametrize("text", ODD, ids=[repr(c) for c in ODD])
def test_odd_keys_and_values_reach_postgres_exactly(rows: Rows, text: str) -> None:
    """Quotes, backslashes, `$`, `@`, control characters, line separators, emoji and jsonpath syntax
    in a key or a value stay that key and that value (one bound jsonpath, JSON's escaping)."""
    assert small(rows, {f"meta.k{text}": text}) == [5]
    assert small(rows, {"meta": {"$elemMatch": {f"k{text}": text}}}) == []  # an object, no array
    assert small(rows, {f"meta.k{text}": {"$in": [text, "zz"]}}) == [5]
    assert small(rows, {f"meta.k{text}": {"$ne": text}}) == [1, 2, 3, 4]
    assert small(rows, {f"meta.k{text}": text + "x"}) == []
    assert small(rows, {f"meta.k{text}x": text}) == []
    assert small(rows, {f"meta.k{text}": {"$exists": True}}) == [5]


def test_sort_follows_mongodb_order_of_types(rows: Rows) -> None:
    """Regression: sorting by a JSON value used jsonb's order of types (strings before numbers, a
    JSON null after a missing value); MongoDB's is null = missing < numbers < strings < objects."""
    values = {1: "10", 2: 9, 3: None, 5: {"a": 1}}
    for public_id, value in values.items():
        rows.execute(
            "UPDATE objects SET fields = $1::jsonb WHERE public_id = $2",
            json.dumps([{"name": "v", "value": value}]),
            public_id,
        )
    try:
        assert small(rows, {}, sort="fields.v") == [3, 4, 2, 1, 5]
        assert small(rows, {}, sort="fields.v", order="-1") == [5, 1, 2, 3, 4]
    finally:
        rows.execute("UPDATE objects SET fields = '[]' WHERE public_id < 100")


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("\\b1", [4]),
        ("\\b0", []),
        ("\\B0", [4]),
        ("^1\\B", [4]),
        ("0\\z", [4]),
        ("1\\z", []),
        ("[\\b]", []),  # in a class, PCRE's \b is a backspace too
        ("\\d\\d", [4]),
        ("\\\\b", []),  # an escaped backslash, then a letter
    ],
)
def test_regex_pcre_escapes(rows: Rows, pattern: str, expected: list[int]) -> None:
    """Regression: `\\b` (PCRE's word boundary) reached Postgres as a backspace and `\\z` was an
    invalid escape (a 400): they are written as Postgres spells them (`\\y`, `\\Z`)."""
    assert small(rows, {"name": {"$regex": pattern}}) == expected
    assert small(rows, {"fields": {"$elemMatch": {"value": {"$regex": pattern}}}}) == []


def test_integers_beyond_an_int4_column_are_no_match(database_url: str) -> None:
    """Regression: `{"n": 2**40}` on an `integer` column cast the value to int4 in Postgres: an
    error (22003) where MongoDB simply matches nothing; the int4 index still serves the value."""
    small_ints = Rows(database_url, "CREATE TABLE t (public_id bigint PRIMARY KEY, n integer, m smallint);")
    doc = Document("t", {"public_id": "public_id", "n": "n", "m": "m"})
    try:
        small_ints.insert("t", [{"public_id": 1, "n": 7, "m": 7}, {"public_id": 2, "n": -3, "m": None}])
        for key in ("n", "m"):
            assert small_ints.ids(doc, {key: 2**40}) == []
            assert small_ints.ids(doc, {key: {"$in": [7, 2**40, -(2**62)]}}) == [1]
            present = [1, 2] if key == "n" else [1]
            assert small_ints.ids(doc, {key: {"$gt": -(2**40)}}) == present
            assert small_ints.ids(doc, {key: {"$lt": 2**40}}) == present
            assert small_ints.ids(doc, {key: {"$in": [7.0, 1e30]}}) == [1]
    finally:
        small_ints.close()


@pytest.mark.parametrize(
    ("filter", "expected"),
    [
        ({"nope": {"$all": [None]}}, ALL),
        ({"nope": {"$all": [None, None]}}, ALL),
        ({"nope": {"$all": [None, 1]}}, []),
        ({"nope": {"$not": {"$all": [None]}}}, []),
    ],
)
def test_all_null_on_a_missing_key(rows: Rows, filter: Any, expected: list[int]) -> None:
    """Regression: `$all: [null]` on a key no document has was decided false; MongoDB's `$all` is
    the AND of equalities, and null equals a missing field."""
    assert small(rows, filter) == expected
