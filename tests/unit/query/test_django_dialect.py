"""The Django-style dialect (Gainfully) -> query AST: a table of parameters and the exact AST each
gives, every refusal (a 400 naming the parameter), DRF's pagination numbers, ordering and sparse
fieldsets."""

from __future__ import annotations

import pytest

from tenantgrid.query.ast import And, Cond, IsValue, Node, Op, Page, Path, SelectItem, SortKey
from tenantgrid.query.dialects.django import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    Field,
    FieldError,
    FieldType,
    Model,
    like_escape,
    parse_filter,
    parse_filters,
    parse_limit,
    parse_list,
    parse_offset,
    parse_ordering,
    sparse_fields,
)
from tenantgrid.query.shape import split

MODEL = Model(
    "gainfully_things",
    (
        Field("id", FieldType.INTEGER),
        Field("type", FieldType.SMALLINT),
        Field("name", FieldType.TEXT),
        Field("author", FieldType.INTEGER, nullable=True),
        Field("created_at", FieldType.TIMESTAMP),
        Field("links", FieldType.IDS),
    ),
)


def c(column: str, op: Op, value: object) -> Cond:
    return Cond(Path(column), op, value)  # type: ignore[arg-type]


FILTERS: list[tuple[str, str, Node | None]] = [
    ("filter__type", "4", c("type", Op.EQ, "4")),
    ("filter__type__exact", "4", c("type", Op.EQ, "4")),
    ("filter__type", " 4 ", c("type", Op.EQ, "4")),
    ("filter__type", "-3", c("type", Op.EQ, "-3")),
    ("filter__type", "0004", c("type", Op.EQ, "4")),
    ("filter__created_at__gt", "1572274684", c("created_at", Op.GT, "1572274684")),
    ("filter__created_at__gte", "1572274684", c("created_at", Op.GTE, "1572274684")),
    ("filter__created_at__lt", "1572274684", c("created_at", Op.LT, "1572274684")),
    ("filter__created_at__lte", "1572274684", c("created_at", Op.LTE, "1572274684")),
    ("filter__id__in", "1,2,3", c("id", Op.IN, ("1", "2", "3"))),
    ("filter__id__range", "5,9", c("id", Op.BETWEEN, ("5", "9"))),
    ("filter__author__isnull", "true", c("author", Op.IS, IsValue.NULL)),
    ("filter__author__isnull", "True", c("author", Op.IS, IsValue.NULL)),
    ("filter__author__isnull", "1", c("author", Op.IS, IsValue.NULL)),
    ("filter__author__isnull", "false", c("author", Op.IS, IsValue.NOT_NULL)),
    ("filter__author__isnull", "0", c("author", Op.IS, IsValue.NOT_NULL)),
    ("filter__name", "Ada", c("name", Op.EQ, "Ada")),
    ("filter__name", " Ada ", c("name", Op.EQ, " Ada ")),  # text is kept as sent
    ("filter__name", "50%_off", c("name", Op.EQ, "50%_off")),  # = compares literally
    ("filter__name__iexact", "ada", c("name", Op.ILIKE, "ada")),
    ("filter__name__iexact", "50%_off", c("name", Op.ILIKE, "50\\%\\_off")),
    ("filter__name__contains", "a%b", c("name", Op.LIKE, "%a\\%b%")),
    ("filter__name__icontains", "a_b", c("name", Op.ILIKE, "%a\\_b%")),
    ("filter__name__startswith", "a\\", c("name", Op.LIKE, "a\\\\%")),
    ("filter__name__istartswith", "Ad", c("name", Op.ILIKE, "Ad%")),
    ("filter__name__endswith", "%", c("name", Op.LIKE, "%\\%")),
    ("filter__name__iendswith", "A", c("name", Op.ILIKE, "%A")),
    ("filter__name__gt", "M", c("name", Op.GT, "M")),
    ("filter__name__in", "a,,b", c("name", Op.IN, ("a", "", "b"))),
    ("filter__name__range", "a,m", c("name", Op.BETWEEN, ("a", "m"))),
    # django-filter: an empty value filters nothing
    ("filter__name", "", None),
    ("filter__type__gt", "", None),
    ("filter__author__isnull", "", None),
    ("filter__id__in", "", None),
]


