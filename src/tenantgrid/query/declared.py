"""SQL for values of a declared type: a key of a jsonb column whose type a dialect declares (a Gridly
column's), rather than a catalog column.

The value is `column -> 'key'`, written with the key as a literal so that the per-key expression
index `(grid_id, (cells -> 'key'))` serves comparisons and sorting (the key was checked against
`DECLARED_KEY`; values stay bound parameters). Comparisons are jsonb with jsonb, so a number compares
as a number and never equals a string; timestamps are fixed-width UTC text, whose order is time's.
A range comparison also requires the value's JSON type (a number column's `> 5` skips a stray
string). An empty value is a missing key, JSON null, "", [] or {}.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg
from sqlalchemy.sql.elements import ColumnElement

from tenantgrid import errors
from tenantgrid.query.ast import DECLARED_KEY, DECLARED_KINDS, Cond, IsValue, Op, Path

if TYPE_CHECKING:
    from tenantgrid.query.expressions import Binder

Expr = ColumnElement[Any]
JSON_TYPE_OF = {"number": "number", "timestamp": "string", "text": "string", "boolean": "boolean"}
RANGES = {Op.GT: ">", Op.GTE: ">=", Op.LT: "<", Op.LTE: "<="}
EMPTY = "ARRAY['null', '\"\"', '[]', '{}']::jsonb[]"


def declared_value(path: Path, source: sa.FromClause) -> Expr:
    """`source.column -> 'key'` (jsonb)."""
    return source.c[path.column].op("->", return_type=pg.JSONB())(sa.literal_column(_key(path)))


def declared_text(path: Path, source: sa.FromClause) -> Expr:
    """`source.column ->> 'key'` (text)."""
    return source.c[path.column].op("->>", return_type=sa.Text())(sa.literal_column(_key(path)))


def _key(path: Path) -> str:
    if path.declared not in DECLARED_KINDS or len(path.keys) != 1:
        raise TypeError(f"not a declared path: {path!r}")
    key = str(path.keys[0])
    if not DECLARED_KEY.fullmatch(key):
        raise errors.parse_error(f"invalid key {key[:80]!r}")
    return "'" + key + "'"


def declared_condition(cond: Cond, source: sa.FromClause, binder: Binder) -> Expr:
    path = cond.path
    kind = path.declared
    value = declared_value(path, source)
    op = cond.op
    if op is Op.IS:
        empty = sa.or_(value.is_(None), value == sa.any_(sa.literal_column(EMPTY)))
        return empty if cond.value is IsValue.NULL else sa.not_(empty)
    if op in (Op.STARTS_WITH, Op.ENDS_WITH, Op.CONTAINS_TEXT, Op.MATCH, Op.IMATCH, Op.LIKE, Op.ILIKE):
        text = declared_text(path, source)
        typed = sa.func.jsonb_typeof(value) == sa.literal_column("'string'")
        slot = binder.slot(cond.value)
        match op:
            case Op.STARTS_WITH:
                return sa.and_(typed, sa.func.starts_with(text, slot))
            case Op.ENDS_WITH:
                return sa.and_(typed, sa.func.right(text, sa.func.length(slot)) == slot)
            case Op.CONTAINS_TEXT:
                return sa.and_(typed, sa.func.strpos(text, slot) > sa.literal_column("0"))
            case Op.MATCH:
                return sa.and_(typed, text.op("~", is_comparison=True)(slot))
            case Op.IMATCH:
                return sa.and_(typed, text.op("~*", is_comparison=True)(slot))
            case Op.LIKE:
                return sa.and_(typed, text.op("LIKE", is_comparison=True)(slot))
            case _:
                return sa.and_(typed, text.op("ILIKE", is_comparison=True)(slot))
    if op is Op.CONTAINS:  # membership: the slot holds a JSON array of the wanted elements
        return value.op("@>", is_comparison=True)(sa.cast(binder.slot(cond.value), pg.JSONB()))
    if op is Op.IN and kind == "set":  # any of the listed strings is an element
        return value.op("?|", is_comparison=True)(binder.slot(cond.value, pg.ARRAY(sa.Text())))
    if op is Op.IN:
        listed = sa.cast(binder.slot(cond.value, pg.ARRAY(sa.String())), pg.ARRAY(pg.JSONB()))
        return value == sa.any_(listed)
    if op is Op.EQ:
        return value == sa.cast(binder.slot(cond.value), pg.JSONB())
    if op is Op.BETWEEN:
        low, high = cond.value  # type: ignore[misc]
        between = value.between(sa.cast(binder.slot(low), pg.JSONB()), sa.cast(binder.slot(high), pg.JSONB()))
        return sa.and_(_typed(value, kind), between)
    if op in RANGES:
        compared = value.op(RANGES[op], is_comparison=True)(sa.cast(binder.slot(cond.value), pg.JSONB()))
        return sa.and_(_typed(value, kind), compared)
    raise errors.parse_error(f"operator {op.value} does not apply to a {kind} value")


def _typed(value: Expr, kind: str | None) -> Expr:
    json_type = JSON_TYPE_OF.get(kind or "")
    if json_type is None:
        return sa.true()
    return sa.func.jsonb_typeof(value) == sa.literal_column(f"'{json_type}'")
