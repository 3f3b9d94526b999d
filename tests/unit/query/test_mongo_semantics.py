"""MongoDB semantics of the CMDB dialect, proved on real rows: each filter goes through
`parse_list` -> `split` -> `Compiler.read` -> Postgres, and the test checks which ids matched."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import asyncpg
import pytest
from tests.unit.query.mongo_rows import Rows

from tenantgrid.db.execute import database_error
from tenantgrid.query.dialects.mongo import Document

DDL = """
CREATE TABLE docs (
    public_id bigint PRIMARY KEY,
    type_id bigint NOT NULL,
    active boolean NOT NULL DEFAULT true,
    name text,
    fields jsonb NOT NULL DEFAULT '[]',
    meta jsonb,
    acl jsonb,
    tags bigint[],
    secret text
);
"""
DOC = Document(
    "docs",
    {
        "public_id": "public_id",
        "type_id": "type_id",
        "active": "active",
        "name": "name",
        "fields": "fields",
        "meta": "meta",
        "acl": "acl",
        "tags": "tags",
    },
)
WEIRD_KEYS = {'we"ird': 1, "$dollar": 2, "@at": 4, "new\nline": 5, "é": "ü", "back\\slash": 6}
ROWS: list[dict[str, Any]] = [
    {
        "public_id": 1,
        "type_id": 1,
        "name": "alpha",
        "fields": [{"name": "ip", "value": "10.0.0.1"}, {"name": "port", "value": 22}],
        "meta": {"order": 1, "icon": "fa-a", "list": [1, 2, 3]},
        "acl": {"activated": True, "groups": {"includes": {"2": ["READ"]}}},
        "tags": [1, 2],
    },
    {
        "public_id": 2,
        "type_id": 1,
        "name": "beta",
        "fields": [{"name": "ip", "value": "10.0.0.2"}, {"name": "port", "value": "22"}],
        "meta": {"order": "1", "list": [4]},
        "acl": {"activated": False},
        "tags": [3],
    },
    {
        "public_id": 3,
        "type_id": 2,
        "active": False,
        "name": "gamma\nline",
        "fields": [{"name": "ip", "value": None}, {"name": "port", "value": 8080}],
        "meta": {"order": None},
    },
    {"public_id": 4, "type_id": 2, "name": None, "fields": [], "meta": {}},
    {
        "public_id": 5,
        "type_id": 3,
        "name": "delta",
        "fields": [{"name": "port", "value": [22, 443]}, {"name": "owner", "value": {"first": "Ann"}}],
        "meta": {"order": 2.5, "list": []},
        "acl": {"activated": True, "groups": {"includes": {"3": ["READ", "UPDATE"]}}},
    },
    {
        "public_id": 6,
        "type_id": 3,
        "name": "5",
        "fields": [{"name": "ip", "value": "10.0.0.1"}, {"name": "note"}],
        "meta": {"order": 5, "icon": 'fa-"q\\'},
        "acl": {"activated": True},
        "secret": "hunter2",
    },
    {"public_id": 7, "type_id": 4, "name": "zzz", "meta": WEIRD_KEYS},
]
ALL = [1, 2, 3, 4, 5, 6, 7]


@pytest.fixture(scope="module")
def rows(database_url: str) -> Iterator[Rows]:
    rows = Rows(database_url, DDL)
    try:
        rows.insert("docs", ROWS)
        yield rows
    finally:
        rows.close()


CASES: list[tuple[str, Any, list[int]]] = [
    # plain columns: SQL on the column, values of the column's own JSON type only
    ("column equality", {"type_id": 1}, [1, 2]),
    ("a number never equals a numeric string", {"type_id": "1"}, []),
    ("1.0 equals 1", {"type_id": 1.0}, [1, 2]),
    ("text column", {"name": "5"}, [6]),
    ("a number never equals a text column", {"name": 5}, []),
    ("boolean column", {"active": False}, [3]),
    ("0 is not false", {"active": 0}, []),
    ("huge integer is just no match", {"public_id": 99999999999999999999}, []),
    ("huge float bound", {"public_id": {"$lt": 1e300}}, ALL),
    ("$in mixes kinds", {"type_id": {"$in": [1, "2"]}}, [1, 2]),
    ("$nin on a column", {"type_id": {"$nin": [1, 2]}}, [5, 6, 7]),
    ("null matches a NULL column", {"name": None}, [4]),
    ("$ne null", {"name": {"$ne": None}}, [1, 2, 3, 5, 6, 7]),
    ("$ne on a boolean column", {"active": {"$ne": True}}, [3]),
    ("comparison on a column keeps its type", {"type_id": {"$gt": "0"}}, []),
    ("$gte on a column", {"type_id": {"$gte": 3}}, [5, 6, 7]),
    # paths into JSON
    ("any element of fields.value", {"fields.value": 22}, [1, 5]),
    ("fields.value keeps the string", {"fields.value": "22"}, [2]),
    ("fields.value text", {"fields.value": "10.0.0.1"}, [1, 6]),
    ("nested path", {"fields.value.first": "Ann"}, [5]),
    ("$ne matches missing and null", {"meta.order": {"$ne": 1}}, [2, 3, 4, 5, 6, 7]),
    ("$nin matches missing and null", {"meta.order": {"$nin": [1, 5]}}, [2, 3, 4, 5, 7]),
    ("$in with null matches missing", {"meta.order": {"$in": [None, 2.5]}}, [3, 4, 5, 7]),
    ("null matches missing", {"meta.order": None}, [3, 4, 7]),
    ("$eq null", {"meta.order": {"$eq": None}}, [3, 4, 7]),
    ("$exists true (null exists)", {"meta.order": {"$exists": True}}, [1, 2, 3, 5, 6]),
    ("$exists false", {"meta.order": {"$exists": False}}, [4, 7]),
    ("$gt does not cross types", {"meta.order": {"$gt": 0}}, [1, 5, 6]),
    ("$gte on strings only", {"meta.order": {"$gte": "0"}}, [2]),
    ("$lt with a float", {"meta.order": {"$lt": 2.5}}, [1]),
    ("$gte null is null or missing", {"meta.order": {"$gte": None}}, [3, 4, 7]),
    ("$lt null is nothing", {"meta.order": {"$lt": None}}, []),
    ("$lte null on a column", {"name": {"$lte": None}}, [4]),
    ("$lte with a float", {"meta.order": {"$lte": 2.5}}, [1, 5]),
    ("$not", {"meta.order": {"$not": {"$gt": 1}}}, [1, 2, 3, 4, 7]),
    ("$not $in", {"meta.order": {"$not": {"$in": [1, 2.5]}}}, [2, 3, 4, 6, 7]),
    ("$nor", {"$nor": [{"type_id": 1}, {"meta.order": None}]}, [5, 6]),
    ("$or", {"$or": [{"type_id": 2}, {"name": "delta"}]}, [3, 4, 5]),
    ("implicit and", {"type_id": 3, "meta.order": 5}, [6]),
    ("any element of a JSON array", {"meta.list": 2}, [1]),
    ("comparison on any element", {"meta.list": {"$gt": 3}}, [2]),
    ("array column element", {"tags": 3}, [2]),
    ("$ne on an array column", {"tags": {"$ne": 1}}, [2, 3, 4, 5, 6, 7]),
    ("$all on an array column", {"tags": {"$all": [1, 2]}}, [1]),
    ("$all on a JSON array", {"meta.list": {"$all": [1, 3]}}, [1]),
    ("$all empty", {"meta.list": {"$all": []}}, []),
    ("$in empty", {"meta.order": {"$in": []}}, []),
    ("$nin empty", {"meta.order": {"$nin": []}}, ALL),
    ("$size on the column", {"fields": {"$size": 2}}, [1, 2, 3, 5, 6]),
    ("$size 0 on the column", {"fields": {"$size": 0}}, [4, 7]),
    ("$size on a path", {"meta.list": {"$size": 1}}, [2]),
    ("$size 0 on a path", {"meta.list": {"$size": 0}}, [5]),
    ("$size is never true of a scalar", {"meta.order": {"$size": 1}}, []),
    ("$not $size", {"meta.list": {"$not": {"$size": 3}}}, [2, 3, 4, 5, 6, 7]),
    # $elemMatch
    ("$elemMatch by name and value", {"fields": {"$elemMatch": {"name": "ip", "value": "10.0.0.1"}}}, [1, 6]),
    ("$elemMatch is one element", {"fields": {"$elemMatch": {"name": "ip", "value": 22}}}, []),
    (
        "$elemMatch value $gt, any element",
        {"fields": {"$elemMatch": {"name": "port", "value": {"$gt": 100}}}},
        [3, 5],
    ),
    (
        "$elemMatch regex",
        {
            "fields": {
                "$elemMatch": {"name": "ip", "value": {"$regex": "^10\\.0\\.0\\.[12]$", "$options": "i"}}
            }
        },
        [1, 2, 6],
    ),
    (
        "$elemMatch $ne matches null",
        {"fields": {"$elemMatch": {"name": "ip", "value": {"$ne": "10.0.0.1"}}}},
        [2, 3],
    ),
    ("$elemMatch $exists false", {"fields": {"$elemMatch": {"value": {"$exists": False}}}}, [6]),
    ("$elemMatch null matches missing", {"fields": {"$elemMatch": {"name": "note", "value": None}}}, [6]),
    ("$elemMatch on scalars", {"meta.list": {"$elemMatch": {"$gte": 2, "$lt": 4}}}, [1]),
    ("$elemMatch on an object is no match", {"meta": {"$elemMatch": {"order": 1}}}, []),
    ("$elemMatch $or", {"fields": {"$elemMatch": {"$or": [{"name": "owner"}, {"value": 8080}]}}}, [3, 5]),
    ("$elemMatch $in", {"fields": {"$elemMatch": {"name": {"$in": ["note", "owner"]}}}}, [5, 6]),
    ("nested $elemMatch", {"fields": {"$elemMatch": {"value": {"$elemMatch": {"$gt": 400}}}}}, [5]),
    ("$and of two $elemMatch", {"$and": [{"fields": {"$elemMatch": {"name": "ip"}}}, {"type_id": 3}]}, [6]),
    # regex
    ("$regex with i", {"name": {"$regex": "^GAMMA", "$options": "i"}}, [3]),
    ("$regex ^ is the text's start", {"name": {"$regex": "^line"}}, []),
    ("$regex with m", {"name": {"$regex": "^line", "$options": "m"}}, [3]),
    ("$regex . is not a newline", {"name": {"$regex": "gamma.line"}}, []),
    ("$regex with s", {"name": {"$regex": "gamma.line", "$options": "s"}}, [3]),
    ("$regex with x", {"name": {"$regex": " al  pha  # a comment", "$options": "ismx"}}, [1]),
    ("$regex on numbers is no match", {"meta.list": {"$regex": "1"}}, []),
    ("$not $regex matches missing", {"name": {"$not": {"$regex": "a"}}}, [4, 6, 7]),
    ("$regex on a JSON path", {"meta.icon": {"$regex": "^fa-"}}, [1, 6]),
    # DATAGERRY's ACL filter, and keys with digits
    ("acl filter", {"$or": [{"acl": {"$exists": False}}, {"acl.activated": False}]}, [2, 3, 4, 7]),
    ("acl exists", {"acl": {"$exists": True}}, [1, 2, 5, 6]),
    ("digit key", {"acl.groups.includes.2": {"$exists": True}}, [1]),
    ("digit key, any element", {"acl.groups.includes.3": "UPDATE"}, [5]),
    # keys no document has: decided without SQL
    ("unlisted column is missing", {"secret": "hunter2"}, []),
    ("unlisted column $exists false", {"secret": {"$exists": False}}, ALL),
    ("unlisted column $ne", {"secret": {"$ne": "hunter2"}}, ALL),
    ("unknown key null", {"nope": None}, ALL),
    ("unknown key $in null", {"nope": {"$in": [1, None]}}, ALL),
    ("unknown key $gt", {"nope": {"$gt": 1}}, []),
    ("unknown key $not", {"nope": {"$not": {"$gt": 1}}}, ALL),
    ("unknown key $regex", {"nope": {"$regex": "x"}}, []),
    # escaping: keys and strings with quotes, backslashes, $, @, newlines, unicode
    ("quote in a key", {'meta.we"ird': 1}, [7]),
    ("$ in a key", {"meta.$dollar": 2}, [7]),
    ("@ in a key", {"meta.@at": 4}, [7]),
    ("newline in a key", {"meta.new\nline": 5}, [7]),
    ("unicode key and value", {"meta.é": "ü"}, [7]),
    ("backslash in a key", {"meta.back\\slash": 6}, [7]),
    ("quote and backslash in a value", {"meta.icon": 'fa-"q\\'}, [6]),
    ("jsonpath in a value stays a value", {"meta.icon": '" || @ == @ || "'}, []),
    ("jsonpath in a key stays a key", {'meta.icon" ? (1 == 1) || "x': 1}, []),
    ("jsonpath in an $elemMatch value", {"fields": {"$elemMatch": {"name": '") || (1 == 1'}}}, []),
]


@pytest.mark.parametrize(("name", "filter", "expected"), CASES, ids=[c[0] for c in CASES])
def test_filter_matches(rows: Rows, name: str, filter: Any, expected: list[int]) -> None:
    assert rows.ids(DOC, filter) == expected


@pytest.mark.parametrize(("name", "filter", "expected"), CASES, ids=[c[0] for c in CASES])
def test_pipeline_match_is_the_same(rows: Rows, name: str, filter: Any, expected: list[int]) -> None:
    assert rows.ids(DOC, [{"$match": filter}]) == expected


def test_several_match_stages_and(rows: Rows) -> None:
    assert rows.ids(DOC, [{"$match": {"type_id": {"$gte": 2}}}, {"$match": {"meta.order": None}}]) == [
        3,
        4,
        7,
    ]


def test_not_is_two_valued_around_or(rows: Rows) -> None:
    """$nor of a condition that is NULL in SQL (a NULL jsonb column) still matches."""
    assert rows.ids(DOC, {"$nor": [{"acl.activated": True}]}) == [2, 3, 4, 7]


SORTS: list[tuple[dict[str, str], Any, list[int]]] = [
    ({"sort": "type_id", "order": "-1"}, {}, [7, 5, 6, 3, 4, 1, 2]),
    ({"sort": "name"}, {"type_id": {"$lte": 3}, "name": {"$ne": None}}, [6, 1, 2, 5, 3]),
    # null and missing tie, first ascending; then numbers, strings, objects, arrays (MongoDB's order)
    ({"sort": "meta.order"}, {"meta.order": {"$in": [None, 1, 2.5, 5]}}, [3, 4, 7, 1, 5, 6]),
    ({"sort": "meta.order", "order": "-1"}, {"meta.order": {"$in": [None, 1, 2.5, 5]}}, [6, 5, 1, 3, 4, 7]),
    ({"sort": "fields.port"}, {"fields.name": "port"}, [1, 3, 2, 5]),
    ({"sort": "fields.port", "order": "-1"}, {}, [5, 2, 3, 1, 4, 6, 7]),
    ({"sort": "fields.ip"}, {"fields.name": "ip"}, [3, 1, 6, 2]),
    ({"sort": "no.such.path", "order": "-1"}, {}, ALL),
    ({"sort": "secret"}, {}, ALL),
    ({"sort": "name.x", "order": "-1"}, {}, ALL),
    ({"sort": "tags.0"}, {}, ALL),
    ({}, [{"$match": {}}, {"$sort": {"type_id": -1, "public_id": -1}}], [7, 6, 5, 4, 3, 2, 1]),
    ({"limit": "2", "page": "2"}, {}, [3, 4]),
    ({"limit": "3", "page": "3"}, {}, [7]),
    ({}, [{"$match": {}}, {"$skip": 2}, {"$limit": 3}], [3, 4, 5]),
    ({"limit": "2"}, [{"$skip": 1}, {"$limit": 5}], [2, 3]),
]


@pytest.mark.parametrize(("params", "filter", "expected"), SORTS)
def test_sort_and_page(rows: Rows, params: dict[str, str], filter: Any, expected: list[int]) -> None:
    assert rows.ids(DOC, filter, **params) == expected


@pytest.mark.parametrize("pattern", ["(", "a{1,99999}", "[z-a]"])
def test_bad_regex_is_a_400(rows: Rows, pattern: str) -> None:
    """Postgres judges the pattern (its regex dialect, not PCRE); its error maps to a 400."""
    with pytest.raises(asyncpg.PostgresError) as caught:
        rows.ids(DOC, {"name": {"$regex": pattern}})
    error = database_error(caught.value)
    assert error is not None and error.status == 400
    assert "regular expression" in error.message
