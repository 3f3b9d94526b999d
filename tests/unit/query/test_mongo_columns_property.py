"""Property test for conditions on whole columns of every kind the CMDB has (bigint, text, boolean,
bigint[] and jsonb holding a scalar or an array of scalars): random filters through the query core
select the same rows as a pure-Python model of MongoDB's rules. A NULL column is a key the document
lacks. (The grammar has no arrays inside arrays: there jsonpath's lax mode and MongoDB differ, see
the README.)"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.unit.query.mongo_rows import Rows

from tenantgrid.query.dialects.mongo import Document

DDL = "CREATE TABLE cols (public_id bigint PRIMARY KEY, n bigint, s text, b boolean, tags bigint[], j jsonb);"
DOC = Document("cols", {k: k for k in ("public_id", "n", "s", "b", "tags", "j")})
SCALARS: list[Any] = [-1, 0, 1, 2, 2.5, "", "a", "b", "1", True, False, None]


def _rows() -> list[dict[str, Any]]:
    rng = random.Random(7)

    def maybe(value: Any) -> Any:
        return None if rng.random() < 0.2 else value

    def json_value() -> Any:
        if rng.random() < 0.4:
            return [rng.choice(SCALARS) for _ in range(rng.randrange(4))]
        return rng.choice(SCALARS)

    return [
        {
            "public_id": i,
            "n": maybe(rng.choice([-1, 0, 1, 2])),
            "s": maybe(rng.choice(["", "a", "b", "1"])),
            "b": maybe(rng.choice([True, False])),
            "tags": maybe([rng.choice([0, 1, 2, None]) for _ in range(rng.randrange(4))]),
            "j": maybe(json_value()),
        }
        for i in range(1, 81)
    ]


ROWS = _rows()


@pytest.fixture(scope="module")
def rows(database_url: str) -> Iterator[Rows]:
    rows = Rows(database_url, DDL)
    try:
        rows.insert("cols", [{**r, "j": None if r["j"] is None else json.dumps(r["j"])} for r in ROWS])
        yield rows
    finally:
        rows.close()


# -- the model -----------------------------------------------------------------------------------------


def _class(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    return "number" if isinstance(value, int | float) else type(value).__name__


def _candidates(value: Any) -> list[Any]:
    return [value, *value] if isinstance(value, list) else [value]


def _eq(value: Any, present: bool, x: Any) -> bool:
    if x is None:
        return not present or any(c is None for c in _candidates(value))
    return present and any(_class(c) == _class(x) and c == x for c in _candidates(value))


def _operator(value: Any, present: bool, name: str, x: Any) -> bool:
    match name:
        case "$eq":
            return _eq(value, present, x)
        case "$ne":
            return not _eq(value, present, x)
        case "$in":
            return any(_eq(value, present, v) for v in x)
        case "$nin":
            return not any(_eq(value, present, v) for v in x)
        case "$all":
            return bool(x) and all(_eq(value, present, v) for v in x)
        case "$gt" | "$gte" | "$lt" | "$lte":
            if x is None:
                return _eq(value, present, None) if name in ("$gte", "$lte") else False
            compare = {"$gt": lambda a: a > x, "$gte": lambda a: a >= x, "$lt": lambda a: a < x}
            test = compare.get(name, lambda a: a <= x)
            return present and any(
                c is not None and _class(c) == _class(x) and test(c) for c in _candidates(value)
            )
        case "$exists":
            return present == x
        case "$size":
            return isinstance(value, list) and len(value) == x
        case "$not":
            return not _condition(value, present, x)
    raise AssertionError(name)


def _condition(value: Any, present: bool, condition: Any) -> bool:
    if isinstance(condition, dict):
        return all(_operator(value, present, k, v) for k, v in condition.items())
    return _eq(value, present, condition)


def matches(row: dict[str, Any], query: dict[str, Any]) -> bool:
    for key, condition in query.items():
        if key in ("$or", "$nor"):
            found = any(matches(row, q) for q in condition)
            ok = found if key == "$or" else not found
        else:
            ok = _condition(row[key], row[key] is not None, condition)
        if not ok:
            return False
    return True


# -- random filters --------------------------------------------------------------------------------------

scalars = st.sampled_from(SCALARS)
lists = st.lists(scalars, max_size=4)
single = st.one_of(
    st.builds(lambda op, v: {op: v}, st.sampled_from(["$eq", "$ne", "$gt", "$gte", "$lt", "$lte"]), scalars),
    st.builds(lambda op, v: {op: v}, st.sampled_from(["$in", "$nin"]), lists),
    st.builds(lambda v: {"$all": v}, st.lists(scalars, min_size=1, max_size=3)),
    st.builds(lambda v: {"$exists": v}, st.booleans()),
    st.builds(lambda v: {"$size": v}, st.integers(0, 3)),
)
conditions = st.one_of(scalars, single, st.builds(lambda c: {"$not": c}, single))
leaf = st.dictionaries(st.sampled_from(["n", "s", "b", "tags", "j"]), conditions, min_size=1, max_size=2)
queries = st.one_of(
    leaf,
    st.builds(
        lambda op, items: {op: items},
        st.sampled_from(["$or", "$nor"]),
        st.lists(leaf, min_size=1, max_size=3),
    ),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(query=queries)
def test_whole_columns_match_the_mongodb_model(rows: Rows, query: dict[str, Any]) -> None:
    expected = [r["public_id"] for r in ROWS if matches(r, query)]
    assert rows.ids(DOC, query) == expected


def test_the_rows_discriminate() -> None:
    counts = {sum(matches(r, {k: v}) for r in ROWS) for k in ("n", "s", "b", "tags", "j") for v in SCALARS}
    assert len(counts) > 5