@pytest.mark.parametrize(("param", "value", "expected"), FILTERS)
def test_filter_ast(param: str, value: str, expected: Node | None) -> None:
    assert parse_filter(MODEL, param, value) == expected


REFUSALS: list[tuple[str, str, str, str]] = [
    # param, value, error_code, words of the detail
    ("filter__nope", "1", "unknown_field", "Unknown field 'nope'"),
    ("filter__nope", "", "unknown_field", "Unknown field 'nope'"),
    ("filter__", "1", "unknown_field", "Unknown field ''"),
    ("filter__links", "1", "unknown_field", "Unknown field 'links'"),
    ("filter__Name", "x", "unknown_field", "Unknown field 'Name'"),
    ("filter__name__regex", "x", "unknown_lookup", "Unknown lookup 'regex' for 'name'"),
    ("filter__name__exact__gt", "x", "unknown_lookup", "Unknown lookup 'exact__gt'"),
    ("filter__name__", "x", "unknown_lookup", "Unknown lookup ''"),
    ("filter__type__contains", "4", "unknown_lookup", "Unknown lookup 'contains' for 'type'"),
    ("filter__created_at__icontains", "1", "unknown_lookup", "lookups: exact, gt, gte, lt, lte, in"),
    ("filter__type", "four", "invalid", "A valid integer is required."),
    ("filter__type", "4.0", "invalid", "A valid integer is required."),
    ("filter__type", "+4", "invalid", "A valid integer is required."),
    ("filter__type", "²", "invalid", "A valid integer is required."),
    ("filter__type", "١٢", "invalid", "A valid integer is required."),
    ("filter__type", "32768", "max_value", "less than or equal to 32767."),
    ("filter__type", "-32769", "min_value", "greater than or equal to -32768."),
    ("filter__id", "9" * 5000, "max_value", "less than or equal to 9223372036854775807."),
    ("filter__id", "-" + "9" * 30, "min_value", "greater than or equal to -9223372036854775808."),
    ("filter__created_at__gt", "2019-10-28", "invalid", "A valid integer is required."),
    ("filter__id__in", "1,x", "invalid", "A valid integer is required."),
    ("filter__id__in", "1,,2", "invalid", "A valid integer is required."),
    ("filter__id__range", "1", "invalid", "Range query expects two values."),
    ("filter__id__range", "1,2,3", "invalid", "Range query expects two values."),
    ("filter__id__range", "1,x", "invalid", "A valid integer is required."),
    ("filter__author__isnull", "yes", "invalid", "Must be a valid boolean"),
    ("filter__name", "a\x00b", "null_characters_not_allowed", "Null characters are not allowed."),
    ("filter__name__icontains", "\x00", "null_characters_not_allowed", "Null characters"),
]


@pytest.mark.parametrize(("param", "value", "code", "words"), REFUSALS)
def test_filter_refusals_name_the_parameter(param: str, value: str, code: str, words: str) -> None:
    with pytest.raises(FieldError) as caught:
        parse_filter(MODEL, param, value)
    error = caught.value
    assert (error.status, error.code, error.field) == (400, code, param)
    assert words in error.message


