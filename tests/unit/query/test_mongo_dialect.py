"""The CMDB's MongoDB dialect -> query AST: a table of filters and the exact AST each gives, the
errors (always a 400 quoting the input), the list parameters, projection, and the jsonpath text the
shape binds (escaping)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tenantgrid.errors import ApiError
from tenantgrid.query.ast import (
    MAX_DEPTH,
    And,
    Cond,
    Elem,
    Node,
    Not,
    Nulls,
    Op,
    Or,
    Page,
    Path,
    Query,
    SortKey,
    Truth,
)
from tenantgrid.query.dialects.mongo import Document, parse_filter, parse_list, project, strip_extended
from tenantgrid.query.jsonpath import literal, root_path
from tenantgrid.query.shape import split

DOC = Document(
    "cmdb_objects",
    {"public_id": "public_id", "type_id": "type_id", "fields": "fields", "meta": "extra", "active": "active"},
)


def j(column: str, *keys: str, op: Op = Op.EQ, value: Any = None) -> Cond:
    return Cond(Path(column, keys), op, value, json=True)


def e(*keys: str, op: Op = Op.EQ, value: Any = None) -> Cond:
    """A condition on the element of an `$elemMatch`."""
    return Cond(Path("", keys), op, value, json=True)


def ne(node: Node) -> Not:
    return Not(node, two_valued=True)


FILTERS: list[tuple[Any, Node | None]] = [
    ({}, None),
    ({"type_id": 5}, j("type_id", value=5)),
    ({"type_id": "5"}, j("type_id", value="5")),
    ({"type_id": None}, j("type_id", value=None)),
    ({"type_id": {"$eq": 5}}, j("type_id", value=5)),
    (
        {"type_id": {"$gt": 5, "$lte": 9.5}},
        And((j("type_id", op=Op.GT, value=5), j("type_id", op=Op.LTE, value=9.5))),
    ),
    ({"type_id": {"$ne": 5}}, ne(j("type_id", value=5))),
    ({"type_id": {"$gte": None}}, j("type_id", value=None)),
    ({"type_id": {"$lte": None}}, j("type_id", value=None)),
    ({"type_id": {"$gt": None}}, Truth(False)),
    ({"type_id": {"$lt": None}}, Truth(False)),
    ({"type_id": {"$in": [1, "2"]}}, Or((j("type_id", value=1), j("type_id", value="2")))),
    ({"type_id": {"$in": [1]}}, j("type_id", value=1)),
    ({"type_id": {"$in": []}}, Truth(False)),
    ({"type_id": {"$nin": [1, 2]}}, ne(j("type_id", op=Op.IN, value=(1, 2)))),
    (
        {"type_id": {"$in": [1, 2, "a", 1, 2.5, None, "b", True]}},
        Or(
            (
                j("type_id", op=Op.IN, value=(1, 2)),
                j("type_id", op=Op.IN, value=("a", "b")),
                j("type_id", value=2.5),
                j("type_id", value=None),
                j("type_id", value=True),
            )
        ),
    ),
    ({"type_id": {"$nin": []}}, None),
    ({"meta.order": {"$in": [1, None]}}, j("extra", "order", op=Op.IN, value=(1, None))),
    ({"meta.order": {"$nin": [1]}}, ne(j("extra", "order", op=Op.IN, value=(1,)))),
    ({"fields.value": 22}, j("fields", "value", value=22)),
    ({"meta.a.b.2": "x"}, j("extra", "a", "b", "2", value="x")),
    ({"type_id": {"$exists": True}}, Cond(Path("type_id"), Op.EXISTS, True)),
    ({"meta.icon": {"$exists": False}}, j("extra", "icon", op=Op.EXISTS, value=False)),
    ({"fields": {"$size": 2}}, j("fields", op=Op.SIZE, value=2)),
    ({"fields": {"$all": [1, 2]}}, And((j("fields", value=1), j("fields", value=2)))),
    ({"fields": {"$all": []}}, Truth(False)),
    ({"meta.n": {"$regex": "^a", "$options": "mi"}}, j("extra", "n", op=Op.MATCH, value=("^a", "im"))),
    ({"meta.n": {"$regex": "a b", "$options": "x"}}, j("extra", "n", op=Op.MATCH, value=("ab", ""))),
    ({"meta.n": {"$regex": "a"}}, j("extra", "n", op=Op.MATCH, value=("a", ""))),
    ({"meta.n": {"$not": {"$gt": 1}}}, ne(j("extra", "n", op=Op.GT, value=1))),
    ({"$and": [{"type_id": 1}, {"active": True}]}, And((j("type_id", value=1), j("active", value=True)))),
    ({"$or": [{"type_id": 1}, {"active": True}]}, Or((j("type_id", value=1), j("active", value=True)))),
    ({"$nor": [{"type_id": 1}]}, ne(j("type_id", value=1))),
    ({"type_id": 1, "active": False}, And((j("type_id", value=1), j("active", value=False)))),
    (
        {"fields": {"$elemMatch": {"name": "ip", "value": {"$regex": "^10", "$options": "ism"}}}},
        Elem(
            Path("fields"), And((e("name", value="ip"), e("value", op=Op.MATCH, value=("^10", "ims")))), True
        ),
    ),
    (
        {"fields": {"$elemMatch": {"$gte": 2, "$lt": 4}}},
        Elem(Path("fields"), And((e(op=Op.GTE, value=2), e(op=Op.LT, value=4)))),
    ),
    (
        {"fields": {"$elemMatch": {"value": {"$in": [1, 2]}}}},
        Elem(Path("fields"), e("value", op=Op.IN, value=(1, 2)), True),
    ),
    (
        {"fields": {"$elemMatch": {"$or": [{"name": "a"}, {"name": "b"}]}}},
        Elem(Path("fields"), Or((e("name", value="a"), e("name", value="b"))), True),
    ),
    (
        {"meta.list": {"$elemMatch": {"a": {"$elemMatch": {"b": 1}}}}},
        Elem(Path("extra", ("list",)), Elem(Path("", ("a",)), e("b", value=1), True), True),
    ),
    # keys no document has: decided without SQL (MongoDB's answers for a missing field)
    ({"secret": "x"}, Truth(False)),
    ({"password_hash": {"$regex": "^\\$2b"}}, Truth(False)),
    ({"secret": None}, None),
    ({"secret": {"$exists": False}}, None),
    ({"secret": {"$exists": True}}, Truth(False)),
    ({"secret": {"$ne": 1}}, None),
    ({"secret": {"$nin": [1]}}, None),
    ({"secret": {"$in": [1]}}, Truth(False)),
    ({"secret": {"$gte": None}}, None),
    ({"secret": {"$not": {"$gt": 1}}}, None),
    ({"$or": [{"secret": 1}, {"type_id": 2}]}, j("type_id", value=2)),
    ({"$and": [{"secret": 1}, {"type_id": 2}]}, Truth(False)),
]


@pytest.mark.parametrize(("filter", "expected"), FILTERS, ids=[json.dumps(f) for f, _ in FILTERS])
def test_filter_to_ast(filter: Any, expected: Node | None) -> None:
    assert parse_filter(DOC, json.dumps(filter)) == expected


def test_where_false_is_kept_in_the_list() -> None:
    """A filter known false reaches the compiler as `WHERE false` (no rows), not as no filter."""
    assert parse_list(DOC, {"filter": '{"secret": 1}'}).query.where == Truth(False)


ERRORS: list[tuple[str, str]] = [
    ("{", "not valid JSON"),
    ("é", "not valid JSON"),
    ("NaN", "not valid JSON"),
    ('{"a": Infinity}', "not valid JSON"),
    ('"text"', 'a string "text"'),
    ("5", "a number 5"),
    ("null", "null"),
    ('{"type_id": 1' + "0" * 400 + "}", "digits"),
    ('{"$where": "sleep(1)"}', "$where"),
    ('{"$expr": {"$eq": ["$a", 1]}}', "$expr"),
    ('{"$function": {}}', "$function"),
    ('{"$text": {"$search": "x"}}', "$text"),
    ('{"type_id": {"$where": 1}}', "$where"),
    ('{"type_id": {"$type": "string"}}', "$type"),
    ('{"type_id": {"$gt": 1, "b": 2}}', 'mix operators and fields in {"$gt": 1, "b": 2}'),
    ('{"type_id": {"$in": 5}}', "$in takes a list, got a number 5"),
    ('{"type_id": {"$in": [[1]]}}', "a list [1]"),
    ('{"type_id": {"$nin": "a"}}', '$nin takes a list, got a string "a"'),
    ('{"type_id": {"$all": {}}}', "$all takes a list"),
    ('{"type_id": {"$size": -1}}', "$size takes a non-negative integer, got -1"),
    ('{"type_id": {"$size": "2"}}', '"2"'),
    ('{"type_id": {"$size": true}}', "true"),
    ('{"type_id": {"$regex": 5}}', "$regex takes a string, got a number 5"),
    ('{"type_id": {"$regex": "a", "$options": "q"}}', '"q"'),
    ('{"type_id": {"$regex": "a", "$options": 1}}', "1"),
    ('{"type_id": {"$options": "i"}}', "$options needs $regex"),
    ('{"type_id": {"$not": 5}}', "$not takes an object of operators"),
    ('{"type_id": {"$not": {"a": 1}}}', '{"a": 1}'),
    ('{"type_id": {"$elemMatch": []}}', "$elemMatch takes a non-empty object, got a list []"),
    ('{"type_id": {"$elemMatch": {"$where": 1}}}', "$where"),
    ('{"type_id": {"$elemMatch": {"a": {"$foo": 1}}}}', "$foo"),
    ('{"type_id": {"$elemMatch": {"$and": []}}}', "$and takes a non-empty list"),
    ('{"type_id": {"$elemMatch": {"$or": [{}]}}}', "non-empty queries"),
    ('{"$and": []}', "$and takes a non-empty list of queries, got a list []"),
    ('{"$or": {"a": 1}}', '$or takes a non-empty list of queries, got an object {"a": 1}'),
    ('{"$nor": [5]}', "a query is a JSON object, got a number 5"),
    ('{"type_id": {"$eq": {"a": 1}}}', 'an object {"a": 1}'),
    ('{"meta": {"order": 1}}', 'equality with a whole an object {"order": 1} is not supported'),
    ('{"fields": [1, 2]}', "equality with a whole a list [1, 2]"),
    ('{"type_id": "a\\u0000b"}', "NUL"),
    ('{"type_id": "\\ud800"}', "lone surrogate \\ud800"),
    ('{"a\\ud800b": 1}', "lone surrogate"),
    ('{"type_id": {"$regex": "a\\u0000"}}', "NUL"),
    ("[5]", "a pipeline stage is an object with one operator, got 5"),
    ('[{"$match": {}, "$sort": {}}]', "one operator"),
    ('[{"$lookup": {"from": "x"}}]', "unsupported pipeline stage $lookup"),
    ('[{"$group": {}}]', "$group"),
    ('[{"$addFields": {}}]', "$addFields"),
    ('[{"$match": 5}]', "$match takes an object, got a number 5"),
    ('[{"$sort": {"a": 2}}]', "$sort direction of 'a' must be 1 or -1"),
    ('[{"$sort": []}]', "$sort takes an object"),
    ('[{"$skip": -1}]', "$skip takes an integer from 0 to 9223372036854775807, got -1"),
    ('[{"$skip": 9223372036854775808}]', "9223372036854775808"),
    ('[{"$limit": 99999999999999999999}]', "99999999999999999999"),
    ('[{"$skip": 9223372036854775807}, {"$skip": 1}]', "beyond the last possible page"),
    ('[{"$limit": 0}]', "$limit"),
    ('[{"$limit": "5"}]', '"5"'),
    ('[{"$project": [1]}]', "projection must be a JSON object, got a list [1]"),
    ('[{"$project": {"a": "yes"}}]', "projection of 'a' must be 1/0 or true/false"),
    ('{"$and": [' * 60 + "{}" + "]}" * 60, "nests deeper than 100 levels"),
    ('{"$and": [' * 17 + '{"a": 1}' + "]}" * 17, f"at most {MAX_DEPTH} levels"),
    ('{"a": ' + '{"$not": ' * 20 + '{"$gt": 1}' + "}" * 21, f"at most {MAX_DEPTH} levels"),
    ('{"a": ' + '{"$elemMatch": ' * 20 + '{"$gt": 1}' + "}" * 21, f"at most {MAX_DEPTH} levels"),
    ("[" * 100_000 + "]" * 100_000, "nests too deeply"),
]


@pytest.mark.parametrize(("text", "quoted"), ERRORS, ids=[t[:60] for t, _ in ERRORS])
def test_filter_errors_are_400_quoting_the_input(text: str, quoted: str) -> None:
    with pytest.raises(ApiError) as caught:
        parse_list(DOC, {"filter": text})
    assert caught.value.status == 400
    assert quoted in caught.value.message


def test_unknown_operators_on_unknown_keys_are_refused_too() -> None:
    """A key no document has still validates its operators: no probing around the refusal."""
    with pytest.raises(ApiError, match=r"\$where"):
        parse_filter(DOC, '{"secret": {"$where": 1}}')
    with pytest.raises(ApiError, match="NUL"):
        parse_filter(DOC, '{"secret": "\\u0000"}')


def test_list_defaults() -> None:
    listing = parse_list(DOC, {})
    assert (listing.sort, listing.order, listing.page, listing.limit) == ("public_id", 1, 1, 10)
    assert listing.filter == {} and listing.projection is None
    assert listing.query == Query(
        "cmdb_objects", None, (SortKey(Path("public_id")),), Page(0, 10), count=True
    )


def test_list_parameters() -> None:
    listing = parse_list(
        DOC,
        {
            "filter": '[{"$match": {"type_id": 1}}]',
            "sort": "fields.hostname",
            "order": "-1",
            "page": "3",
            "limit": "20",
            "projection": '{"fields": 1}',
            "view": "render",
        },
    )
    assert (listing.sort, listing.order, listing.page, listing.limit) == ("fields.hostname", -1, 3, 20)
    assert listing.filter == [{"$match": {"type_id": 1}}]
    assert listing.projection == {"fields": 1}
    assert listing.query.page == Page(40, 20)
    assert listing.query.order == (
        SortKey(Path("fields", ("hostname",), by_name=True), True, Nulls.LAST),
        SortKey(Path("public_id")),
    )
    assert listing.query.where == j("type_id", value=1)


def test_limit_zero_is_everything_and_extra_where_is_anded() -> None:
    extra = Cond(Path("active"), Op.EQ, True, json=True)
    listing = parse_list(DOC, {"limit": "0", "page": "5", "filter": '{"type_id": 1}'}, extra_where=extra)
    assert listing.limit == 0 and listing.query.page == Page(0, None)
    assert listing.query.where == And((j("type_id", value=1), extra))
    assert parse_list(DOC, {}, extra_where=extra).query.where == extra


def test_sort_keys() -> None:
    def order(**params: str) -> tuple[SortKey, ...]:
        return parse_list(DOC, params).query.order

    assert order(sort="type_id", order="-1") == (SortKey(Path("type_id"), True), SortKey(Path("public_id")))
    assert order(sort="public_id", order="-1") == (SortKey(Path("public_id"), True),)
    assert order(sort="meta.order") == (
        SortKey(Path("extra", ("order",), lax=True), False, Nulls.FIRST),
        SortKey(Path("public_id")),
    )
    assert order(sort="fields.a.b") == (
        SortKey(Path("fields", ("a", "b"), lax=True), False, Nulls.FIRST),
        SortKey(Path("public_id")),
    )
    assert order(sort="nothing.here") == (SortKey(Path("public_id")),)
    assert order(sort="password_hash") == (SortKey(Path("public_id")),)
    assert parse_list(DOC, {"sort": "nothing"}).sort == "nothing"  # echoed as given


def test_pipeline_stages_page_and_sort() -> None:
    listing = parse_list(
        DOC,
        {
            "filter": '[{"$match": {"type_id": 1}}, {"$match": {"active": true}}, {"$sort": {"type_id": -1}},'
            ' {"$skip": 5}, {"$limit": 3}, {"$project": {"fields": 0}}]',
            "limit": "10",
            "page": "2",
        },
    )
    assert listing.query.where == And((j("type_id", value=1), j("active", value=True)))
    assert listing.query.order == (SortKey(Path("type_id"), True), SortKey(Path("public_id")))
    assert listing.query.page == Page(15, 3)
    assert listing.projection == {"fields": 0}


@pytest.mark.parametrize(
    ("params", "quoted"),
    [
        ({"order": "2"}, "order must be 1 or -1, got '2'"),
        ({"order": "0"}, "'0'"),
        ({"order": "x"}, "'x'"),
        ({"page": "0"}, "page must be an integer of at least 1, got '0'"),
        ({"page": "-1"}, "'-1'"),
        ({"page": "1.5"}, "'1.5'"),
        ({"page": "99999999999999999999"}, "'99999999999999999999'"),
        ({"page": "9223372036854775807", "limit": "10"}, "beyond the last possible page"),
        ({"limit": "-1"}, "limit must be an integer of at least 0, got '-1'"),
        ({"limit": "ten"}, "'ten'"),
        ({"projection": "{"}, "projection is not valid JSON"),
        ({"projection": "[1]"}, "projection must be a JSON object, got a list [1]"),
    ],
)
def test_parameter_errors(params: dict[str, str], quoted: str) -> None:
    with pytest.raises(ApiError) as caught:
        parse_list(DOC, params)
    assert caught.value.status == 400
    assert quoted in caught.value.message


DOCUMENT = {
    "public_id": 7,
    "type_id": 2,
    "fields": [{"name": "ip", "value": "10.0.0.1"}, {"name": "port", "value": 22}],
    "render_meta": {"icon": "fa-x", "sections": [{"name": "s", "fields": ["ip"]}]},
}


@pytest.mark.parametrize(
    ("projection", "expected"),
    [
        (None, DOCUMENT),
        ({}, DOCUMENT),
        ({"type_id": 1}, {"public_id": 7, "type_id": 2}),
        ({"type_id": 1, "public_id": 0}, {"type_id": 2}),
        ({"type_id": True, "nothing": 1}, {"public_id": 7, "type_id": 2}),
        ({"fields.value": 1}, {"public_id": 7, "fields": [{"value": "10.0.0.1"}, {"value": 22}]}),
        ({"render_meta.icon": 1}, {"public_id": 7, "render_meta": {"icon": "fa-x"}}),
        (
            {"fields": 0, "render_meta.sections": 0},
            {"public_id": 7, "type_id": 2, "render_meta": {"icon": "fa-x"}},
        ),
        (
            {"fields.name": 0},
            {**DOCUMENT, "fields": [{"value": "10.0.0.1"}, {"value": 22}]},
        ),
    ],
)
def test_project(projection: dict[str, Any] | None, expected: dict[str, Any]) -> None:
    before = json.dumps(DOCUMENT)
    assert project(DOCUMENT, projection) == expected
    assert json.dumps(DOCUMENT) == before  # the document itself is left alone


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("a b", "ab"),
        (" a\tb\n c ", "abc"),
        ("a # comment\nb", "ab"),
        ("a#rest", "a"),
        ("a\\ b", "a\\ b"),
        ("a\\#b", "a\\#b"),
        ("[ #]x", "[ #]x"),
        ("[] ]x y", "[] ]xy"),
        ("[^] ]x y", "[^] ]xy"),
        ("[a\\] ]x", "[a\\] ]x"),
    ],
)
def test_regex_x_option_is_applied_before_postgres(pattern: str, expected: str) -> None:
    assert strip_extended(pattern) == expected


TRICKY = ['"', "\\", "$", "@", "\n", "é", "\u2028", "\x1f", '") || (1 == 1', "\\u0022", "ü😀"]


@pytest.mark.parametrize("text", TRICKY)
def test_jsonpath_literals_are_json_strings(text: str) -> None:
    """jsonpath's string literal is JSON's: json.loads reads back exactly the text."""
    assert json.loads(literal(text)) == text
    _, values = split(Query("t", parse_filter(DOC, json.dumps({f"meta.{text}": text}))))
    (path,) = values
    assert path == f"$.{literal(text)} ? (@ == {literal(text)})"


def test_elem_match_checks_the_array_type() -> None:
    node = parse_filter(DOC, '{"fields": {"$elemMatch": {"name": "ip", "value": "x"}}}')
    assert isinstance(node, Elem)
    assert root_path(node) == (
        '$[*] ? ($.type() == "array" && (@.type() == "object" && (@."name" == "ip" && @."value" == "x")))'
    )


def test_shape_is_independent_of_values() -> None:
    """Two filters that differ only in values share one shape, so one compiled statement."""

    def shape(filter: Any) -> Query:
        return split(parse_list(DOC, {"filter": json.dumps(filter)}).query)[0]

    assert shape({"type_id": 1, "fields": {"$elemMatch": {"value": "a"}}}) == shape(
        {"type_id": 2, "fields": {"$elemMatch": {"value": "b", "name": "c"}}}
    )
    assert shape({"type_id": 1}) != shape({"type_id": "1"})  # the kind is part of the shape
