"""PostgREST query-string grammar → query AST: a table of inputs and the exact AST (or error) each gives."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tenantgrid.errors import ApiError
from tenantgrid.query.ast import (
    MAX_DEPTH,
    And,
    Cond,
    IsValue,
    Node,
    Not,
    Nulls,
    Op,
    Or,
    Path,
    Quantifier,
    SelectItem,
    SortKey,
)
from tenantgrid.query.dialects.postgrest import (
    RESERVED,
    Params,
    parse_columns,
    parse_filter,
    parse_limit,
    parse_logic,
    parse_offset,
    parse_order,
    parse_params,
    parse_range_header,
    parse_select,
)

ID = Path("id")
NAME = Path("name")


def c(path: Path | str, op: Op, value: Any, **kw: Any) -> Cond:
    return Cond(Path(path) if isinstance(path, str) else path, op, value, **kw)


FILTERS: list[tuple[str, str, Node]] = [
    # every operator
    ("id", "eq.1", c(ID, Op.EQ, "1")),
    ("id", "neq.1", c(ID, Op.NEQ, "1")),
    ("id", "gt.1", c(ID, Op.GT, "1")),
    ("id", "gte.1", c(ID, Op.GTE, "1")),
    ("id", "lt.1", c(ID, Op.LT, "1")),
    ("id", "lte.1", c(ID, Op.LTE, "1")),
    ("name", "like.*a*b_", c(NAME, Op.LIKE, "%a%b_")),
    ("name", "ilike.A*", c(NAME, Op.ILIKE, "A%")),
    ("name", "match.^a.*$", c(NAME, Op.MATCH, "^a.*$")),
    ("name", "imatch.^A", c(NAME, Op.IMATCH, "^A")),
    ("id", "isdistinct.1", c(ID, Op.IS_DISTINCT, "1")),
    ("tags", "cs.{a,b}", c("tags", Op.CONTAINS, "{a,b}")),
    ("tags", "cd.{a,b}", c("tags", Op.CONTAINED, "{a,b}")),
    ("tags", "ov.{a,b}", c("tags", Op.OVERLAPS, "{a,b}")),
    ("r", "sl.[1,5)", c("r", Op.STRICTLY_LEFT, "[1,5)")),
    ("r", "sr.[1,5)", c("r", Op.STRICTLY_RIGHT, "[1,5)")),
    ("r", "nxr.[1,5)", c("r", Op.NOT_EXTENDS_RIGHT, "[1,5)")),
    ("r", "nxl.[1,5)", c("r", Op.NOT_EXTENDS_LEFT, "[1,5)")),
    ("r", "adj.[1,5)", c("r", Op.ADJACENT, "[1,5)")),
    ("t", "fts.cat", c("t", Op.FTS, "cat")),
    ("t", "plfts.fat cat", c("t", Op.PLFTS, "fat cat")),
    ("t", "phfts.fat cat", c("t", Op.PHFTS, "fat cat")),
    ("t", "wfts.cat -dog", c("t", Op.WFTS, "cat -dog")),
    # fts with a language
    ("t", "fts(english).cat", c("t", Op.FTS, "cat", language="english")),
    ("t", "wfts(simple).a", c("t", Op.WFTS, "a", language="simple")),
    ("t", "not.plfts(french).chat", Not(c("t", Op.PLFTS, "chat", language="french"))),
    # values are verbatim after the operator's dot
    ("id", "eq.a.b", c(ID, Op.EQ, "a.b")),
    ("id", "eq.", c(ID, Op.EQ, "")),
    ("id", 'eq."a,b"', c(ID, Op.EQ, '"a,b"')),
    ("id", "eq.not.x", c(ID, Op.EQ, "not.x")),
    ("name", "eq. spaced ", c(NAME, Op.EQ, " spaced ")),
    # not.
    ("id", "not.eq.1", Not(c(ID, Op.EQ, "1"))),
    ("id", "not.in.(1,2)", Not(c(ID, Op.IN, ("1", "2")))),
    ("id", "not.is.null", Not(c(ID, Op.IS, IsValue.NULL))),
    # in
    ("id", "in.(1,2,3)", c(ID, Op.IN, ("1", "2", "3"))),
    ("id", 'in.(1,2,"a,b")', c(ID, Op.IN, ("1", "2", "a,b"))),
    ("id", 'in.("a)b","(c)")', c(ID, Op.IN, ("a)b", "(c)"))),
    ("id", r'in.("a\"b","c\\d")', c(ID, Op.IN, ('a"b', "c\\d"))),
    ("id", "in.()", c(ID, Op.IN, ())),
    ("id", "in.(a)", c(ID, Op.IN, ("a",))),
    ("id", "in.(a, b)", c(ID, Op.IN, ("a", " b"))),
    ("id", "in.(a,,b)", c(ID, Op.IN, ("a", "", "b"))),
    ("id", 'in.(a"b,c)', c(ID, Op.IN, ('a"b', "c"))),
    ("id", 'in.("a"b,c)', c(ID, Op.IN, ('"a"b', "c"))),
    ("id", 'in.( "x,y" )', c(ID, Op.IN, ("x,y",))),
    # is
    ("b", "is.null", c("b", Op.IS, IsValue.NULL)),
    ("b", "is.NULL", c("b", Op.IS, IsValue.NULL)),
    ("b", "is.not_null", c("b", Op.IS, IsValue.NOT_NULL)),
    ("b", "is.true", c("b", Op.IS, IsValue.TRUE)),
    ("b", "is.False", c("b", Op.IS, IsValue.FALSE)),
    ("b", "is.unknown", c("b", Op.IS, IsValue.UNKNOWN)),
    # any / all
    ("id", "eq(any).{1,2}", c(ID, Op.EQ, ("1", "2"), quantifier=Quantifier.ANY)),
    ("id", "neq(all).{1}", c(ID, Op.NEQ, ("1",), quantifier=Quantifier.ALL)),
    ("id", "gt(any).{}", c(ID, Op.GT, (), quantifier=Quantifier.ANY)),
    ("id", "lte(all).{ 1 , 2 }", c(ID, Op.LTE, ("1", "2"), quantifier=Quantifier.ALL)),
    ("name", "like(all).{a*,*b}", c(NAME, Op.LIKE, ("a%", "%b"), quantifier=Quantifier.ALL)),
    ("name", 'ilike(any).{"x,*",y}', c(NAME, Op.ILIKE, ("x,%", "y"), quantifier=Quantifier.ANY)),
    (
        "name",
        r'eq(any).{"a\"b",NULL,"NULL"}',
        c(NAME, Op.EQ, ('a"b', None, "NULL"), quantifier=Quantifier.ANY),
    ),
    ("name", "imatch(any).{^a,b$}", c(NAME, Op.IMATCH, ("^a", "b$"), quantifier=Quantifier.ANY)),
    ("id", "not.gte(any).{1,2}", Not(c(ID, Op.GTE, ("1", "2"), quantifier=Quantifier.ANY))),
    # paths
    ("data->a", "eq.1", c(Path("data", ("a",)), Op.EQ, "1")),
    ("data->>a", "eq.x", c(Path("data", ("a",), as_text=True), Op.EQ, "x")),
    ("data->0", "eq.1", c(Path("data", (0,)), Op.EQ, "1")),
    ("data->-1->>x", "eq.1", c(Path("data", (-1, "x"), as_text=True), Op.EQ, "1")),
    ("data->a->b->>c", "eq.1", c(Path("data", ("a", "b", "c"), as_text=True), Op.EQ, "1")),
    ("data->a->>0", "eq.1", c(Path("data", ("a", 0), as_text=True), Op.EQ, "1")),
    ("data->a1b", "eq.1", c(Path("data", ("a1b",)), Op.EQ, "1")),
    ('data->"0"', "eq.1", c(Path("data", ("0",)), Op.EQ, "1")),
    ('"my col"', "eq.1", c(Path("my col"), Op.EQ, "1")),
    ("my col", "eq.1", c(Path("my col"), Op.EQ, "1")),
    ("$price_2", "eq.1", c(Path("$price_2"), Op.EQ, "1")),
    ("a-b", "eq.1", c(Path("a-b"), Op.EQ, "1")),
    ("données", "eq.1", c(Path("données"), Op.EQ, "1")),
]


@pytest.mark.parametrize(("key", "value", "expected"), FILTERS, ids=[f"{k}={v}" for k, v, _ in FILTERS])
def test_filter(key: str, value: str, expected: Node) -> None:
    assert parse_filter(key, value) == expected


LOGIC: list[tuple[str, str, Node]] = [
    ("or", "(a.eq.1,b.gt.2)", Or((c("a", Op.EQ, "1"), c("b", Op.GT, "2")))),
    ("and", "(a.eq.1,b.gt.2)", And((c("a", Op.EQ, "1"), c("b", Op.GT, "2")))),
    ("or", "(a.eq.1)", Or((c("a", Op.EQ, "1"),))),
    ("not.or", "(a.eq.1,b.eq.2)", Not(Or((c("a", Op.EQ, "1"), c("b", Op.EQ, "2"))))),
    ("not.and", "(a.eq.1,b.eq.2)", Not(And((c("a", Op.EQ, "1"), c("b", Op.EQ, "2"))))),
    (
        "or",
        "(id.eq.1,and(x.gte.1,x.lte.5))",
        Or((c(ID, Op.EQ, "1"), And((c("x", Op.GTE, "1"), c("x", Op.LTE, "5"))))),
    ),
    (
        "and",
        "(a.not.eq.1,not.or(b.eq.2,c.is.null),not.and(d.eq.3))",
        And(
            (
                Not(c("a", Op.EQ, "1")),
                Not(Or((c("b", Op.EQ, "2"), c("c", Op.IS, IsValue.NULL)))),
                Not(And((c("d", Op.EQ, "3"),))),
            )
        ),
    ),
    (
        "or",
        '(name.eq."a,b",name.in.(x,"y,z"))',
        Or((c(NAME, Op.EQ, "a,b"), c(NAME, Op.IN, ("x", "y,z")))),
    ),
    ("or", '(name.eq."a(b)",name.like."*,*")', Or((c(NAME, Op.EQ, "a(b)"), c(NAME, Op.LIKE, "%,%")))),
    ("or", r'(name.eq."say \"hi\"")', Or((c(NAME, Op.EQ, 'say "hi"'),))),
    (
        "or",
        "(data->>k.eq.x,data->a->0.gt.1)",
        Or(
            (
                c(Path("data", ("k",), as_text=True), Op.EQ, "x"),
                c(Path("data", ("a", 0)), Op.GT, "1"),
            )
        ),
    ),
    ("or", "(id.in.(1,2),id.is.true)", Or((c(ID, Op.IN, ("1", "2")), c(ID, Op.IS, IsValue.TRUE)))),
    (
        "or",
        "(id.eq(any).{1,2},t.fts(english).cat)",
        Or(
            (
                c(ID, Op.EQ, ("1", "2"), quantifier=Quantifier.ANY),
                c("t", Op.FTS, "cat", language="english"),
            )
        ),
    ),
    ("or", "(tags.cs.{a,b},id.eq.a.b)", Or((c("tags", Op.CONTAINS, "{a,b}"), c(ID, Op.EQ, "a.b")))),
    ("or", "(a.eq.1, b.eq.2)", Or((c("a", Op.EQ, "1"), c("b", Op.EQ, "2")))),
    ("or", '("my col".eq.1)', Or((c("my col", Op.EQ, "1"),))),
    ("or", "(not.eq.1)", Or((c("not", Op.EQ, "1"),))),  # a column named "not"
    ("or", "(id.eq.)", Or((c(ID, Op.EQ, ""),))),
]


@pytest.mark.parametrize(("key", "value", "expected"), LOGIC, ids=[f"{k}={v}" for k, v, _ in LOGIC])
def test_logic(key: str, value: str, expected: Node) -> None:
    assert parse_logic(key, value) == expected


def nested(levels: int) -> str:
    return "(" + "and(" * (levels - 1) + "a.eq.1" + ")" * (levels - 1) + ")"


def test_logic_depth_limit() -> None:
    node = parse_logic("or", nested(MAX_DEPTH))
    for _ in range(MAX_DEPTH):
        assert isinstance(node, Or | And) and len(node.items) == 1
        node = node.items[0]
    assert node == c("a", Op.EQ, "1")
    with pytest.raises(ApiError) as info:
        parse_logic("or", nested(MAX_DEPTH + 1))
    assert (info.value.status, info.value.code) == (400, "PGRST100")


SELECTS: list[tuple[str, tuple[SelectItem, ...]]] = [
    ("", ()),
    ("*", ()),
    (" * ", ()),
    ("id", (SelectItem(ID),)),
    (
        "id,alias:name,price::text,data->a->>b,x:data->a::int",
        (
            SelectItem(ID),
            SelectItem(NAME, alias="alias"),
            SelectItem(Path("price"), cast="text"),
            SelectItem(Path("data", ("a", "b"), as_text=True)),
            SelectItem(Path("data", ("a",)), alias="x", cast="int"),
        ),
    ),
    ("*,extra:data->a", (SelectItem(Path("*")), SelectItem(Path("data", ("a",)), alias="extra"))),
    (" id , name ", (SelectItem(ID), SelectItem(NAME))),
    ('"my col","a:b":c', (SelectItem(Path("my col")), SelectItem(Path("c"), alias="a:b"))),
    ("a::timestamp with time zone", (SelectItem(Path("a"), cast="timestamp with time zone"),)),
    ("tags::text[]", (SelectItem(Path("tags"), cast="text[]"),)),
    ("data->0", (SelectItem(Path("data", (0,))),)),
]


@pytest.mark.parametrize(("value", "expected"), SELECTS, ids=[v or "<empty>" for v, _ in SELECTS])
def test_select(value: str, expected: tuple[SelectItem, ...]) -> None:
    assert parse_select(value) == expected


ORDERS: list[tuple[str, tuple[SortKey, ...]]] = [
    ("id", (SortKey(ID),)),
    ("id.asc", (SortKey(ID),)),
    ("id.desc", (SortKey(ID, descending=True),)),
    ("id.nullsfirst", (SortKey(ID, nulls=Nulls.FIRST),)),
    ("id.nullslast", (SortKey(ID, nulls=Nulls.LAST),)),
    ("id.asc.nullsfirst", (SortKey(ID, nulls=Nulls.FIRST),)),
    ("id.desc.nullslast", (SortKey(ID, descending=True, nulls=Nulls.LAST),)),
    (
        "c1.desc.nullslast,c2, data->>k.desc",
        (
            SortKey(Path("c1"), True, Nulls.LAST),
            SortKey(Path("c2")),
            SortKey(Path("data", ("k",), as_text=True), True),
        ),
    ),
    ('"my.col".desc', (SortKey(Path("my.col"), descending=True),)),
    ("data->0->>x", (SortKey(Path("data", (0, "x"), as_text=True)),)),
]


@pytest.mark.parametrize(("value", "expected"), ORDERS, ids=[v for v, _ in ORDERS])
def test_order(value: str, expected: tuple[SortKey, ...]) -> None:
    assert parse_order(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0-19", (0, 20)),
        ("10-", (10, None)),
        ("5-5", (5, 1)),
        ("items=0-9", (0, 10)),
        (" 20-29 ", (20, 10)),
    ],
)
def test_range_header(value: str, expected: tuple[int, int | None]) -> None:
    assert parse_range_header(value) == expected


@pytest.mark.parametrize(("value", "expected"), [("0", 0), ("10", 10), ("007", 7)])
def test_limit(value: str, expected: int) -> None:
    assert parse_limit(value) == expected


@pytest.mark.parametrize(("value", "expected"), [("0", 0), ("25", 25)])
def test_offset(value: str, expected: int) -> None:
    assert parse_offset(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("a,b", ("a", "b")),
        ('"a","b"', ("a", "b")),
        ('"first name",age', ("first name", "age")),
        (' a , "b" ', ("a", "b")),
        (r'"a,b","q\"x"', ("a,b", 'q"x')),
    ],
)
def test_columns(value: str, expected: tuple[str, ...]) -> None:
    assert parse_columns(value) == expected


PARAMS: list[tuple[list[tuple[str, str]], Params]] = [
    ([], Params(None, (), (), 0, None, None, None)),
    ([("id", "eq.1")], Params(c(ID, Op.EQ, "1"), (), (), 0, None, None, None)),
    (
        [("id", "gte.1"), ("id", "lte.5")],
        Params(And((c(ID, Op.GTE, "1"), c(ID, Op.LTE, "5"))), (), (), 0, None, None, None),
    ),
    (
        [("or", "(a.eq.1)"), ("name", "like.x*"), ("or", "(b.eq.2)"), ("not.and", "(c.eq.3)")],
        Params(
            And(
                (
                    Or((c("a", Op.EQ, "1"),)),
                    c(NAME, Op.LIKE, "x%"),
                    Or((c("b", Op.EQ, "2"),)),
                    Not(And((c("c", Op.EQ, "3"),))),
                )
            ),
            (),
            (),
            0,
            None,
            None,
            None,
        ),
    ),
    (
        [
            ("select", "a"),
            ("select", "id,n:name"),
            ("order", "a"),
            ("order", "id.desc"),
            ("limit", "5"),
            ("limit", "10"),
            ("offset", "3"),
            ("offset", "20"),
            ("columns", "a"),
            ("columns", '"id","name"'),
            ("on_conflict", "id"),
            ("on_conflict", "a,b"),
        ],
        Params(
            None,
            (SortKey(ID, descending=True),),
            (SelectItem(ID), SelectItem(NAME, alias="n")),
            20,
            10,
            ("id", "name"),
            ("a", "b"),
        ),
    ),
]


@pytest.mark.parametrize(("items", "expected"), PARAMS)
def test_params(items: list[tuple[str, str]], expected: Params) -> None:
    assert parse_params(items) == expected


def test_reserved() -> None:
    assert {"select", "order", "limit", "offset", "or", "and", "not.or", "not.and"} <= RESERVED
    assert {"columns", "on_conflict"} <= RESERVED


def _fails(call: Callable[..., object], *args: Any) -> ApiError:
    with pytest.raises(ApiError) as info:
        call(*args)
    return info.value


DEEP = nested(MAX_DEPTH + 1)
BAD: list[tuple[Callable[..., object], tuple[Any, ...], str, str]] = [
    # (function, arguments, the message after "failed to parse ", a fragment of the details)
    (parse_filter, ("id", "noop.0"), "filter (noop.0)", '"noop"'),
    (parse_filter, ("id", "not.not.eq.1"), "filter (not.not.eq.1)", '"not"'),
    (parse_filter, ("id", "eq"), "filter (eq)", '"."'),
    (parse_filter, ("id", "1"), "filter (1)", '"1"'),
    (parse_filter, ("id", ""), "filter ()", "operator"),
    (parse_filter, ("id", "EQ.1"), "filter (EQ.1)", '"EQ"'),
    (parse_filter, ("id", "in.1,2"), "filter (in.1,2)", "list"),
    (parse_filter, ("id", "in.(1,2"), "filter (in.(1,2)", "list"),
    (parse_filter, ("id", "in.(a)b)"), "filter (in.(a)b))", '")"'),
    (parse_filter, ("id", 'in.("a,b)'), 'filter (in.("a,b))', "unterminated"),
    (parse_filter, ("b", "is.maybe"), "filter (is.maybe)", '"maybe"'),
    (parse_filter, ("b", "is."), "filter (is.)", "null"),
    (parse_filter, ("id", "eq(some).{1}"), "filter (eq(some).{1})", "(some)"),
    (parse_filter, ("id", "in(any).(1)"), "filter (in(any).(1))", "(any)"),
    (parse_filter, ("id", "cs(any).{1}"), "filter (cs(any).{1})", "(any)"),
    (parse_filter, ("t", "fts().cat"), "filter (fts().cat)", "()"),
    (parse_filter, ("t", "fts(a b).cat"), "filter (fts(a b).cat)", "(a b)"),
    (parse_filter, ("t", "fts(english.cat"), "filter (fts(english.cat)", '")"'),
    (parse_filter, ("t", "fts(english)cat"), "filter (fts(english)cat)", '"."'),
    (parse_filter, ("id", "eq(any).1,2"), "filter (eq(any).1,2)", "array"),
    (parse_filter, ("id", "eq(any).{1,,2}"), "filter (eq(any).{1,,2})", "malformed"),
    (parse_filter, ("id", "eq(any).{{1},{2}}"), "filter (eq(any).{{1},{2}})", "malformed"),
    (parse_filter, ("data->>a->b", "eq.1"), "tree path (data->>a->b)", '"->>"'),
    (parse_filter, ("data->", "eq.1"), "tree path (data->)", "empty JSON key"),
    (parse_filter, ("->a", "eq.1"), "tree path (->a)", "empty column name"),
    (parse_filter, ("data->>>a", "eq.1"), "tree path (data->>>a)", '">"'),
    (parse_filter, ("rel.col", "eq.1"), "tree path (rel.col)", "embedded"),
    (parse_filter, ("a(b)", "eq.1"), "tree path (a(b))", '"("'),
    (parse_filter, ('"ab', "eq.1"), 'tree path ("ab)', "unterminated"),
    (parse_filter, ('"a"b', "eq.1"), 'tree path ("a"b)', '"b"'),
    (parse_filter, ('""', "eq.1"), 'tree path ("")', "empty"),
    (parse_logic, ("or", "(a.eq.1,)"), "logic tree ((a.eq.1,))", '","'),
    (parse_logic, ("or", "(,a.eq.1)"), "logic tree ((,a.eq.1))", '","'),
    (parse_logic, ("or", "()"), "logic tree (())", "condition"),
    (parse_logic, ("or", "a.eq.1"), "logic tree (a.eq.1)", '"("'),
    (parse_logic, ("or", ""), "logic tree ()", '"("'),
    (parse_logic, ("or", "(a.eq.1"), "logic tree ((a.eq.1)", '"("'),
    (parse_logic, ("or", "(a.eq.1))"), "logic tree ((a.eq.1)))", '")"'),
    (parse_logic, ("or", "(a.eq.1),(b.eq.2)"), "logic tree ((a.eq.1),(b.eq.2))", '")"'),
    (parse_logic, ("or", "(a.noop.1)"), "logic tree ((a.noop.1))", '"noop"'),
    (parse_logic, ("or", "(a)"), "logic tree ((a))", '"."'),
    (parse_logic, ("or", "(and())"), "logic tree ((and()))", "condition"),
    (parse_logic, ("or", '(a.eq."x)'), 'logic tree ((a.eq."x))', "unterminated"),
    (parse_logic, ("or", "(a.in.(1,2)"), "logic tree ((a.in.(1,2))", '")"'),
    (parse_logic, ("or", "(a->>b->c.eq.1)"), "logic tree ((a->>b->c.eq.1))", '"->>"'),
    (parse_logic, ("xor", "(a.eq.1)"), "logic tree (xor)", '"or"'),
    (parse_logic, ("or", DEEP), f"logic tree ({DEEP})", f"at most {MAX_DEPTH}"),
    (parse_select, ("a,,b",), "select parameter (a,,b)", '","'),
    (parse_select, ("a,",), "select parameter (a,)", '","'),
    (parse_select, ("rel(*)",), "select parameter (rel(*))", "resource embedding is not supported"),
    (parse_select, ("id,rel(a,b)",), "select parameter (id,rel(a,b))", "resource embedding is not supported"),
    (parse_select, ("x:rel!fk(*)",), "select parameter (x:rel!fk(*))", "resource embedding is not supported"),
    (parse_select, ("a::",), "select parameter (a::)", "cast"),
    (parse_select, ("a::te;xt",), "select parameter (a::te;xt)", "cast"),
    (parse_select, (":a",), "select parameter (:a)", "empty alias"),
    (parse_select, ("x:*",), "select parameter (x:*)", '"*"'),
    (parse_select, ("a->>b->c",), "select parameter (a->>b->c)", '"->>"'),
    (parse_select, ("a.b",), "select parameter (a.b)", '"."'),
    (parse_order, ("id.sideways",), "order (id.sideways)", '"sideways"'),
    (parse_order, ("id.nullslast.desc",), "order (id.nullslast.desc)", '"desc"'),
    (parse_order, ("id.desc.asc",), "order (id.desc.asc)", '"asc"'),
    (parse_order, ("id.",), "order (id.)", '""'),
    (parse_order, ("id,,name",), "order (id,,name)", '","'),
    (parse_order, ("",), "order ()", '","'),
    (parse_order, ("rel(id).desc",), "order (rel(id).desc)", "embedded"),
    (parse_range_header, ("abc",), "Range header (abc)", "lower"),
    (parse_range_header, ("-5",), "Range header (-5)", "lower"),
    (parse_range_header, ("0-1,5-6",), "Range header (0-1,5-6)", "lower"),
    (parse_limit, ("abc",), "limit parameter (abc)", "integer"),
    (parse_limit, ("1.5",), "limit parameter (1.5)", "integer"),
    (parse_limit, ("1_0",), "limit parameter (1_0)", "integer"),
    (parse_limit, ("",), "limit parameter ()", "integer"),
    (parse_offset, ("-1",), "offset parameter (-1)", "non-negative"),
    (parse_offset, ("x",), "offset parameter (x)", "integer"),
    (parse_offset, (" 1",), "offset parameter ( 1)", "integer"),
    (parse_columns, ("a,,b",), "columns parameter (a,,b)", "empty"),
    (parse_columns, ("",), "columns parameter ()", "empty"),
    (parse_columns, ('"a",""',), 'columns parameter ("a","")', "empty"),
    (parse_columns, ("a->b",), "columns parameter (a->b)", '"->b"'),
    (parse_params, ([("", "eq.1")],), "tree path (=eq.1)", "empty"),
    (parse_params, ([("id", "eq.1"), ("x", "bad.1")],), "filter (bad.1)", '"bad"'),
    (parse_params, ([("order", "")],), "order ()", '","'),
    (parse_params, ([("select", "a(b)")],), "select parameter (a(b))", "resource embedding"),
    (parse_params, ([("on_conflict", "a,")],), "on_conflict parameter (a,)", "empty"),
    (parse_params, ([("not.or", "()")],), "logic tree (())", "condition"),
]


@pytest.mark.parametrize(("call", "args", "message", "detail"), BAD, ids=[b[2] for b in BAD])
def test_syntax_error(call: Callable[..., object], args: tuple[Any, ...], message: str, detail: str) -> None:
    error = _fails(call, *args)
    assert (error.status, error.code) == (400, "PGRST100")
    assert error.message == f"failed to parse {message}"
    assert error.details is not None and detail in error.details


RANGE_ERRORS: list[tuple[Callable[..., object], tuple[Any, ...], str]] = [
    (parse_range_header, ("20-10",), "in the Range header (20-10)"),
    (parse_range_header, ("items=1-0",), "in the Range header (items=1-0)"),
    (parse_limit, ("-1",), "zero (limit=-1)"),
    (parse_params, ([("limit", "-5")],), "zero (limit=-5)"),
]


@pytest.mark.parametrize(("call", "args", "detail"), RANGE_ERRORS, ids=[r[2] for r in RANGE_ERRORS])
def test_range_error(call: Callable[..., object], args: tuple[Any, ...], detail: str) -> None:
    """416 keeps PostgREST's message; the bad input is quoted in the details."""
    error = _fails(call, *args)
    assert (error.status, error.code) == (416, "PGRST103")
    assert error.message == "Requested range not satisfiable"
    assert error.details is not None and detail in error.details


def test_details_clip_long_input() -> None:
    """The message quotes the whole input (PostgREST does); details quote at most a short fragment."""
    value = "x" * 5000 + ".1"
    error = _fails(parse_filter, "id", value)
    assert error.message == f"failed to parse filter ({value})"
    assert error.details is not None and len(error.details) < 400
    assert '"xxxxxxxxxx' in error.details and "..." in error.details