def test_filters_are_anded_and_other_parameters_ignored() -> None:
    where = parse_filters(
        MODEL, {"filter__type": "4", "limit": "x", "format": "json", "filter__name__icontains": "a"}
    )
    assert where == And((c("type", Op.EQ, "4"), c("name", Op.ILIKE, "%a%")))
    assert parse_filters(MODEL, {"ordering": "name"}) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (None, DEFAULT_LIMIT),
        ("5", 5),
        (" 5 ", 5),
        ("0", DEFAULT_LIMIT),  # DRF: strict, so zero is not a limit
        ("-5", DEFAULT_LIMIT),
        ("abc", DEFAULT_LIMIT),
        ("", DEFAULT_LIMIT),
        ("5.5", DEFAULT_LIMIT),
        ("+5", DEFAULT_LIMIT),  # ASCII digits only (http/integers.py)
        ("²", DEFAULT_LIMIT),
        (str(MAX_LIMIT), MAX_LIMIT),
        (str(MAX_LIMIT + 1), MAX_LIMIT),
        ("9" * 5000, MAX_LIMIT),
        ("-" + "9" * 5000, DEFAULT_LIMIT),
    ],
)
def test_limit(text: str | None, expected: int) -> None:
    assert parse_limit(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (None, 0),
        ("10", 10),
        ("0", 0),
        ("-1", 0),
        ("x", 0),
        ("", 0),
        ("1e3", 0),
        ("99999999999999999999", 2**63 - 1),
    ],
)
def test_offset(text: str | None, expected: int) -> None:
    assert parse_offset(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (None, ("id",)),
        ("", ("id",)),
        ("name", ("name", "id")),
        ("-name", ("-name", "-id")),
        ("type,-created_at", ("type", "-created_at", "-id")),
        ("-type,created_at", ("-type", "created_at", "id")),
        (" name , -type ", ("name", "-type", "-id")),
        ("-id", ("-id",)),
        ("name,-id", ("name", "-id")),
        ("nope,name", ("name", "id")),  # unknown terms are ignored
        ("nope,--name,links", ("id",)),  # none valid: the default
        ("Name", ("id",)),
    ],
)
def test_ordering(text: str | None, expected: tuple[str, ...]) -> None:
    keys = tuple(("-" if k.descending else "") + k.path.column for k in parse_ordering(MODEL, text))
    assert keys == expected


def test_default_ordering_of_the_model() -> None:
    model = Model("t", MODEL.fields, default_ordering=("-created_at",))
    assert parse_ordering(model, "nope") == (SortKey(Path("created_at"), True), SortKey(Path("id"), True))


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ("id", "type", "name", "author", "created_at", "links")),
        ({"fields": "name,id"}, ("id", "name")),
        ({"fields": "name,,nope"}, ("name",)),
        ({"fields": "name, id"}, ("name",)),  # not trimmed, as drf-dynamic-fields
        ({"fields": ""}, ()),
        ({"omit": "name,links"}, ("id", "type", "author", "created_at")),
        ({"fields": "id,name", "omit": "name"}, ("id",)),
        ({"omit": ""}, ("id", "type", "name", "author", "created_at", "links")),
    ],
)
def test_sparse_fields(params: dict[str, str], expected: tuple[str, ...]) -> None:
    assert sparse_fields(MODEL, params) == expected


def test_parse_list_builds_one_query() -> None:
    listing = parse_list(
        MODEL,
        [
            ("limit", "1"),
            ("limit", "5"),  # the last wins
            ("offset", "10"),
            ("ordering", "-created_at"),
            ("filter__created_at__gt", "1572274684"),
            ("fields", "name,links"),
        ],
    )
    assert (listing.limit, listing.offset, listing.fields) == (5, 10, ("name", "links"))
    query = listing.query
    assert query.resource == "gainfully_things"
    assert query.where == c("created_at", Op.GT, "1572274684")
    assert query.order == (SortKey(Path("created_at"), True), SortKey(Path("id"), True))
    assert query.page == Page(10, 5)
    assert query.select == (SelectItem(Path("name")),)
    assert query.count is True
    _shape, values = split(query)
    assert values == ["1572274684", 10, 5]


def test_an_empty_projection_selects_the_key() -> None:
    listing = parse_list(MODEL, [("fields", "links")])
    assert listing.query.select == (SelectItem(Path("id")),)
    assert parse_list(MODEL, [("fields", "")]).query.select == (SelectItem(Path("id")),)


def test_a_huge_offset_is_capped_for_sql_but_kept_for_links() -> None:
    listing = parse_list(MODEL, [("offset", "9" * 25)])
    assert listing.query.page.offset == 2**63 - 1
    assert listing.offset == 2**63 - 1


@pytest.mark.parametrize(
    ("text", "escaped"),
    [("plain", "plain"), ("100%", "100\\%"), ("a_b", "a\\_b"), ("back\\slash", "back\\\\slash"), ("", "")],
)
def test_like_escape(text: str, escaped: str) -> None:
    assert like_escape(text) == escaped
