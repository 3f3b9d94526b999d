"""Property test: random MongoDB filters, run through the query core against real rows, select the
same documents as a small pure-Python model of MongoDB's matching rules.

The model covers the dialect's operators on scalars, arrays of scalars and arrays of objects. The
documents avoid two corners where jsonpath and MongoDB part ways, both documented in the README:
arrays nested directly in arrays, and objects in an array that lack the key a path names."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from typing import Any

import asyncpg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.unit.query.mongo_rows import Rows

from tenantgrid.db.execute import database_error
from tenantgrid.errors import ApiError
from tenantgrid.query.dialects.mongo import Document

DDL = """
CREATE TABLE items (public_id bigint PRIMARY KEY, n bigint, s text, doc jsonb NOT NULL);
"""
DOC = Document("items", {"public_id": "public_id", "n": "n", "s": "s", "doc": "doc"})
SCALARS: list[Any] = [-1, 0, 1, 2, 1.5, "a", "b", "ab", "1", True, False, None]
MISSING = object()


def _documents() -> list[dict[str, Any]]:
    rng = random.Random(12)

    def scalar() -> Any:
        return rng.choice(SCALARS)

    def value() -> Any:
        kind = rng.randrange(4)
        if kind == 0:
            return [scalar() for _ in range(rng.randrange(4))]
        if kind == 1:
            return {"x": scalar(), "y": [scalar() for _ in range(rng.randrange(3))]}
        return scalar()

    documents = []
    for i in range(1, 61):
        doc: dict[str, Any] = {}
        for key in ("a", "b"):
            if rng.random() < 0.8:
                doc[key] = value()
        if rng.random() < 0.7:
            doc["c"] = [{"x": scalar()} for _ in range(rng.randrange(4))]
        documents.append(
            {
                "public_id": i,
                "n": rng.choice([None, -1, 0, 1, 2]),
                "s": rng.choice([None, "a", "b", "ab"]),
                "doc": doc,
            }
        )
    return documents


DOCUMENTS = _documents()


@pytest.fixture(scope="module")
def rows(database_url: str) -> Iterator[Rows]:
    rows = Rows(database_url, DDL)
    try:
        rows.insert("items", DOCUMENTS)
        yield rows
    finally:
        rows.close()


# -- the model ---------------------------------------------------------------------------------------


def _mongo(row: dict[str, Any]) -> dict[str, Any]:
    """The row as a document: a NULL column is a key the document lacks."""
    return {k: v for k, v in row.items() if v is not None}


def _values(value: Any, parts: list[str]) -> list[Any]:
    """What a dotted path reaches: arrays of objects are looked into, element by element."""
    if not parts:
        return [value]
    if isinstance(value, dict):
        return _values(value[parts[0]], parts[1:]) if parts[0] in value else []
    if isinstance(value, list):
        return [found for item in value if isinstance(item, dict) for found in _values(item, parts)]
    return []


def _candidates(found: list[Any]) -> list[Any]:
    """The values a condition compares with: each value, and each element of an array value."""
    return [item for v in found for item in (v if isinstance(v, list) else [v])]


def _class(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    return type(value).__name__


def _same(a: Any, b: Any) -> bool:
    return _class(a) == _class(b) and a == b


def _compare(op: str, a: Any, b: Any) -> bool:
    if _class(a) != _class(b) or isinstance(a, dict | list):
        return False
    if a is None:
        return op in ("$gte", "$lte")
    return {"$gt": a > b, "$gte": a >= b, "$lt": a < b, "$lte": a <= b}[op]


def _equal(found: list[Any], value: Any) -> bool:
    if value is None:
        return not found or any(v is None for v in _candidates(found))
    return any(_same(v, value) for v in _candidates(found))


def _operator(found: list[Any], name: str, argument: Any, options: str) -> bool:
    match name:
        case "$eq":
            return _equal(found, argument)
        case "$ne":
            return not _equal(found, argument)
        case "$gte" | "$lte" if argument is None:
            return _equal(found, None)
        case "$gt" | "$gte" | "$lt" | "$lte":
            return any(_compare(name, v, argument) for v in _candidates(found))
        case "$in":
            return any(_equal(found, v) for v in argument)
        case "$nin":
            return not any(_equal(found, v) for v in argument)
        case "$all":
            return bool(argument) and all(_equal(found, v) for v in argument)
        case "$exists":
            return bool(found) == argument
        case "$size":
            return any(isinstance(v, list) and len(v) == argument for v in found)
        case "$regex":
            flags = re.IGNORECASE if "i" in options else 0
            return any(isinstance(v, str) and re.search(argument, v, flags) for v in _candidates(found))
        case "$not":
            return not _field(found, argument)
        case "$elemMatch":
            return any(isinstance(v, list) and any(_element(item, argument) for item in v) for v in found)
    raise AssertionError(name)


def _field(found: list[Any], condition: Any) -> bool:
    if isinstance(condition, dict) and condition and all(k.startswith("$") for k in condition):
        options = condition.get("$options", "")
        return all(_operator(found, k, v, options) for k, v in condition.items() if k != "$options")
    return _equal(found, condition)


def _element(item: Any, query: dict[str, Any]) -> bool:
    if all(k.startswith("$") for k in query):
        return _field([item], query)
    return isinstance(item, dict) and all(_field(_values(item, k.split(".")), v) for k, v in query.items())


def matches(document: dict[str, Any], query: dict[str, Any]) -> bool:
    for key, condition in query.items():
        if key == "$and":
            ok = all(matches(document, q) for q in condition)
        elif key == "$or":
            ok = any(matches(document, q) for q in condition)
        elif key == "$nor":
            ok = not any(matches(document, q) for q in condition)
        else:
            ok = _field(_values(document, key.split(".")), condition)
        if not ok:
            return False
    return True


# -- random filters ------------------------------------------------------------------------------------

PATHS = ["n", "s", "doc", "doc.a", "doc.b", "doc.a.x", "doc.a.y", "doc.c", "doc.c.x", "nope"]
scalars = st.sampled_from(SCALARS)
comparable = st.sampled_from(SCALARS)
lists = st.lists(scalars, max_size=3)


def _operators() -> st.SearchStrategy[dict[str, Any]]:
    single = st.one_of(
        st.builds(lambda v: {"$eq": v}, scalars),
        st.builds(lambda v: {"$ne": v}, scalars),
        st.builds(lambda op, v: {op: v}, st.sampled_from(["$gt", "$gte", "$lt", "$lte"]), comparable),
        st.builds(lambda v: {"$in": v}, lists),
        st.builds(lambda v: {"$nin": v}, lists),
        st.builds(lambda v: {"$all": v}, st.lists(scalars, min_size=1, max_size=2)),
        st.builds(lambda v: {"$exists": v}, st.booleans()),
        st.builds(lambda v: {"$size": v}, st.integers(0, 3)),
        st.builds(
            lambda p, o: {"$regex": p, "$options": o} if o else {"$regex": p},
            st.sampled_from(["a", "^a", "b$", "1", "A"]),
            st.sampled_from(["", "i"]),
        ),
        st.builds(
            lambda q: {"$elemMatch": q},
            st.one_of(
                st.builds(lambda v: {"x": v}, scalars),
                st.builds(lambda op, v: {"x": {op: v}}, st.sampled_from(["$gt", "$ne"]), comparable),
                st.builds(lambda op, v: {op: v}, st.sampled_from(["$gte", "$lt"]), comparable),
            ),
        ),
    )
    negated = st.builds(lambda o: {"$not": o}, single)
    return st.one_of(single, negated, st.builds(lambda a, b: {**a, **b}, single, single))


conditions = st.one_of(scalars, _operators())
leaf = st.dictionaries(st.sampled_from(PATHS), conditions, min_size=1, max_size=2)
queries = st.recursive(
    leaf,
    lambda inner: st.builds(
        lambda op, items: {op: items},
        st.sampled_from(["$and", "$or", "$nor"]),
        st.lists(inner, min_size=1, max_size=3),
    ),
    max_leaves=6,
)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(query=queries)
def test_matches_the_mongodb_model(rows: Rows, query: dict[str, Any]) -> None:
    expected = [d["public_id"] for d in DOCUMENTS if matches(_mongo(d), query)]
    assert rows.ids(DOC, query) == expected


def test_the_model_sees_both_answers() -> None:
    """The documents make filters discriminate: the model's answers are not all-or-nothing."""
    counts = {len([d for d in DOCUMENTS if matches(_mongo(d), {p: 1})]) for p in PATHS}
    assert len(counts) > 3


# -- garbage in: a 400 or an answer, never anything else -----------------------------------------------

KEYS = [*PATHS, "$and", "$or", "$nor", "$not", "$eq", "$ne", "$gt", "$in", "$nin", "$all", "$size", "$exists"]
KEYS += [
    "$regex",
    "$options",
    "$elemMatch",
    "$where",
    "$expr",
    "$match",
    "$sort",
    "$skip",
    "$limit",
    "$project",
]
KEYS += ["x", "", ".", "doc..a", "doc.$x", 'doc."', "doc.\\", "doc.@", "doc.\n", "doc.é"]
garbage_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=6),
    st.sampled_from(["i", "ismx", "(", "[", "\\", "a{1,99999}", "$", "@"]),
)
garbage = st.recursive(
    garbage_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(KEYS), inner, max_size=3)
    ),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(filter=garbage)
def test_garbage_filters_answer_or_are_400(rows: Rows, filter: Any) -> None:
    try:
        rows.ids(DOC, filter)
    except ApiError as error:
        assert error.status == 400, error
    except asyncpg.PostgresError as exc:
        error = database_error(exc)
        assert error is not None and error.status == 400, exc
